/** `jit request`: declared here; request-run.ts does it, imported when it runs. */
import { Command } from 'commander';
import { dryRunOption, protocolOption, VM_ARGUMENT, withExamples } from '../command-kit.js';
import type { CliRun } from '../run.js';

const impl = () => import('./request-run.js');

export function requestCommand(run: CliRun): Command {
  return withExamples(
    new Command('request')
      .description('open access to a VM for your public IP, for a bounded time')
      .argument('[vm]', VM_ARGUMENT)
      .argument('[command...]', 'after --: a command to run while access is open; access ends when it exits')
      .option('-p, --port <ports>', "ports to open (default: every port of the VM's policy)")
      .addOption(protocolOption())
      .option(
        '-d, --duration <duration>',
        'how long: 90s, 15m, 3h, 1h30m, PT3H (default: `jit config get duration` or 1h)',
      )
      .option('--source <ip|cidr|any>', 'source address or prefix instead of the detected public IP')
      .option('--justification <text>', 'why you need access (recorded in the grant)')
      .addOption(dryRunOption())
      .action(async (vm, args, options, command) => (await impl()).request(run, vm, args, options, command)),
    'jit request vm01 --port 22 --duration 3h',
    'jit request vm01 -p 22 -d 15m --json --yes',
    "jit request vm01 -p 5432 -d 10m -- psql -h vm01.example.com -c 'select 1'",
  );
}
