import type { NoteCode, Notice, WarningCode } from '../core/codes.js';
import type { Io } from './io.js';

/**
 * The warnings and notes of one run, whichever part of it reported them (the reaper, a command's
 * output, the top-level error handler): every --json document carries them (docs/json.md).
 */
export interface RunNotices {
  warnings: Notice<WarningCode>[];
  notes: Notice<NoteCode>[];
}

/**
 * One CLI invocation: its streams, the warnings and notes said so far, and the exit code an action
 * may set. Any number: with `request -- CMD` and `jit ssh` the command's own exit status becomes jit's.
 */
export interface CliRun {
  io: Io;
  notices: RunNotices;
  exitCode: number;
}
