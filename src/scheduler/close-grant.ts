/**
 * Closing a grant from the local ledger, shared by the background scheduler and the reaper that
 * runs before every command. The provider is rebuilt from the grant's own scope, so a grant made
 * with `--subscription X` is closed in X whatever the defaults say now.
 */
import type { CloudGrant, CloudProvider, GrantRecord, GrantStore, ProviderContext } from '../core/ports.js';
import type { CloudName } from '../core/model.js';

export type ProviderFactory = (cloud: CloudName, context: ProviderContext) => Promise<CloudProvider>;

const silent = { step: () => {}, warn: () => {} };

/** Builds providers on demand, one per cloud and scope. */
export function providerCache(load: ProviderFactory, env: ProviderContext['env']) {
  const cache = new Map<string, Promise<CloudProvider>>();
  return (grant: GrantRecord): Promise<CloudProvider> => {
    const key = `${grant.cloud} ${JSON.stringify(grant.scope)}`;
    let provider = cache.get(key);
    if (!provider) {
      provider = load(grant.cloud, { settings: grant.scope, env, progress: silent });
      // A failed build (no credentials yet, say) is retried on the next attempt, not cached.
      provider.catch(() => cache.delete(key));
      cache.set(key, provider);
    }
    return provider;
  };
}

export function cloudGrantOf(grant: GrantRecord): CloudGrant {
  return {
    grantId: grant.id,
    target: grant.target,
    scope: grant.scope,
    source: grant.source,
    ports: grant.ports,
    expiresAt: grant.expiresAt,
    requester: grant.requester,
    rules: grant.rules,
  };
}

/**
 * Removes the grant's cloud rules. A grant still `pending` (its request died between the cloud
 * write and the ledger update) has no rule references: they are found by grant id in the cloud.
 */
export async function closeLedgerGrant(provider: CloudProvider, grant: GrantRecord): Promise<void> {
  let cloudGrant = cloudGrantOf(grant);
  if (grant.rules.length === 0) {
    const target = await provider.resolveTarget(grant.target.id);
    const found = (await provider.listGrants(target)).find((g) => g.grantId === grant.id);
    if (!found) return; // the cloud write never happened
    cloudGrant = found;
  }
  await provider.closeGrant(cloudGrant, { dryRun: false });
}

/** Grants that may still have rules in the cloud. */
export function isOpen(grant: GrantRecord): boolean {
  return grant.state === 'active' || grant.state === 'pending';
}

/**
 * Marks a closed grant revoked, but only if it still has the expiry that was acted on: a grant
 * extended in the meantime belongs to the newer request.
 */
export function markRevoked(ledger: GrantStore, grant: GrantRecord): Promise<void> {
  return ledger.transact((grants) => ({
    grants: grants.map((g) => (g.id === grant.id && g.expiresAt === grant.expiresAt ? { ...g, state: 'revoked' as const } : g)),
    result: undefined,
  }));
}
