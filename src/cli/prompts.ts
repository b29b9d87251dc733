/**
 * The CLI's prompts. Each one has a flag that answers it, and without an interactive terminal
 * (no TTY, CI, --no-input, --json) it is an error that names that flag: scripts never hang.
 */
import { UserError } from '../core/errors.js';
import { TARGET_FORM } from '../core/target.js';
import type { Output } from './output.js';

/** The <vm> argument: prompted for on an interactive terminal, otherwise an error that names it. */
export async function requireTarget(vm: string | undefined, out: Output, usage: string): Promise<string> {
  if (vm !== undefined && vm.trim() !== '') return vm;
  if (out.interactive) {
    const { input } = await import('@inquirer/prompts');
    return input({ message: 'Which VM? (name, Azure resource ID or EC2 instance ID)', required: true });
  }
  throw new UserError('JIT_MISSING_TARGET', `Missing <vm>: ${usage} needs ${TARGET_FORM}.`, {
    hint: 'Name the VM as the first argument.',
  });
}

/** `jit disable` removes the lock-down: --yes answers, and a "no" cancels with nothing changed. */
export async function confirmDisable(ref: string, out: Output, yes: boolean, beforePrompt: () => void): Promise<void> {
  if (yes) return;
  if (!out.interactive) {
    throw new UserError('JIT_CONFIRMATION_REQUIRED', `jit disable ${ref} removes the lock-down: pass --yes to confirm.`, {
      hint: 'Or see what it would do first with --dry-run.',
    });
  }
  const { confirm } = await import('@inquirer/prompts');
  beforePrompt();
  if (!(await confirm({ message: `Remove the lock-down from ${ref} and restore its earlier rules?`, default: false }))) {
    throw new UserError('JIT_CANCELLED', 'Cancelled; nothing was changed.');
  }
}
