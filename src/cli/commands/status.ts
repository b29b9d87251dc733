/** `jit status`: declared here; status-run.ts does it, imported when it runs. */
import { Command } from 'commander';
import { withExamples } from '../command-kit.js';
import type { CliRun } from '../run.js';

const impl = () => import('./status-run.js');

export function statusCommand(run: CliRun): Command {
  return withExamples(
    new Command('status')
      .description('policies, active grants with time left, and whether the lock-down is effective')
      .argument('[vm]', 'one VM; without it, every VM with a grant in your ledger')
      .action(async (vm, _options, command) => (await impl()).status(run, vm, command)),
    'jit status vm01',
    'jit status --json',
  );
}
