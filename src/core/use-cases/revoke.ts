/**
 * `jit revoke`: end grants early.
 *   revoke <grant-id>      that grant, whoever made it (the cloud's permissions decide)
 *   revoke <vm>            your grants on that VM
 *   revoke <vm> --all      every grant on that VM
 *   revoke --all           every grant of yours in scope
 */
import { UserError } from '../errors.js';
import type { CloudGrant } from '../ports.js';
import { type ClosedGrant, closeGrants, isRequester, throwFirstFailure } from '../lifecycle.js';
import type { UseCaseDeps } from './deps.js';

export type RevokeInput =
  | { kind: 'grant'; grantId: string; dryRun: boolean }
  | { kind: 'target'; target: string; all: boolean; dryRun: boolean }
  | { kind: 'mine'; dryRun: boolean };

export interface RevokeResult {
  closed: ClosedGrant[];
}

async function select(input: RevokeInput, { provider }: Pick<UseCaseDeps, 'provider'>): Promise<CloudGrant[]> {
  if (input.kind === 'grant') {
    const grant = (await provider.listGrants()).find((g) => g.grantId === input.grantId);
    if (!grant) {
      throw new UserError('JIT_GRANT_NOT_FOUND', `No active grant ${input.grantId} in scope.`, {
        hint: 'See `jit status` for active grants, or name the VM: `jit revoke <vm>`.',
      });
    }
    return [grant];
  }
  const grants = input.kind === 'target'
    ? await provider.listGrants(await provider.resolveTarget(input.target))
    : await provider.listGrants();
  if (input.kind === 'target' && input.all) return grants;
  const me = await provider.whoami();
  return grants.filter((g) => isRequester(g.requester, me));
}

export async function revoke(input: RevokeInput, deps: Pick<UseCaseDeps, 'provider' | 'ledger' | 'progress'>): Promise<RevokeResult> {
  deps.progress.step('Finding the grants…');
  const grants = await select(input, deps);
  deps.progress.step(`Revoking ${grants.length} grant${grants.length === 1 ? '' : 's'}…`);
  const { closed, failed } = await closeGrants(grants, input.dryRun, deps);
  throwFirstFailure(failed, 'JIT_REVOKE_FAILED');
  return { closed };
}
