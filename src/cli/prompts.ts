/**
 * The CLI's prompts (docs/cli.md, "Prompts"). Each one has a flag that answers it, and without an
 * interactive terminal (no TTY, CI, --no-input, --json) it is an error that names that flag:
 * scripts never hang. At a terminal, Ctrl-C at any prompt is a quiet exit 130 and a "no" to a
 * confirmation is a cancellation (exit 130): neither is a failure.
 */
import { CancelledError, UserError } from '../core/errors.js';
import { TARGET_FORM } from '../core/target.js';
import type { ChalkInstance } from 'chalk';
import type { Output } from './output.js';

/**
 * Runs one @inquirer prompt with the spinner's line cleared first. Ctrl-C makes @inquirer reject
 * with its ExitPromptError (@inquirer/core lib/create-prompt.js, "User force closed the prompt");
 * it is matched by name because the prompt library is loaded lazily.
 */
export async function ask<T>(out: Output, prompt: () => Promise<T>): Promise<T> {
  out.pause();
  try {
    return await prompt();
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') {
      throw new CancelledError('JIT_PROMPT_INTERRUPTED', 'Interrupted at a prompt; nothing was changed.', { cause: error });
    }
    throw error;
  }
}

/** The <vm> argument: prompted for on an interactive terminal, otherwise an error that names it. */
export async function requireTarget(vm: string | undefined, out: Output, usage: string): Promise<string> {
  if (vm !== undefined && vm.trim() !== '') return vm;
  if (out.interactive) {
    const { input } = await import('@inquirer/prompts');
    return ask(out, () => input({ message: 'Which VM? (name, Azure resource ID or EC2 instance ID)', required: true }));
  }
  throw new UserError('JIT_MISSING_TARGET', `Missing <vm>: ${usage} needs ${TARGET_FORM}.`, {
    hint: 'Name the VM as the first argument.',
  });
}

export interface Confirmation {
  /** What would change, shown on stderr at a terminal before the question. */
  plan?: (c: ChalkInstance) => string;
  /** The question asked at a terminal; the default answer is no. */
  question: string;
  /** Why confirmation is needed, for the error without a terminal (which adds "pass --yes"). */
  refusal: string;
  hint?: string;
}

/**
 * A change that needs a "yes": --yes answers it, a terminal asks (after the plan was shown), and
 * without either it is refused, naming --yes. "No" cancels with nothing changed.
 */
export async function confirmChange(out: Output, yes: boolean, confirmation: Confirmation): Promise<void> {
  if (yes) return;
  if (!out.interactive) {
    throw new UserError('JIT_CONFIRMATION_REQUIRED', `${confirmation.refusal}: pass --yes to confirm.`, {
      hint: confirmation.hint ?? 'Or see what it would do first with --dry-run.',
    });
  }
  const { confirm } = await import('@inquirer/prompts');
  if (confirmation.plan) out.plan(confirmation.plan);
  if (!(await ask(out, () => confirm({ message: confirmation.question, default: false })))) {
    throw new CancelledError('JIT_CANCELLED', 'Cancelled; nothing was changed.');
  }
}
