/** `jit disable`: declared here; disable-run.ts does it, imported when it runs. */
import { Command } from 'commander';
import { dryRunOption, VM_ARGUMENT, withExamples } from '../command-kit.js';
import type { CliRun } from '../run.js';

const impl = () => import('./disable-run.js');

export function disableCommand(run: CliRun): Command {
  return withExamples(
    new Command('disable')
      .description("revoke a VM's grants, undo the lock-down exactly, and delete its policy")
      .argument('[vm]', VM_ARGUMENT)
      .addOption(dryRunOption())
      .action(async (vm, options, command) => (await impl()).disable(run, vm, options, command)),
    'jit disable vm01 --dry-run',
  );
}
