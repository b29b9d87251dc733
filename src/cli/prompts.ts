/**
 * The CLI's prompts (docs/cli.md, "Prompts"). Each one has a flag that answers it, and without an
 * interactive terminal (no TTY, CI, --no-input, --json) it is an error that names that flag:
 * scripts never hang. At a terminal, Ctrl-C at any prompt is a quiet exit 130 and a "no" to a
 * confirmation is a cancellation (exit 130): neither is a failure.
 */
import { CancelledError, UserError } from '../core/errors.js';
import { TARGET_FORM } from '../core/target.js';
import type { ChalkInstance } from 'chalk';
import { CLOUDS, type CloudName } from '../core/model.js';
import type { TargetInfo } from '../core/ports.js';
import { printable } from '../core/printable.js';
import type { Output } from './output.js';
import { resourceGroupOf } from './render/names.js';

/**
 * Runs one @inquirer prompt with the spinner's line cleared first. Ctrl-C makes @inquirer reject
 * with its ExitPromptError (@inquirer/core lib/create-prompt.js, "User force closed the prompt");
 * it is matched by name because the prompt library is loaded lazily.
 */
async function ask<T>(out: Output, prompt: () => Promise<T>): Promise<T> {
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

/** The <vm> argument missing without a terminal: an error that names it. */
export function missingTarget(usage: string): UserError {
  return new UserError('JIT_MISSING_TARGET', `Missing <vm>: ${usage} needs ${TARGET_FORM}.`, {
    hint: 'Name the VM as the first argument.',
  });
}

/** At a terminal, with no cloud given or configured: which one. */
export async function pickCloud(out: Output): Promise<CloudName> {
  const { select } = await import('@inquirer/prompts');
  return ask(out, () => select<CloudName>({ message: 'Which cloud?', choices: CLOUDS.map((cloud) => ({ name: cloud, value: cloud })) }));
}

/** A VM in a picker: its resource group (Azure) or id (AWS) beside the name. */
function vmChoice(target: Pick<TargetInfo, 'id' | 'name'>): { name: string; value: string } {
  const group = resourceGroupOf(target.id);
  const where = group ? `${group}/${target.name}` : `${target.name} (${target.id})`;
  return { name: printable(where), value: target.id };
}

/** At a terminal, with no <vm>: the enabled VMs to choose from, or a name to type if none are listed. */
export async function pickTarget(out: Output, enabled: Pick<TargetInfo, 'id' | 'name'>[]): Promise<string> {
  const { input, select } = await import('@inquirer/prompts');
  if (enabled.length === 0) {
    return ask(out, () => input({ message: 'Which VM? (name, Azure resource ID or EC2 instance ID)', required: true }));
  }
  return ask(out, () => select({ message: 'Which VM?', choices: enabled.map(vmChoice) }));
}

/** At a terminal, for a name several VMs carry: the candidates, shown with their resource group. */
export async function pickCandidate(out: Output, name: string, candidates: string[]): Promise<string> {
  const { select } = await import('@inquirer/prompts');
  const choices = candidates.map((id) => {
    const group = resourceGroupOf(id);
    return { name: printable(group ? `${group}/${name}` : id), value: id };
  });
  return ask(out, () => select({ message: `Several VMs are called ${printable(name)}: which one?`, choices }));
}

/** At a terminal, for a policy that requires a justification and none was given. */
export async function askJustification(out: Output): Promise<string> {
  const { input } = await import('@inquirer/prompts');
  return ask(out, () => input({ message: 'Justification (the policy requires one):', required: true }));
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
