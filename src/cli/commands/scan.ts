/** `jit scan`: declared here; scan-run.ts does it, imported when it runs. */
import { Command } from 'commander';
import { withExamples } from '../command-kit.js';
import type { CliRun } from '../run.js';

const impl = () => import('./scan-run.js');

export function scanCommand(run: CliRun): Command {
  return withExamples(
    new Command('scan')
      .description('list VMs whose management ports (22, 3389, 5985, 5986) are open to the internet')
      .option('--fail-on-findings', 'exit 1 when some VM is open (for CI)')
      .action(async (options, command) => (await impl()).scan(run, options, command)),
    'jit scan --cloud aws --region eu-west-1',
    'jit scan --cloud azure --fail-on-findings --json > scan.json',
  );
}
