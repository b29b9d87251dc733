/** `jit sweep`: declared here; sweep-run.ts does it, imported when it runs. */
import { Command } from 'commander';
import { dryRunOption, withExamples } from '../command-kit.js';
import type { CliRun } from '../run.js';

const impl = () => import('./sweep-run.js');

export function sweepCommand(run: CliRun): Command {
  return withExamples(
    new Command('sweep')
      .description("remove every expired jit rule in scope, anyone's, from the cloud's metadata alone")
      .addOption(dryRunOption())
      .action(async (options, command) => (await impl()).sweep(run, options, command)),
    'jit sweep --cloud azure --subscription 00000000-0000-0000-0000-000000000000 --dry-run',
  );
}
