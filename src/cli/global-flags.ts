/**
 * Flags every command accepts (docs/cli.md). They are defined once on the root program; commander
 * recognises them before or after the subcommand, and `--help` of each command lists them.
 */
import type { Command } from 'commander';
import type { OutputFlags } from './output.js';

export interface GlobalFlags extends OutputFlags {
  cloud?: string;
  subscription?: string;
  resourceGroup?: string;
  region?: string;
  profile?: string;
  azureCloud?: string;
}

export function addGlobalFlags(program: Command): Command {
  return program
    .option('--json', 'print exactly one JSON document on stdout (implies --no-input)')
    .option('-y, --yes', 'answer yes to confirmations')
    .option('--no-input', 'never prompt; fail with a message naming the missing flag')
    .option('--no-color', 'no colour (NO_COLOR is honoured too)')
    .option('-q, --quiet', 'print only the result itself (grant ids, VM names); --json wins over it')
    .option('--verbose', 'full ids and requesters, more progress detail, and stack traces on errors')
    .option('--cloud <cloud>', 'azure or aws (default: inferred from the target, or `jit config set cloud`)')
    .option('--subscription <id>', 'Azure subscription ID')
    .option('--resource-group <name>', 'Azure resource group that narrows a VM name lookup')
    .option('--azure-cloud <name>', 'AzurePublicCloud, AzureChinaCloud or AzureUSGovernment')
    .option('--region <region>', 'AWS region, e.g. eu-west-1')
    .option('--profile <name>', 'AWS shared-config profile');
}

export function globalFlags(command: Command): GlobalFlags {
  return command.optsWithGlobals<GlobalFlags>();
}
