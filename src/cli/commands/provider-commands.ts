/**
 * The commands that act on a cloud: enable, disable, request, ssh, status, revoke, sweep, scan,
 * role. This file only declares them (names, flags, help, examples); what they do lives in
 * provider-actions.ts, imported when one of them runs.
 */
import { Command, Option } from 'commander';
import { collect, withExamples } from '../command-kit.js';
import type { CliRun } from '../run.js';

const actions = () => import('./provider-actions.js');

const dryRun = () => new Option('--dry-run', 'print the exact rule changes, change nothing');
const protocol = () =>
  new Option('--protocol <protocol>', 'protocol of ports without a /suffix: tcp, udp or *');

export function providerCommands(run: CliRun): Command[] {
  const enable = withExamples(
    new Command('enable')
      .description("lock a VM's management ports down and store its JIT policy on the VM")
      .argument('[vm]', 'VM name, Azure resource ID or EC2 instance ID')
      .option('-p, --port <ports>', 'ports to lock down: 22, 22,3389, 8000-8100, 53/udp', '22')
      .addOption(protocol().default('tcp'))
      .option('--max-duration <duration>', 'longest access a request may ask for (at most 24h)', '3h')
      .option(
        '--allow-source <cidr>',
        'source prefix requests may use (repeatable; default any public address)',
        collect,
      )
      .option('--require-justification', 'requests must say why (--justification)')
      .option('--include-narrow', 'AWS: also revoke narrow (non-internet) rules on the policy ports')
      .option('--isolate', 'AWS: give the instance its own copy of a security group it shares')
      .addOption(dryRun())
      .action(async (vm, options, command) => (await actions()).enable(run, vm, options, command)),
    'jit enable vm01 --port 22,3389 --max-duration 3h',
    'jit enable i-0123456789abcdef0 --allow-source 198.51.100.0/24 --require-justification',
  );

  const disable = withExamples(
    new Command('disable')
      .description("revoke a VM's grants, undo the lock-down exactly, and delete its policy")
      .argument('[vm]', 'VM name, Azure resource ID or EC2 instance ID')
      .addOption(dryRun())
      .action(async (vm, options, command) => (await actions()).disable(run, vm, options, command)),
    'jit disable vm01 --dry-run',
  );

  const request = withExamples(
    new Command('request')
      .description('open access to a VM for your public IP, for a bounded time')
      .argument('[vm]', 'VM name, Azure resource ID or EC2 instance ID')
      .argument('[command...]', 'after --: a command to run while access is open; access ends when it exits')
      .option('-p, --port <ports>', "ports to open (default: every port of the VM's policy)")
      .addOption(protocol())
      .option(
        '-d, --duration <duration>',
        'how long: 90s, 15m, 3h, 1h30m, PT3H (default: `jit config get duration` or 1h)',
      )
      .option('--source <ip|cidr|any>', 'source address or prefix instead of the detected public IP')
      .option('--justification <text>', 'why you need access (recorded in the grant)')
      .addOption(dryRun())
      .action(async (vm, args, options, command) => (await actions()).request(run, vm, args, options, command)),
    'jit request vm01 --port 22 --duration 3h',
    'jit request vm01 -p 22 -d 15m --json --yes',
    "jit request vm01 -p 5432 -d 10m -- psql -h vm01.example.com -c 'select 1'",
  );

  const ssh = withExamples(
    new Command('ssh')
      .description("request access, run ssh to the VM's public address, and revoke when ssh exits")
      .argument('[vm]', 'VM name, Azure resource ID or EC2 instance ID')
      .argument('[ssh-args...]', 'after --: extra arguments for ssh')
      .option('-p, --port <port>', 'SSH port', '22')
      .option('-d, --duration <duration>', 'longest the access stays open', '1h')
      .option('--user <name>', 'login name for ssh')
      .option('--source <ip|cidr>', 'source address instead of the detected public IP')
      .option('--justification <text>', 'why you need access')
      .action(async (vm, args, options, command) => (await actions()).ssh(run, vm, args, options, command)),
    'jit ssh vm01 --user azureuser -- -i ~/.ssh/id_ed25519',
  );

  const status = withExamples(
    new Command('status')
      .description('policies, active grants with time left, and whether the lock-down is effective')
      .argument('[vm]', 'one VM; without it, every VM with a grant in your ledger')
      .action(async (vm, options, command) => (await actions()).status(run, vm, options, command)),
    'jit status vm01',
    'jit status --json',
  );

  const revoke = withExamples(
    new Command('revoke')
      .description('end grants early: one grant by id, or the grants on a VM')
      .argument('[grant-or-vm]', 'a grant id (8 characters) or a VM')
      .option('--all', 'every grant of yours (on the VM, if one is named)')
      .addOption(dryRun())
      .action(async (ref, options, command) => (await actions()).revoke(run, ref, options, command)),
    'jit revoke k3v9x2ab',
    'jit revoke vm01 --all',
  );

  const sweep = withExamples(
    new Command('sweep')
      .description("remove every expired jit rule in scope, anyone's, from the cloud's metadata alone")
      .addOption(dryRun())
      .action(async (options, command) => (await actions()).sweep(run, options, command)),
    'jit sweep --cloud azure --subscription 00000000-0000-0000-0000-000000000000 --dry-run',
  );

  const scan = withExamples(
    new Command('scan')
      .description('list VMs whose management ports (22, 3389, 5985, 5986) are open to the internet')
      .action(async (options, command) => (await actions()).scan(run, options, command)),
    'jit scan --cloud aws --region eu-west-1',
  );

  const role = withExamples(
    new Command('role')
      .description('print a least-privilege custom role (Azure role definition / AWS IAM policy)')
      .action(async (options, command) => (await actions()).role(run, options, command)),
    'jit role --cloud azure > jit-role.json',
  );

  return [enable, disable, request, ssh, status, revoke, sweep, scan, role];
}
