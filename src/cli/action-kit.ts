/** Helpers for running commands: the output for a command, and the <vm> argument. */
import type { Command } from 'commander';
import { UserError } from '../core/errors.js';
import { TARGET_FORM } from '../core/target.js';
import { type GlobalFlags, globalFlags } from './global-flags.js';
import { Output } from './output.js';
import type { CliRun } from './run.js';

export interface CommandScope {
  flags: GlobalFlags;
  out: Output;
}

export function commandScope(run: CliRun, command: Command): CommandScope {
  const flags = globalFlags(command);
  return { flags, out: new Output(run.io, flags, run.notices) };
}

/**
 * The <vm> argument: prompted for on an interactive terminal, otherwise an error that names it
 * (scripts and CI never hang on a prompt).
 */
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
