/** `jit role`: declared here; role-run.ts does it, imported when it runs. */
import { Command } from 'commander';
import { withExamples } from '../command-kit.js';
import type { CliRun } from '../run.js';

const impl = () => import('./role-run.js');

export function roleCommand(run: CliRun): Command {
  return withExamples(
    new Command('role')
      .description('print a least-privilege custom role (Azure role definition / AWS IAM policy)')
      .action(async (_options, command) => (await impl()).role(run, command)),
    'jit role --cloud azure > jit-role.json',
  );
}
