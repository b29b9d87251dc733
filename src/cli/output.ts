/**
 * The one output policy (docs/cli.md): results on stdout, everything else on stderr; colour and
 * spinners only on a TTY outside CI; NO_COLOR and --no-color honoured; prompts only with a TTY
 * on stdin, outside CI, and not with --no-input or --json; --json prints exactly one document.
 *
 * Nothing reaches the terminal with control characters it did not put there itself: messages,
 * hints, warnings and progress are made printable here (they quote cloud and file data), renderers
 * make the values they colour printable (render/report.ts), and finished human output keeps only
 * newlines and colour codes (core/printable.ts says why each character class matters).
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { isJitError, type JitError } from '../core/errors.js';
import type { Progress } from '../core/ports.js';
import { printable, printableLines, stripUnsafeControls, terminalSafeJson } from '../core/printable.js';
import type { Io, OutStream } from './io.js';

export interface OutputFlags {
  json?: boolean;
  color?: boolean;
  input?: boolean;
  verbose?: boolean;
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
  /** Prompts are allowed: a TTY on stdin, not CI, not --no-input, not --json. */
  readonly interactive: boolean;
  /** Colour for stdout and stderr separately: `jit status | less` keeps colour off stdout only. */
  readonly out: ChalkInstance;
  readonly err: ChalkInstance;

  constructor(
    readonly io: Io,
    readonly flags: OutputFlags,
  ) {
    this.json = flags.json === true;
    this.verbose = flags.verbose === true;
    this.interactive = io.stdin.isTTY === true && !isCi(io.env) && flags.input !== false && !this.json;
    this.out = new Chalk({ level: colorLevel(io.stdout, io.env, flags) });
    this.err = new Chalk({ level: colorLevel(io.stderr, io.env, flags) });
  }

  /** Writes the command's result: the JSON document, or the human rendering. */
  result(data: unknown, human: (c: ChalkInstance) => string): void {
    if (this.json) {
      this.io.stdout.write(`${terminalSafeJson(data)}\n`);
    } else {
      const text = stripUnsafeControls(human(this.out));
      if (text !== '') this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    }
  }

  /** One line: a warning quoting a VM name or an IP service's answer cannot start a second one. */
  warn(message: string): void {
    this.io.stderr.write(`${this.err.yellow('warning:')} ${printable(message, MESSAGE_LIMIT)}\n`);
  }

  info(message: string): void {
    if (!this.json) this.io.stderr.write(`${printable(message, MESSAGE_LIMIT)}\n`);
  }

  /** A note that matters to scripts too: on stderr also with --json (where it is in `notes` as well). */
  note(message: string): void {
    this.io.stderr.write(`${this.err.dim('note:')} ${printable(message, MESSAGE_LIMIT)}\n`);
  }

  /**
   * Progress: one ora spinner line on an interactive stderr, its text replaced at each step and
   * cleared on stop (a step is not a result, so nothing is left behind); otherwise silent unless
   * --verbose (a script reading stderr wants warnings and errors, not a running commentary).
   * Callers stop it in a `finally`, so an error is never written under a live spinner.
   */
  async progress(): Promise<Progress & { stop(): void }> {
    const fancy = this.io.stderr.isTTY === true && !isCi(this.io.env) && !this.json;
    if (fancy) {
      const { default: ora } = await import('ora');
      const spinner = ora({ stream: this.io.stderr as NodeJS.WritableStream, color: 'cyan', discardStdin: false });
      return {
        step: (message) => {
          spinner.text = printable(message, MESSAGE_LIMIT);
          if (!spinner.isSpinning) spinner.start();
        },
        warn: (message) => {
          spinner.stop();
          this.warn(message);
        },
        stop: () => spinner.stop(),
      };
    }
    return {
      step: (message) => {
        if (this.verbose && !this.json) this.io.stderr.write(`${printable(message, MESSAGE_LIMIT)}\n`);
      },
      warn: (message) => this.warn(message),
      stop: () => {},
    };
  }

  /** Renders an error (JSON on stdout with --json, a message and hint on stderr otherwise). */
  error(error: unknown): void {
    const known: JitError | undefined = isJitError(error) ? error : undefined;
    const code = known?.code ?? 'JIT_UNEXPECTED';
    const message = known
      ? known.message
      : `Unexpected failure: ${(error as Error)?.message ?? String(error)}`;
    const hint = known?.hint ?? (known ? undefined : 'Run again with --verbose for the stack trace.');
    if (this.json) {
      const body: Record<string, unknown> = { code, message, hint: hint ?? null };
      if (known?.details) body.details = known.details;
      this.io.stdout.write(`${terminalSafeJson({ error: body })}\n`);
    } else {
      this.io.stderr.write(`${this.err.red('error:')} ${printableLines(message, MESSAGE_LIMIT)}\n`);
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
