/**
 * Runs a command while access is open (`jit request … -- CMD`, `jit ssh`). Signals are trapped from
 * before the grant is opened until it is revoked: a Ctrl-C at any point ends in a revoke, never in
 * a jit killed with a rule left open. While the command runs, SIGINT/SIGTERM/SIGHUP are passed on
 * to it. The exit status follows the shell's convention: the child's code, or 128 + the signal
 * number when a signal ended it.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { ProviderError } from '../core/errors.js';
import type { Shield } from '../core/ports.js';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface SignalTrap {
  /** The first signal received, if any. */
  readonly received: NodeJS.Signals | undefined;
  /** Where signals go from now on (the running command). */
  forwardTo(target: ((signal: NodeJS.Signals) => void) | undefined): void;
  release(): void;
}

export function trapSignals(): SignalTrap {
  let received: NodeJS.Signals | undefined;
  let target: ((signal: NodeJS.Signals) => void) | undefined;
  const handler = (signal: NodeJS.Signals) => {
    received ??= signal;
    target?.(signal);
  };
  for (const signal of SIGNALS) process.on(signal, handler);
  return {
    get received() {
      return received;
    },
    forwardTo(next) {
      target = next;
    },
    release() {
      for (const signal of SIGNALS) process.off(signal, handler);
    },
  };
}

/**
 * Holds interrupts back while a grant is written (the lifecycle's `shield`): the first Ctrl-C,
 * SIGTERM or SIGHUP is remembered and the write and its ledger entry finish; a second one stops
 * jit at once, which is safe because the scheduler was made sure of before the cloud write.
 */
export function interruptShield(say: (text: string) => void): {
  shield: Shield;
  received(): NodeJS.Signals | undefined;
} {
  let received: NodeJS.Signals | undefined;
  const shield: Shield = async (work) => {
    const handler = (signal: NodeJS.Signals) => {
      if (received !== undefined) process.exit(128 + (constants.signals[signal] ?? 2));
      received = signal;
      say('Interrupted: finishing the write in progress so that the grant is tracked (again to stop at once).');
    };
    for (const signal of SIGNALS) process.on(signal, handler);
    try {
      return await work();
    } finally {
      for (const signal of SIGNALS) process.off(signal, handler);
    }
  };
  return { shield, received: () => received };
}

export function runCommand(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; stdoutToStderr: boolean; trap: SignalTrap },
): Promise<number> {
  return new Promise((resolve, reject) => {
    // With --json, stdout carries jit's one JSON document; the command's output goes to stderr.
    const child = spawn(command, args, {
      stdio: ['inherit', options.stdoutToStderr ? process.stderr : 'inherit', 'inherit'],
      env: options.env,
    });
    options.trap.forwardTo((signal) => child.kill(signal));
    child.on('error', (error: NodeJS.ErrnoException) => {
      options.trap.forwardTo(undefined);
      reject(
        new ProviderError(
          'JIT_COMMAND_FAILED',
          error.code === 'ENOENT' ? `Cannot run "${command}": not found on PATH.` : `Cannot run "${command}": ${error.message}`,
          { cause: error },
        ),
      );
    });
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      options.trap.forwardTo(undefined);
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
