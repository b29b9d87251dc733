/**
 * What `jit role` does: print the provider's role documents; no cloud call is made. With `--scope`,
 * one document exactly as `az role definition create --role-definition @file` or
 * `aws iam create-policy --policy-document file://…` reads it: nothing else on stdout, even with
 * --json (a warning would make it a document the cloud refuses; warnings stay on stderr).
 */
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { appContext } from '../app-context.js';
import { onScope } from '../cloud-session.js';
import type { CliRun } from '../run.js';

const SCOPES = ['requester', 'admin'] as const;
type RoleScope = (typeof SCOPES)[number];

function roleScope(value: string | undefined): RoleScope | undefined {
  if (value === undefined) return undefined;
  if ((SCOPES as readonly string[]).includes(value)) return value as RoleScope;
  throw new UserError('JIT_USAGE', `--scope "${value}" is not a role scope: use requester or admin.`, {
    hint: 'Without --scope, `jit role` prints both definitions in one JSON object.',
  });
}

export async function role(run: CliRun, options: { scope?: string }, command: Command): Promise<void> {
  const scope = roleScope(options.scope);
  await onScope(appContext(run, command), '`jit role`', async ({ deps, out, settings }) => {
    const documents = deps.provider.role();
    if (deps.provider.cloud === 'azure' && !settings.subscription?.value) {
      out.warn(
        'No Azure subscription is set: AssignableScopes holds the placeholder /subscriptions/<subscription-id>; ' +
        'replace it, or pass --subscription (or set AZURE_SUBSCRIPTION_ID), before `az role definition create`.',
        'JIT_ROLE_SUBSCRIPTION_UNKNOWN',
      );
    }
    if (scope) {
      out.io.stdout.write(`${JSON.stringify(documents[scope], null, 2)}\n`);
      return;
    }
    const whole = JSON.stringify(documents, null, 2);
    // Human, quiet or not, this is a document to save and hand to the cloud: never wrapped.
    out.result(documents, () => whole, () => whole.split('\n'), { raw: true });
  });
}
