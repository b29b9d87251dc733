import type { Io } from './io.js';

/**
 * One CLI invocation: its streams, and the exit code an action may set. Any number: with
 * `request -- CMD` and `jit ssh` the command's own exit status becomes jit's.
 */
export interface CliRun {
  io: Io;
  exitCode: number;
}
