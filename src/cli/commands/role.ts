/** `jit role`: declared here; role-run.ts does it, imported when it runs. */
import { Command, Option } from 'commander';
import { withExamples } from '../command-kit.js';
import type { CliRun } from '../run.js';

const impl = () => import('./role-run.js');

export function roleCommand(run: CliRun): Command {
  return withExamples(
    new Command('role')
      .description('print a least-privilege custom role (Azure role definition / AWS IAM policy)')
      .addOption(new Option('--scope <scope>', 'print only one definition, as the cloud takes it: requester or admin'))
      .action(async (options, command) => (await impl()).role(run, options, command)),
    'jit role --cloud azure --subscription <id> --scope requester > role.json && az role definition create --role-definition @role.json',
    'jit role --cloud aws --scope admin > policy.json && aws iam create-policy --policy-name jit-admin --policy-document file://policy.json',
  );
}
