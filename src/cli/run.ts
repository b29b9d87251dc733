import type { NoteCode, Notice, WarningCode } from '../core/codes.js';
import type { Clock, IpDetector, SchedulerHandle } from '../core/ports.js';
import type { ProviderFactory } from '../scheduler/providers.js';
import type { AppContext } from './app-context.js';
import type { Io } from './io.js';
import type { SignalTrap } from './run-command.js';

/** Runs the command of `jit request … -- CMD` and `jit ssh`; resolves to its exit status. */
export type CommandRunner = (
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; stdoutToStderr: boolean; trap: SignalTrap },
) => Promise<number>;

/**
 * What a caller of `main` may put in place of the real world: in-process tests give a fake cloud,
 * clock, scheduler, IP detector and command runner; `jit` itself gives none.
 */
export interface AppOverrides {
  loadProvider?: ProviderFactory;
  clock?: Clock;
  scheduler?: SchedulerHandle;
  ipDetector?: IpDetector;
  newGrantId?: () => string;
  runCommand?: CommandRunner;
}

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
 * may set. Any number: with `request -- CMD` and `jit ssh` the command's own exit status becomes
 * jit's. `context` is built once, before the command runs (cli/app-context.ts).
 */
export interface CliRun {
  io: Io;
  notices: RunNotices;
  exitCode: number;
  overrides?: AppOverrides;
  context?: AppContext;
}
