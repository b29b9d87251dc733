/**
 * Providers for grants of the local ledger, shared by the background scheduler and the reaper that
 * runs before every command. The provider is rebuilt from the grant's own scope, so a grant made
 * with `--subscription X` is closed in X whatever the defaults say now.
 */
import type { CloudProvider, GrantRecord, ProviderContext } from '../core/ports.js';
import type { CloudName } from '../core/model.js';

export type ProviderFactory = (cloud: CloudName, context: ProviderContext) => Promise<CloudProvider>;

const silent = { step: () => {}, warn: () => {} };

/** Builds providers on demand, one per cloud and scope. */
export function providerCache(load: ProviderFactory, env: ProviderContext['env']) {
  const cache = new Map<string, Promise<CloudProvider>>();
  return (grant: Pick<GrantRecord, 'cloud' | 'scope'>): Promise<CloudProvider> => {
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
