/** `jit enable`: declared here; enable-run.ts does it, imported when it runs. */
import { Command } from 'commander';
import { collect, dryRunOption, protocolOption, VM_ARGUMENT, withExamples } from '../command-kit.js';
import type { CliRun } from '../run.js';

const impl = () => import('./enable-run.js');

export function enableCommand(run: CliRun): Command {
  return withExamples(
    new Command('enable')
      .description("lock a VM's management ports down and store its JIT policy on the VM")
      .argument('[vm]', VM_ARGUMENT)
      .option('-p, --port <ports>', 'ports to lock down: 22, 22,3389, 8000-8100, 53/udp', '22')
      .addOption(protocolOption().default('tcp'))
      .option('--max-duration <duration>', 'longest access a request may ask for (at most 24h)', '3h')
      .option(
        '--allow-source <cidr>',
        'source prefix requests may use (repeatable; default any public address)',
        collect,
      )
      .option('--require-justification', 'requests must say why (--justification)')
      .option('--include-narrow', 'AWS: also revoke narrow (non-internet) rules on the policy ports')
      .option('--isolate', 'AWS: give the instance its own copy of a security group it shares')
      .addOption(dryRunOption())
      .action(async (vm, options, command) => (await impl()).enable(run, vm, options, command)),
    'jit enable vm01 --port 22,3389 --max-duration 3h',
    'jit enable i-0123456789abcdef0 --allow-source 198.51.100.0/24 --require-justification',
  );
}
