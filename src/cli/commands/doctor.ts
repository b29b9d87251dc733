/** `jit doctor`: declared here; doctor-run.ts does it, imported when it runs. */
import { Command } from 'commander';
import { withExamples } from '../command-kit.js';
import type { CliRun } from '../run.js';

const impl = () => import('./doctor-run.js');

export function doctorCommand(run: CliRun): Command {
  return withExamples(
    new Command('doctor')
      .description('check what a request needs: credentials, subscription/region, IP detection, the scheduler (exit 0: all good)')
      .action(async (_options, command) => (await impl()).doctor(run, command)),
    'jit doctor',
    'jit doctor --cloud aws --json',
  );
}
