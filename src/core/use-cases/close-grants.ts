/** Closing grants is shared by revoke, disable and sweep: close in the cloud, then record it locally. */
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
