/**
 * The one output policy (docs/cli.md, "Output"): results on stdout, everything else on stderr;
 * colour and spinners only on a TTY outside CI; NO_COLOR and --no-color honoured; prompts only with
 * a TTY on stdin, outside CI, and not with --no-input or --json; --json prints exactly one document,
 * which carries the run's warnings and notes as `{code, message}` (docs/json.md).
 *
 * Nothing reaches the terminal with control characters it did not put there itself: messages,
 * hints, warnings and progress are made printable here (they quote cloud and file data), renderers
 * make the values they colour printable (render/report.ts), and finished human output keeps only
 * newlines and colour codes (core/printable.ts says why each character class matters).
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { NoteCode, Notice, WarningCode } from '../core/codes.js';
import { isJitError, type JitError } from '../core/errors.js';
import type { Progress } from '../core/ports.js';
import { printable, printableLines, stripUnsafeControls, terminalSafeJson } from '../core/printable.js';
import type { Io, OutStream } from './io.js';
import { DEFAULT_WIDTH, fitLines } from './render/width.js';
import { SCHEMA_VERSION } from './schema-version.js';
import type { RunNotices } from './run.js';

export interface OutputFlags {
  json?: boolean;
  color?: boolean;
  input?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  yes?: boolean;
}

function colorLevel(stream: OutStream, env: Io['env'], flags: OutputFlags): 0 | 1 | 2 | 3 {
  if (flags.color === false || (env.NO_COLOR ?? '') !== '' || flags.json) return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '0' && force !== 'false')
    return force === '3' ? 3 : force === '2' ? 2 : 1;
  if (!stream.isTTY || isCi(env)) return 0;
  return env.COLORTERM === 'truecolor' ? 3 : /256/.test(env.TERM ?? '') ? 2 : 1;
}

/** A terminal's width when the stream is one that says, else 80 (a pipe, a file, a 0×0 pseudo-terminal). */
function widthOf(stream: OutStream): number {
  const columns = stream.isTTY === true ? stream.columns : undefined;
  return typeof columns === 'number' && Number.isFinite(columns) && columns > 0 ? columns : DEFAULT_WIDTH;
}

export function isCi(env: Io['env']): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false';
}

/**
 * The longest message, hint or warning printed: values quoted in messages are cut where they are
 * quoted (core/printable.ts `quoted`), and this bounds a cloud's own error text passed on whole.
 */
const MESSAGE_LIMIT = 2000;

export class Output {
  readonly json: boolean;
  readonly verbose: boolean;
  /**
   * --quiet: only the essential result on stdout (a grant id, names); no progress, notes or
   * advice. Warnings and errors still reach stderr. --json wins over it (docs/cli.md, "Output").
   */
  readonly quiet: boolean;
  /** The columns human results are fitted to: the terminal's, else 80. */
  readonly width: number;
  /** Prompts are allowed: a TTY on stdin, not CI, not --no-input, not --json. */
  readonly interactive: boolean;
  /** Colour for stdout and stderr separately: `jit status | less` keeps colour off stdout only. */
  readonly out: ChalkInstance;
  readonly err: ChalkInstance;

  /** The live spinner, if any: stopped before anything else is written (see `pause`). */
  private spinner: { stop(): void; readonly isSpinning: boolean } | undefined;

  constructor(
    readonly io: Io,
    readonly flags: OutputFlags,
    /** Shared by every Output of a run, so the document of a later failure still carries them. */
    readonly notices: RunNotices = { warnings: [], notes: [] },
  ) {
    this.json = flags.json === true;
    this.verbose = flags.verbose === true;
    this.quiet = flags.quiet === true && !this.json;
    this.width = widthOf(io.stdout);
    this.interactive = io.stdin.isTTY === true && !isCi(io.env) && flags.input !== false && !this.json;
    this.out = new Chalk({ level: colorLevel(io.stdout, io.env, flags) });
    this.err = new Chalk({ level: colorLevel(io.stderr, io.env, flags) });
  }

  /**
   * Clears the spinner's line before anything else reaches the terminal: a result on stdout, a
   * message on stderr or a prompt. Stdout and stderr often share one terminal even when stdout is
   * piped (`jit status vm01 | cat` with stderr on the screen): written under a live spinner, the
   * text would land on the spinner's line and the next frame would erase or garble it. The next
   * progress step starts the spinner again.
   */
  pause(): void {
    if (this.spinner?.isSpinning) this.spinner.stop();
  }

  /**
   * Writes the command's result: the JSON document; with --quiet, the `essential` lines alone (one
   * value a line, for `$(…)` and `xargs`; printable, never cut); otherwise the human rendering,
   * each line fitted to the width (render/width.ts), unless `raw` (a document to copy whole, a
   * value for `$(…)`).
   */
  result(
    data: unknown,
    human: (c: ChalkInstance) => string,
    essential: () => string[],
    options: { raw?: boolean } = {},
  ): void {
    this.pause();
    if (this.json) {
      this.io.stdout.write(`${terminalSafeJson(this.document(data))}\n`);
    } else if (this.quiet) {
      const lines = essential().map((line) => printable(line));
      if (lines.length > 0) this.io.stdout.write(`${lines.join('\n')}\n`);
    } else {
      const text = stripUnsafeControls(human(this.out)).replace(/\n$/, '');
      const fitted = options.raw ? text : fitLines(text, this.width);
      if (fitted !== '') this.io.stdout.write(`${fitted}\n`);
    }
  }

  /**
   * One line: a warning quoting a VM name or an IP service's answer cannot start a second one.
   * Also kept for the --json document, with its code (`JIT_WARNING` when the caller gave none).
   */
  warn(message: string | Notice<WarningCode>, code: WarningCode = 'JIT_WARNING'): void {
    const notice = typeof message === 'string' ? { code, message } : message;
    this.notices.warnings.push(notice);
    this.pause();
    this.io.stderr.write(`${this.err.yellow('warning:')} ${printable(notice.message, MESSAGE_LIMIT)}\n`);
  }

  info(message: string): void {
    this.pause();
    if (!this.json && !this.quiet) this.io.stderr.write(`${printable(message, MESSAGE_LIMIT)}\n`);
  }

  /** A plan shown before a confirmation: on stderr, coloured for it (stdout keeps only the result). */
  plan(render: (c: ChalkInstance) => string): void {
    this.pause();
    this.io.stderr.write(`${fitLines(stripUnsafeControls(render(this.err)), widthOf(this.io.stderr))}\n`);
  }

  /** A note that matters to scripts too: on stderr also with --json, where it is in `notes` as well. */
  note(message: string, code: NoteCode = 'JIT_NOTE'): void {
    this.notices.notes.push({ code, message });
    this.pause();
    if (!this.quiet) this.io.stderr.write(`${this.err.dim('note:')} ${printable(message, MESSAGE_LIMIT)}\n`);
  }

  /**
   * The --json document: the result with the run's `warnings` and `notes`. A result's own `notes`
   * (the remarks of a change report, plain text) become `JIT_PLAN_NOTE` entries, except those also
   * said with `note()`, which keep that code.
   */
  private document(data: unknown): unknown {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return data;
    const body = data as Record<string, unknown>;
    const said = new Set(this.notices.notes.map((n) => n.message));
    const own = Array.isArray(body.notes) ? body.notes.filter((n): n is string => typeof n === 'string' && !said.has(n)) : [];
    const planNotes = own.map((message): Notice<NoteCode> => ({ code: 'JIT_PLAN_NOTE', message }));
    const notes = [...planNotes, ...this.notices.notes];
    return { schemaVersion: SCHEMA_VERSION, ...body, warnings: [...this.notices.warnings], notes };
  }

  /**
   * Progress: one ora spinner line on an interactive stderr, its text replaced at each step and
   * cleared on stop (a step is not a result, so nothing is left behind); otherwise silent unless
   * --verbose (a script reading stderr wants warnings and errors, not a running commentary).
   * Callers stop it in a `finally`, so an error is never written under a live spinner.
   *
   * A terminal of unknown width gets no spinner: ora counts the lines to clear by dividing by the
   * width, and some CI and container pseudo-terminals report 0 columns until resized, which made
   * it clear "cursor up" lines forever at full CPU.
   */
  async progress(): Promise<Progress & { stop(): void }> {
    const columns = this.io.stderr.columns;
    const sized = typeof columns === 'number' && Number.isFinite(columns) && columns > 0;
    const fancy = this.io.stderr.isTTY === true && sized && !isCi(this.io.env) && !this.json && !this.quiet;
    if (fancy) {
      const { default: ora } = await import('ora');
      // isEnabled: this policy has decided (ora's own check reads process.env, not this run's).
      const spinner = ora({ stream: this.io.stderr as NodeJS.WritableStream, color: 'cyan', discardStdin: false, isEnabled: true });
      this.spinner = spinner;
      return {
        step: (message) => {
          spinner.text = printable(message, MESSAGE_LIMIT);
          if (!spinner.isSpinning) spinner.start();
        },
        warn: (message, code) => {
          spinner.stop();
          this.warn(message, code);
        },
        stop: () => {
          if (spinner.isSpinning) spinner.stop();
        },
      };
    }
    return {
      step: (message) => {
        if (this.verbose && !this.json && !this.quiet) this.io.stderr.write(`${printable(message, MESSAGE_LIMIT)}\n`);
      },
      warn: (message, code) => this.warn(message, code),
      stop: () => {},
    };
  }

  /**
   * Renders an error (JSON on stdout with --json, a message and hint on stderr otherwise). Ctrl-C
   * at a prompt prints nothing: the user knows they pressed it (docs/cli.md, "Exit codes").
   */
  error(error: unknown): void {
    this.pause();
    const known: JitError | undefined = isJitError(error) ? error : undefined;
    if (known?.code === 'JIT_PROMPT_INTERRUPTED' && !this.json) return;
    const code = known?.code ?? 'JIT_UNEXPECTED';
    const message = known
      ? known.message
      : `Unexpected failure: ${(error as Error)?.message ?? String(error)}`;
    const hint = known?.hint ?? (known ? undefined : 'Run again with --verbose for the stack trace.');
    if (this.json) {
      const body: Record<string, unknown> = { code, message, hint: hint ?? null };
      if (known?.details) body.details = known.details;
      const { warnings, notes } = this.notices;
      this.io.stdout.write(`${terminalSafeJson({ schemaVersion: SCHEMA_VERSION, error: body, warnings, notes })}\n`);
    } else {
      // A cancellation is the user's choice, not a failure: said plainly, without "error:".
      const label = known?.exitCode === 130 ? '' : `${this.err.red('error:')} `;
      this.io.stderr.write(`${label}${printableLines(message, MESSAGE_LIMIT)}\n`);
      if (hint) this.io.stderr.write(`${this.err.dim('hint:')} ${printableLines(hint, MESSAGE_LIMIT)}\n`);
    }
    if (this.verbose && error instanceof Error && error.stack) {
      // A stack starts with the message, which may quote cloud data.
      this.io.stderr.write(`${printableLines(error.stack)}\n`);
      if (error.cause instanceof Error && error.cause.stack)
        this.io.stderr.write(`caused by: ${printableLines(error.cause.stack)}\n`);
    }
  }
}
