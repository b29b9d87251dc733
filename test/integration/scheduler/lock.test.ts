/**
 * The scheduler lock judges liveness by process, not by file age: a live holder keeps it, a dead
 * one (or a recycled pid, or a lock file that is not this user's plain file) is taken over at once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, lockIsHeld, processStart, readHolder } from '../../../src/scheduler/lock.js';

let dir: string;
let file: string;
const children: ChildProcess[] = [];

/** A live process standing in for a running scheduler. */
async function liveProcess(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((resolve) => child.once('spawn', resolve));
  return child.pid!;
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'jit-lock-'));
  file = path.join(dir, 'scheduler.pid');
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('scheduler lock', () => {
  it('is taken when free, names this process with its start time, and is released', async () => {
    const lock = await acquireLock(file);
    expect(lock).toBeDefined();
    expect(await readHolder(file)).toEqual({ pid: process.pid, start: await processStart(process.pid) });
    expect(await lockIsHeld(file)).toBe(true);
    expect(await lock!.held()).toBe(true);
    await lock!.release();
    expect(await lockIsHeld(file)).toBe(false);
  });

  it('is refused while a live process holds it, and taken at once when that process dies (no staleness wait)', async () => {
    const pid = await liveProcess();
    writeFileSync(file, `${pid}\n${await processStart(pid)}\n`, { mode: 0o600 });
    expect(await lockIsHeld(file)).toBe(true);
    expect(await acquireLock(file)).toBeUndefined();
    children[0]!.kill('SIGKILL');
    await new Promise((resolve) => children[0]!.once('exit', resolve));
    const lock = await acquireLock(file);
    expect(lock).toBeDefined();
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe(String(process.pid));
  });

  it('a recycled pid (same pid, another start time) does not hold it', async () => {
    const pid = await liveProcess();
    writeFileSync(file, `${pid}\nnot-its-start-time\n`, { mode: 0o600 });
    expect(await lockIsHeld(file)).toBe(process.platform === 'win32');
    expect(await acquireLock(file)).toBeDefined();
  });

  it('a lock file that is a symlink, or holds garbage, is not trusted and is replaced', async () => {
    const pid = await liveProcess();
    const elsewhere = path.join(dir, 'elsewhere');
    writeFileSync(elsewhere, `${pid}\n${await processStart(pid)}\n`);
    symlinkSync(elsewhere, file);
    expect(await lockIsHeld(file)).toBe(false);
    const lock = await acquireLock(file);
    expect(lock).toBeDefined();
    // The symlink itself was replaced; the file it pointed at is untouched.
    expect(readFileSync(elsewhere, 'utf8').split('\n')[0]).toBe(String(pid));
    await lock!.release();
    writeFileSync(file, 'garbage');
    expect(await acquireLock(file)).toBeDefined();
  });

  it('a scheduler that lost its lock to another sees it on its next check', async () => {
    const lock = await acquireLock(file);
    const pid = await liveProcess();
    writeFileSync(file, `${pid}\n${await processStart(pid)}\n`);
    expect(await lock!.held()).toBe(false);
    await lock!.release(); // not ours any more: left alone
    expect(await lockIsHeld(file)).toBe(true);
  });
});
