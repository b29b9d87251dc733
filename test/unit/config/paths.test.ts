import { statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configDir, ensureConfigDir } from '../../../src/config/paths.js';

const linux = { platform: 'linux', homedir: '/home/alice' } as const;

describe('configDir', () => {
  it.each([
    [
      'JIT_CONFIG_DIR wins',
      { JIT_CONFIG_DIR: '/tmp/jit-test', XDG_CONFIG_HOME: '/x' },
      linux,
      '/tmp/jit-test',
    ],
    ['relative JIT_CONFIG_DIR is made absolute', { JIT_CONFIG_DIR: 'state' }, linux, path.resolve('state')],
    ['empty JIT_CONFIG_DIR counts as unset', { JIT_CONFIG_DIR: '' }, linux, '/home/alice/.config/jit-access'],
    ['Linux, XDG_CONFIG_HOME', { XDG_CONFIG_HOME: '/cfg' }, linux, '/cfg/jit-access'],
    ['Linux default', {}, linux, '/home/alice/.config/jit-access'],
    [
      'macOS',
      {},
      { platform: 'darwin', homedir: '/Users/alice' },
      '/Users/alice/Library/Preferences/jit-access',
    ],
    [
      'Windows, APPDATA',
      { APPDATA: 'C:\\Users\\alice\\AppData\\Roaming' },
      { platform: 'win32', homedir: 'C:\\Users\\alice' },
      'C:\\Users\\alice\\AppData\\Roaming\\jit-access\\Config',
    ],
    [
      'Windows default',
      {},
      { platform: 'win32', homedir: 'C:\\Users\\alice' },
      'C:\\Users\\alice\\AppData\\Roaming\\jit-access\\Config',
    ],
  ] as const)('%s', (_, env, host, expected) => {
    expect(configDir(env, host)).toBe(expected);
  });
});

describe('ensureConfigDir', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'jit-paths-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates the directory and its parents private to the user', async () => {
    const dir = path.join(root, 'a', 'jit');
    await ensureConfigDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('leaves an existing directory as the user made it', async () => {
    const dir = path.join(root, 'shared');
    await mkdir(dir, { mode: 0o750 });
    await ensureConfigDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o750);
  });
});
