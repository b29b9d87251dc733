import type { ExitCode } from '../core/errors.js';
import type { Io } from './io.js';

/** One CLI invocation: its streams, and the exit code an action may set (e.g. `request -- CMD`). */
export interface CliRun {
  io: Io;
  exitCode: ExitCode;
}
