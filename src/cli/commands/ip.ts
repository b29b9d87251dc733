/** `jit ip`: declared here; what it does is in ip-run.ts, imported when it runs. */
import { Command } from 'commander';
import { withExamples } from '../command-kit.js';
import type { CliRun } from '../run.js';

export function ipCommand(run: CliRun): Command {
  return withExamples(
    new Command('ip')
      .description('print your detected public IPv4/IPv6 address and which services agreed')
      .option('--source <ip|cidr>', 'skip detection and show what this source would grant')
      .action(async (options, command) => (await import('./ip-run.js')).ip(run, options, command)),
    'jit ip',
    'jit ip --json',
    'JIT_IP_URLS=https://ip.internal.example/ jit ip',
  );
}
