/**
 * `jit sweep`: remove every jit rule in scope whose recorded expiry has passed, anyone's, from any
 * machine, using only the cloud's metadata. An expiry further ahead than any grant jit makes is
 * forged, and treated as passed (grant-trust.ts). Unexpired grants and user rules are untouched.
 */
import { isJitError } from '../errors.js';
import { isDue } from '../grant-trust.js';
import type { CloudGrant } from '../ports.js';
import { type ClosedGrant, closeGrants } from '../lifecycle.js';
import type { UseCaseDeps } from './deps.js';

export interface SweepResult {
  removed: ClosedGrant[];
  kept: CloudGrant[];
  /** The grants that stayed open, with why: a registered code (JIT_UNEXPECTED when none) and a message. */
  failed: { grant: CloudGrant; error: { code: string; message: string } }[];
}

export async function sweep(
  input: { dryRun: boolean },
  deps: Pick<UseCaseDeps, 'provider' | 'ledger' | 'clock' | 'progress'>,
): Promise<SweepResult> {
  deps.progress.step('Listing jit grants in scope…');
  const now = deps.clock.now();
  const grants = await deps.provider.listGrants();
  const expired = grants.filter((g) => isDue(g, now));
  deps.progress.step(`Removing ${expired.length} expired grant${expired.length === 1 ? '' : 's'}…`);
  const { closed, failed } = await closeGrants(expired, input.dryRun, deps);
  return {
    removed: closed,
    kept: grants.filter((g) => !isDue(g, now)),
    failed: failed.map(({ grant, error }) => ({
      grant,
      error: {
        code: isJitError(error) ? error.code : 'JIT_UNEXPECTED',
        message: error instanceof Error ? error.message : String(error),
      },
    })),
  };
}
