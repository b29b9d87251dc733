/**
 * The error hierarchy. Every failure the user can meet is a JitError with a stable code, a
 * one-line message, an optional hint, and an exit code (docs/cli.md, "Exit codes"):
 *   1 cloud/operation failure · 2 usage or invalid input · 3 refused by policy ·
 *   4 authentication or permission failure · 130 interrupted or cancelled at a prompt.
 * Codes are registered in core/codes.ts; each class accepts only the codes registered with its
 * exit code, so a code thrown with the wrong class, or not registered at all, does not compile.
 */
import type { ErrorCode, ErrorCodeFor, ExitCode } from './codes.js';

export type { ErrorCode, ExitCode } from './codes.js';

export interface JitErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Extra machine-readable fields for --json output (e.g. the candidates of an ambiguous name). */
  details?: Record<string, unknown>;
}

export class JitError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly exitCode: ExitCode;

  /** Protected: an error is made through the class of its exit code, which checks the code's registration. */
  protected constructor(code: ErrorCode, message: string, options: JitErrorOptions, exitCode: ExitCode) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
    this.exitCode = exitCode;
  }
}

/** Bad input or usage: exit 2. Raised before any cloud call. */
export class UserError extends JitError {
  constructor(code: ErrorCodeFor<2>, message: string, options: JitErrorOptions = {}) {
    super(code, message, options, 2);
  }
}

/** The VM's policy refuses the request: exit 3. */
export class PolicyError extends JitError {
  constructor(code: ErrorCodeFor<3>, message: string, options: JitErrorOptions = {}) {
    super(code, message, options, 3);
  }
}

/** The cloud or an operation failed: exit 1. */
export class ProviderError extends JitError {
  constructor(code: ErrorCodeFor<1>, message: string, options: JitErrorOptions = {}) {
    super(code, message, options, 1);
  }
}

/** Authentication or permission failure: exit 4. */
export class AuthError extends JitError {
  constructor(code: ErrorCodeFor<4>, message: string, options: JitErrorOptions = {}) {
    super(code, message, options, 4);
  }
}

/**
 * The user stopped at a terminal: a "no" to a confirmation or Ctrl-C at a prompt. Exit 130, the
 * shell's code for an interrupt, so a wrapper script treats both as "stopped", not "failed".
 */
export class CancelledError extends JitError {
  constructor(code: ErrorCodeFor<130>, message: string, options: JitErrorOptions = {}) {
    super(code, message, options, 130);
  }
}

export function isJitError(error: unknown): error is JitError {
  return error instanceof JitError;
}

/** Exit code for anything thrown: a JitError's own, 1 for everything unexpected. */
export function exitCodeOf(error: unknown): ExitCode {
  return isJitError(error) ? error.exitCode : 1;
}
