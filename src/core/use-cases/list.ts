/**
 * `jit list`: "what can I request?" The VMs in scope that carry a jit policy, each with its policy
 * and the caller's own live grants on it (docs/cli.md, "Commands"). A policy tag that does not
 * decode is shown with its problem, not thrown: one VM's bad tag must not hide the others.
 */
import { isJitError } from '../errors.js';
import { isRequester, judgeGrants } from '../lifecycle.js';
import type { Policy } from '../model.js';
import { decodePolicy } from '../policy.js';
import type { EnabledVm } from '../ports.js';
import type { UseCaseDeps } from './deps.js';
import type { GrantView } from './status.js';

interface ListedVm extends EnabledVm {
  /** The decoded policy, or undefined when the tag does not decode (`problem` says why). */
  policy: Policy | undefined;
  problem: string | null;
  /** The caller's grants on this VM, with time left. */
  grants: GrantView[];
}

export interface ListResult {
  /** The identity the grants were matched against. */
  requester: string;
  vms: ListedVm[];
}

function decoded(tag: string): { policy: Policy | undefined; problem: string | null } {
  try {
    return { policy: decodePolicy(tag), problem: null };
  } catch (error) {
    if (!isJitError(error)) throw error;
    return { policy: undefined, problem: error.message };
  }
}

export async function listEnabled({ provider, clock, progress }: Pick<UseCaseDeps, 'provider' | 'clock' | 'progress'>): Promise<ListResult> {
  progress.step('Listing the VMs with a jit policy…');
  const [enabled, grants, requester] = await Promise.all([
    provider.listEnabled(),
    provider.listGrants(),
    provider.whoami(),
  ]);
  const now = clock.now();
  const mine = judgeGrants(grants.filter((grant) => isRequester(grant.requester, requester)), now).grants;
  const vms = enabled
    .map((vm): ListedVm => ({
      ...vm,
      ...decoded(vm.policyTag),
      grants: mine
        .filter((grant) => grant.target.id.toLowerCase() === vm.id.toLowerCase())
        .map((grant) => ({ ...grant, secondsLeft: Math.floor((Date.parse(grant.expiresAt) - now.getTime()) / 1000) })),
    }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  return { requester, vms };
}
