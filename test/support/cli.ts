/** Runs the CLI in-process (main with captured streams) or as the built bin/jit.js subprocess. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import type { AppOverrides } from '../../src/cli/run.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin', 'jit.js');
const NET_GUARD = path.join(ROOT, 'test', 'support', 'net-guard.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Every write in order, with its stream: what a terminal that shows both would have received. */
  writes?: { stream: 'stdout' | 'stderr'; chunk: string }[];
}

/** A private config directory per test, removed by the returned cleanup. */
export function tempConfigDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'jit-test-'));
  // Retries: a scheduler that is exiting may still be appending to its log.
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }) };
}

/** A clean environment: nothing from the developer's shell leaks into what jit resolves. */
export function baseEnv(configDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: configDir,
    JIT_CONFIG_DIR: configDir,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

export async function runCli(
  argv: string[],
  options: {
    env: Record<string, string>;
    stdinTTY?: boolean;
    stdoutTTY?: boolean;
    stderrTTY?: boolean;
    /** The width the TTY streams report (80 unless given; 0 as some fresh pseudo-terminals do). */
    columns?: number;
    /** What the composition root uses instead of the real cloud, clock, scheduler … (cli/run.ts). */
    app?: AppOverrides;
  },
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const writes: NonNullable<CliResult['writes']> = [];
  // What a terminal stream has beyond write(): ora moves the cursor on a TTY.
  const tty = { cursorTo: () => true, moveCursor: () => true, clearLine: () => true, columns: options.columns ?? 80 };
  const stream = (write: (s: string) => void, isTTY = false) => ({ write, isTTY, ...(isTTY ? tty : {}) });
  const code = await main(argv, {
    stdout: stream((s) => {
      stdout += s;
      writes.push({ stream: 'stdout', chunk: s });
    }, options.stdoutTTY),
    stderr: stream((s) => {
      stderr += s;
      writes.push({ stream: 'stderr', chunk: s });
    }, options.stderrTTY),
    stdin: { isTTY: options.stdinTTY ?? false },
    env: options.env,
  }, options.app);
  return { code, stdout, stderr, writes };
}

/** Runs the built binary with the network guard loaded, as a user's shell would (no TTY). */
export function runBin(
  argv: string[],
  options: { env: Record<string, string>; nodeOptions?: string; execPath?: string; bin?: string; cwd?: string },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.execPath ?? process.execPath, [options.bin ?? BIN, ...argv], {
      env: { ...options.env, NODE_OPTIONS: `--import=${NET_GUARD} ${options.nodeOptions ?? ''}`.trim() },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Every top-level command (docs/cli.md, "Commands"), as help and the completion scripts must list them. */
export const COMMANDS = ['enable', 'disable', 'request', 'ssh', 'status', 'list', 'revoke', 'sweep', 'scan', 'role', 'ip', 'doctor', 'config', 'completion'];
