/** Closing grants is shared by revoke, disable and sweep: close in the cloud, then record it locally. */
import { JitError, ProviderError } from '../errors.js';
import type { ChangeReport, CloudGrant } from '../ports.js';
import type { UseCaseDeps } from './deps.js';
import { updateGrant } from './ledger-ops.js';

export interface ClosedGrant {
  grant: CloudGrant;
  report: ChangeReport;
}

/** Closes each grant; one failure does not stop the others (a sweep must remove what it can). */
export async function closeGrants(
  grants: CloudGrant[],
  dryRun: boolean,
  { provider, ledger }: Pick<UseCaseDeps, 'provider' | 'ledger'>,
): Promise<{ closed: ClosedGrant[]; failed: { grant: CloudGrant; error: unknown }[] }> {
  const closed: ClosedGrant[] = [];
  const failed: { grant: CloudGrant; error: unknown }[] = [];
  for (const grant of grants) {
    try {
      const report = await provider.closeGrant(grant, { dryRun });
      closed.push({ grant, report });
      if (!dryRun) await updateGrant(ledger, grant.grantId, { state: 'revoked' });
    } catch (error) {
      failed.push({ grant, error });
    }
  }
  return { closed, failed };
}

/**
 * Throws for the first grant that could not be closed: its own JitError as it was, or a
 * ProviderError with `code` naming the grant and how many more failed. `after` ends the message.
 */
export function throwFirstFailure(failed: { grant: CloudGrant; error: unknown }[], code: string, after = ''): void {
  const first = failed[0];
  if (!first) return;
  if (first.error instanceof JitError) throw first.error;
  const more = failed.length > 1 ? ` (and ${failed.length - 1} more)` : '';
  throw new ProviderError(code, `Could not revoke grant ${first.grant.grantId}${more}${after}.`, { cause: first.error });
}
