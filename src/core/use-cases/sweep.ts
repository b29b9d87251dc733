/**
 * `jit sweep`: remove every jit rule in scope whose recorded expiry has passed, anyone's, from any
 * machine, using only the cloud's metadata (SPEC §6.4). Unexpired grants and user rules are untouched.
 */
import type { CloudGrant } from '../ports.js';
import { type ClosedGrant, closeGrants } from './close-grants.js';
import type { UseCaseDeps } from './deps.js';

export interface SweepResult {
  removed: ClosedGrant[];
  kept: CloudGrant[];
  failed: { grant: CloudGrant; error: string }[];
}

export async function sweep(
  input: { dryRun: boolean },
  deps: Pick<UseCaseDeps, 'provider' | 'ledger' | 'clock' | 'progress'>,
): Promise<SweepResult> {
  deps.progress.step('Listing jit grants in scope…');
  const now = deps.clock.now().getTime();
  const grants = await deps.provider.listGrants();
  const expired = grants.filter((g) => Date.parse(g.expiresAt) <= now);
  deps.progress.step(`Removing ${expired.length} expired grant${expired.length === 1 ? '' : 's'}…`);
  const { closed, failed } = await closeGrants(expired, input.dryRun, deps);
  return {
    removed: closed,
    kept: grants.filter((g) => Date.parse(g.expiresAt) > now),
    failed: failed.map(({ grant, error }) => ({
      grant,
      error: error instanceof Error ? error.message : String(error),
    })),
  };
}
