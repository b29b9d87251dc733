/** `jit list`: declared here; list-run.ts does it, imported when it runs. */
import { Command } from 'commander';
import { withExamples } from '../command-kit.js';
import type { CliRun } from '../run.js';

const impl = () => import('./list-run.js');

export function listCommand(run: CliRun): Command {
  return withExamples(
    new Command('list')
      .description('the VMs in scope with jit enabled, their policy, and your active grants')
      .action(async (_options, command) => (await impl()).list(run, command)),
    'jit list',
    'jit list --cloud aws --region eu-west-1 --json',
  );
}
