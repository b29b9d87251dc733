/** `jit ssh`: declared here; ssh-run.ts does it, imported when it runs. */
import { Command } from 'commander';
import { VM_ARGUMENT, withExamples } from '../command-kit.js';
import type { CliRun } from '../run.js';

const impl = () => import('./ssh-run.js');

export function sshCommand(run: CliRun): Command {
  return withExamples(
    new Command('ssh')
      .description("request access, run ssh to the VM's public address, and revoke when ssh exits")
      .argument('[vm]', VM_ARGUMENT)
      .argument('[ssh-args...]', 'after --: extra arguments for ssh')
      .option('-p, --port <port>', 'SSH port', '22')
      .option('-d, --duration <duration>', 'longest the access stays open', '1h')
      .option('--user <name>', 'login name for ssh')
      .option('--source <ip|cidr>', 'source address instead of the detected public IP')
      .option('--justification <text>', 'why you need access')
      .action(async (vm, args, options, command) => (await impl()).ssh(run, vm, args, options, command)),
    'jit ssh vm01 --user azureuser -- -i ~/.ssh/id_ed25519',
  );
}
