/**
 * Runs a command while access is open (`jit request … -- CMD`, `jit ssh`): the child gets the
 * terminal, SIGINT/SIGTERM/SIGHUP reaching jit are passed on to it, and jit waits for it to end so
 * it can revoke. The exit status follows the shell's convention: the child's code, or 128 + the
 * signal number when a signal ended it.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { ProviderError } from '../core/errors.js';

export interface CommandOutcome {
  code: number;
  /** The signal jit itself received while the command ran, if any. */
  interrupted?: NodeJS.Signals;
}

export function runWhileOpen(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; stdoutToStderr: boolean },
): Promise<CommandOutcome> {
  return new Promise((resolve, reject) => {
    // With --json, stdout carries jit's one JSON document; the command's output goes to stderr.
    const child = spawn(command, args, {
      stdio: ['inherit', options.stdoutToStderr ? process.stderr : 'inherit', 'inherit'],
      env: options.env,
    });
    let interrupted: NodeJS.Signals | undefined;
    const forward = (signal: NodeJS.Signals) => {
      interrupted ??= signal;
      child.kill(signal);
    };
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const signal of signals) process.on(signal, forward);
    const done = () => {
      for (const signal of signals) process.off(signal, forward);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      done();
      reject(
        new ProviderError(
          'JIT_COMMAND_FAILED',
          error.code === 'ENOENT' ? `Cannot run "${command}": not found on PATH.` : `Cannot run "${command}": ${error.message}`,
          { cause: error },
        ),
      );
    });
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      done();
      const status = code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
      resolve(interrupted ? { code: status, interrupted } : { code: status });
    });
  });
}
