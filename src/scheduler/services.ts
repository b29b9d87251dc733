/**
 * What every process that acts on the local ledger is built from: the CLI's composition root
 * (cli/app-context.ts) and the background scheduler (worker-main.ts). One factory, so both open the
 * same ledger, read the same clock and close a recorded grant the same way (docs/expiry.md). It
 * imports no commander and no rendering: the scheduler is not a CLI.
 */
import { loadProvider } from '../clouds/registry.js';
import { closeRecordedInCloud } from '../core/lifecycle.js';
import type { Clock, CloudProvider, GrantRecord, GrantStore, ProviderContext, SchedulerHandle } from '../core/ports.js';
import { openLedger } from './ledger.js';
import { type ProviderFactory, providerCache } from './providers.js';

const systemClock: Clock = { now: () => new Date() };

export interface LedgerServices {
  ledger: GrantStore;
  clock: Clock;
  /** The provider of a recorded grant's own cloud and scope (cached per scope). */
  providerFor: (grant: Pick<GrantRecord, 'cloud' | 'scope'>) => Promise<CloudProvider>;
  /** Removes a recorded grant's rules from the cloud, with the provider of its own scope. */
  close: (grant: GrantRecord) => Promise<void>;
}

export function ledgerServices(
  dir: string,
  env: ProviderContext['env'],
  options: { load?: ProviderFactory; clock?: Clock } = {},
): LedgerServices {
  const providerFor = providerCache(options.load ?? loadProvider, env);
  return {
    ledger: openLedger(dir),
    clock: options.clock ?? systemClock,
    providerFor,
    close: async (grant) => closeRecordedInCloud(await providerFor(grant), grant),
  };
}

/** The detached scheduler of `dir`, started on demand (spawn.ts is loaded only then). */
export function schedulerHandle(dir: string, env: ProviderContext['env']): SchedulerHandle {
  return {
    async ensure() {
      const { ensureScheduler } = await import('./spawn.js');
      await ensureScheduler(dir, env as NodeJS.ProcessEnv);
    },
  };
}
