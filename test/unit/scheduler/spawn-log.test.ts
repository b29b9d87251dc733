/**
 * The scheduler's log is opened without following a symbolic link: a link planted at
 * scheduler.log would otherwise make the detached scheduler append to whatever file it names.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ensureScheduler } from '../../../src/scheduler/spawn.js';
import { tempConfigDir } from '../../support/cli.js';

let config: ReturnType<typeof tempConfigDir>;
beforeEach(() => {
  config = tempConfigDir();
});
afterEach(() => config.cleanup());

it('refuses a symlinked scheduler.log, starts no scheduler and leaves the target untouched', async () => {
  const target = path.join(config.dir, 'victim.txt');
  await writeFile(target, 'precious\n');
  const log = path.join(config.dir, 'scheduler.log');
  await symlink(target, log);
  // A worker path that cannot run: had ensureScheduler spawned anything, it would show in the log.
  await expect(ensureScheduler(config.dir, {}, path.join(config.dir, 'no-worker.js'))).rejects.toMatchObject({
    code: 'JIT_STATE_FILE_UNSAFE',
    exitCode: 2,
    message: expect.stringContaining(`${log} is a symbolic link`),
  });
  expect(readFileSync(target, 'utf8')).toBe('precious\n');
  expect(readdirSync(config.dir).sort()).toEqual(['scheduler.log', 'victim.txt']);
});
