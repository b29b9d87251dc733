/**
 * The processes an end-to-end test deals with: jit subprocesses it starts and may interrupt, and the
 * detached schedulers they leave behind, which every test must end. Shared by the expiry suite and
 * the fault suite (test/faults), so both find and end schedulers the same way.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestContext } from 'vitest';
import { BIN, ROOT, tempConfigDir } from '../../support/cli.js';

export const NET_GUARD = path.join(ROOT, 'test', 'support', 'net-guard.mjs');

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const execFileAsync = promisify(execFile);

/** Polls until `check` holds or `ms` pass; returns the time it first held (or undefined). */
export async function waitFor(check: () => Promise<boolean>, ms: number, every = 100): Promise<number | undefined> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return Date.now();
    await sleep(every);
  }
  return (await check()) ? Date.now() : undefined;
}

/** The pid the scheduler of this config directory recorded, if any. */
export function schedulerPid(dir: string): number | undefined {
  const file = path.join(dir, 'scheduler.pid');
  // The scheduler's lock: its pid on the first line, its start time on the second. A scheduler that
  // exits removes it, which can happen between any check and the read.
  try {
    return Number(readFileSync(file, 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
}

export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Pids of the scheduler processes serving this config directory, by command line: a scheduler that
 * has not written (or never writes) its pid file is found too, and a recycled pid is not mistaken
 * for one. `ps` runs without blocking: the fault suite polls this several times a second per test,
 * and the emulators answering the schedulers live in the same process: a blocking `ps` of ~30 ms
 * at each poll takes that time from the ARM emulator (docs/testing.md, "Fewer processes").
 */
export async function workersFor(dir: string): Promise<number[]> {
  const { stdout: out } = await execFileAsync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.includes('worker-main.js') && line.includes(dir))
    .map((line) => Number.parseInt(line.trim(), 10));
}

/** One scheduler serves this directory and is fully started: it holds the lock and wrote its pid. */
export async function schedulerRunning(dir: string): Promise<boolean> {
  return (await workersFor(dir)).length === 1 && alive(schedulerPid(dir));
}

/**
 * A config directory for one test: its schedulers end, and it is removed, when the test ends. The
 * test's own context registers that: tests run concurrently, and each ends only its own schedulers.
 */
export function testConfigDir(test: TestContext): string {
  const { dir, cleanup } = tempConfigDir();
  test.onTestFinished(async () => {
    await endSchedulers([dir]);
    cleanup();
  });
  return dir;
}

/** Ends every scheduler serving these config directories (SIGTERM, then SIGKILL) and waits for it. */
export async function endSchedulers(dirs: readonly string[]): Promise<void> {
  const found = await Promise.all(dirs.map(async (dir) => [...(await workersFor(dir)), schedulerPid(dir) ?? 0]));
  const pids = [...new Set(found.flat())].filter(alive);
  const signal = (name: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, name);
      } catch {
        // already gone
      }
    }
  };
  signal('SIGTERM');
  if (!(await waitFor(async () => !pids.some(alive), 3000, 50))) {
    signal('SIGKILL');
    await waitFor(async () => !pids.some(alive), 3000, 50);
  }
}

/**
 * bin/jit.js as a child the test can signal, with the network guard loaded. Its output is
 * collected; `exited` resolves with the exit code, or the signal that ended it.
 */
export interface JitChild {
  child: ChildProcess;
  startedAt: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

export function spawnJit(argv: string[], env: Record<string, string>): JitChild {
  const child = spawn(process.execPath, [BIN, ...argv], {
    env: { ...env, NODE_OPTIONS: `--import=${NET_GUARD}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const startedAt = Date.now();
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    },
  );
  return { child, startedAt, exited };
}
