/** `jit revoke`: declared here; revoke-run.ts does it, imported when it runs. */
import { Command } from 'commander';
import { dryRunOption, withExamples } from '../command-kit.js';
import type { CliRun } from '../run.js';

const impl = () => import('./revoke-run.js');

export function revokeCommand(run: CliRun): Command {
  return withExamples(
    new Command('revoke')
      .description('end grants early: one grant by id, or the grants on a VM')
      .argument('[grant-or-vm]', 'a grant id (8 characters) or a VM')
      .option('--all', 'every grant of yours (on the VM, if one is named)')
      .addOption(dryRunOption())
      .action(async (ref, options, command) => (await impl()).revoke(run, ref, options, command)),
    'jit revoke k3v9x2ab',
    'jit revoke vm01 --all',
  );
}
