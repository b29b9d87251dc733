import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GrantRecord } from '../../../src/core/ports.js';
import { openLedger } from '../../../src/scheduler/ledger.js';
import { ROOT } from '../../support/cli.js';
import { sampleGrant } from './sample-grant.js';

const WORKER = fileURLToPath(new URL('./ledger-worker.ts', import.meta.url));
const append = (grant: GrantRecord) => (grants: GrantRecord[]) => ({
  grants: [...grants, grant],
  result: grant.id,
});
const mode = (file: string) => statSync(file).mode & 0o777;

let root: string;
let dir: string;
let file: string;

/**
 * The second process runs ledger-worker.ts bundled once per run with esbuild, its packages left as
 * imports (resolved from the project's node_modules, hence the bundle under .tmp/): as
 * `node --import tsx`, each of the ten workers spent ~0.5 CPU-s transpiling the same files.
 */
let workerJs: string;
beforeAll(async () => {
  mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
  workerJs = path.join(await mkdtemp(path.join(ROOT, '.tmp', 'ledger-worker-')), 'ledger-worker.mjs');
  await build({ entryPoints: [WORKER], outfile: workerJs, bundle: true, platform: 'node', format: 'esm', packages: 'external', logLevel: 'warning' });
});
afterAll(async () => {
  if (workerJs) await rm(path.dirname(workerJs), { recursive: true, force: true });
});

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'jit-ledger-'));
  // A directory that does not exist yet, so the test sees jit create it.
  dir = path.join(root, 'jit');
  file = path.join(dir, 'grants.json');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function startWorker(workerMode: 'append' | 'hold', id: string): ChildProcess {
  return spawn(process.execPath, [workerJs, workerMode, dir, id], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

async function waitForLine(child: ChildProcess, line: string): Promise<void> {
  let seen = '';
  for await (const chunk of child.stdout!) {
    seen += String(chunk);
    if (seen.split('\n').includes(line)) return;
  }
  throw new Error(`worker exited without printing "${line}" (got "${seen}")`);
}

describe('grant ledger', () => {
  it('reads an absent ledger as empty and round-trips grants through a private file', async () => {
    const ledger = openLedger(dir);
    expect(await ledger.list()).toEqual([]);

    const grant = sampleGrant('a1b2c3d4', { justification: 'incident 42' });
    expect(await ledger.transact(append(grant))).toBe('a1b2c3d4');

    expect(await ledger.list()).toEqual([grant]);
    expect(await ledger.get('a1b2c3d4')).toEqual(grant);
    expect(await ledger.get('zzzzzzzz')).toBeUndefined();
    expect(await openLedger(dir).list()).toEqual([grant]);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ version: 1, grants: [grant] });
    expect(mode(dir)).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('updates in place and removes grants', async () => {
    const ledger = openLedger(dir);
    await ledger.transact(append(sampleGrant('aaaaaaaa')));
    await ledger.transact(append(sampleGrant('bbbbbbbb')));
    await ledger.transact((grants) => ({
      grants: grants.filter((g) => g.id !== 'aaaaaaaa').map((g) => ({ ...g, state: 'active' as const })),
      result: undefined,
    }));
    expect(await ledger.list()).toEqual([sampleGrant('bbbbbbbb', { state: 'active' })]);
  });

  it('writes nothing when fn throws, and releases the lock', async () => {
    const ledger = openLedger(dir);
    await ledger.transact(append(sampleGrant('aaaaaaaa')));
    const before = await readFile(file, 'utf8');
    await expect(
      ledger.transact(() => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await readFile(file, 'utf8')).toBe(before);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('stores only the fields of GrantRecord', async () => {
    const ledger = openLedger(dir);
    const grant = { ...sampleGrant('aaaaaaaa'), credential: 'hunter2' } as GrantRecord;
    await ledger.transact(append(grant));
    expect(await readFile(file, 'utf8')).not.toContain('hunter2');
  });

  it('loses no update when 20 transactions of one process race, through two handles on one file, while reads go on', async () => {
    const handles = [openLedger(dir), openLedger(dir)];
    const ids = Array.from({ length: 20 }, (_, i) => `grant${String(i).padStart(3, '0')}`);
    // Lock-free reads in between see a whole file every time, never a half-written one.
    const reads = ids.map(() => handles[0]!.list());
    await Promise.all(ids.map((id, i) => handles[i % 2]!.transact(append(sampleGrant(id)))));
    for (const read of await Promise.all(reads)) expect(read.length).toBeLessThanOrEqual(20);
    expect((await handles[0]!.list()).map((g) => g.id).sort()).toEqual(ids);
  });

  it('loses no update when 10 processes append at the same moment', async () => {
    await openLedger(dir).transact(append(sampleGrant('existing')));
    const ids = Array.from({ length: 10 }, (_, i) => `worker${String(i).padStart(2, '0')}`);
    const workers = ids.map((id) => startWorker('append', id));
    await Promise.all(workers.map((worker) => waitForLine(worker, 'ready')));
    const exits = workers.map((worker) => once(worker, 'exit'));
    for (const worker of workers) worker.stdin!.write('go\n');
    const codes = (await Promise.all(exits)).map(([code]) => code);

    expect(codes).toEqual(ids.map(() => 0));
    const stored = (await openLedger(dir).list()).map((g) => g.id);
    expect(stored).toHaveLength(11);
    expect(new Set(stored)).toEqual(new Set(['existing', ...ids]));
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('waits on a live-looking lock and reclaims it once stale, after its owner was killed', async () => {
    const ledger = openLedger(dir);
    await ledger.transact(append(sampleGrant('aaaaaaaa')));
    const holder = startWorker('hold', 'killed00');
    await waitForLine(holder, 'locked');
    const exit = once(holder, 'exit');
    holder.kill('SIGKILL');
    await exit;
    expect(existsSync(`${file}.lock`)).toBe(true);

    // The lock's mtime is fresh: the waiter must keep retrying, not steal it.
    let settled = false;
    const waiting = ledger.transact(append(sampleGrant('bbbbbbbb'))).finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(settled).toBe(false);

    // What 11 s without the owner refreshing its lock looks like (stale is 10 s).
    const past = new Date(Date.now() - 11_000);
    await utimes(`${file}.lock`, past, past);
    await waiting;

    expect((await ledger.list()).map((g) => g.id)).toEqual(['aaaaaaaa', 'bbbbbbbb']);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it.each([
    ['not JSON', '{"version":1,"grants":['],
    ['an empty file', ''],
    ['a file without a version', '{"grants":[]}'],
    [
      'a grant with an unknown state',
      JSON.stringify({ version: 1, grants: [sampleGrant('aaaaaaaa', { state: 'x' as never })] }),
    ],
  ])('refuses %s as JIT_LEDGER_CORRUPT, naming the file and leaving it untouched', async (_, text) => {
    const ledger = openLedger(dir);
    await ledger.transact(append(sampleGrant('aaaaaaaa')));
    await writeFile(file, text, { mode: 0o600 });

    const attempts = [
      () => ledger.list(),
      () => ledger.get('aaaaaaaa'),
      () => ledger.transact(append(sampleGrant('bbbbbbbb'))),
    ];
    for (const attempt of attempts) {
      const failure = attempt();
      await expect(failure).rejects.toMatchObject({ code: 'JIT_LEDGER_CORRUPT', exitCode: 1 });
      await expect(failure).rejects.toThrow(file);
    }
    expect(await readFile(file, 'utf8')).toBe(text);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('refuses a ledger from a newer jit without touching it', async () => {
    const text = JSON.stringify({ version: 2, grants: [] });
    const ledger = openLedger(dir);
    await ledger.transact(append(sampleGrant('aaaaaaaa')));
    await writeFile(file, text);
    await expect(ledger.transact(append(sampleGrant('bbbbbbbb')))).rejects.toMatchObject({
      code: 'JIT_LEDGER_VERSION_UNSUPPORTED',
    });
    expect(await readFile(file, 'utf8')).toBe(text);
  });
});
