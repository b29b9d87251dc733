/** `jit status`: a VM's policy, grants with time left, and whether the lock-down is effective. */
import type { Policy } from '../model.js';
import { buildPolicy } from '../policy.js';
import { type JudgedGrant, judgeGrants } from '../lifecycle.js';
import type { Clock, TargetStatus } from '../ports.js';
import type { UseCaseDeps } from './deps.js';
import { optionalPolicy } from './policy-of.js';
import { MANAGEMENT_PORTS } from '../model.js';

/** What `status` evaluates on a VM jit does not manage yet: the management ports, as `scan` does. */
const MANAGEMENT_POLICY: Policy = buildPolicy({
  ports: MANAGEMENT_PORTS.map((port) => ({ from: port, to: port, protocol: 'tcp' as const })),
});

export interface GrantView extends JudgedGrant {
  /** Whole seconds until expiry; 0 or less means overdue (sweep or the scheduler will remove it). */
  secondsLeft: number;
}

export interface TargetStatusView extends TargetStatus {
  policy: Policy | undefined;
  /** The lock-down is in place and no rule admits the internet to a policy port. */
  effective: boolean;
  grants: GrantView[];
}

function withTimeLeft(grants: JudgedGrant[], clock: Clock): GrantView[] {
  const now = clock.now().getTime();
  return grants.map((g) => ({ ...g, secondsLeft: Math.floor((Date.parse(g.expiresAt) - now) / 1000) }));
}

export async function statusOf(
  input: { target: string },
  { provider, clock, progress }: Pick<UseCaseDeps, 'provider' | 'clock' | 'progress'>,
): Promise<TargetStatusView> {
  progress.step('Resolving the VM…');
  const target = await provider.resolveTarget(input.target);
  const policy = optionalPolicy(target);
  progress.step(`Reading ${target.name}'s rules…`);
  // Only trusted, live, narrower-than-internet grants are exceptions to the lock-down; every grant
  // is shown, with what makes it untrustworthy (grant-trust.ts).
  const judged = judgeGrants(await provider.listGrants(target), clock.now(), policy);
  const status = await provider.status(target, policy ?? MANAGEMENT_POLICY, judged.exceptions);
  const effective = policy !== undefined && status.lockedDown && status.exposure.every((e) => e.verdict === 'locked');
  return { ...status, policy, effective, grants: withTimeLeft(judged.grants, clock) };
}

/** Without a VM: every jit grant in scope (subscription / region), anyone's. */
export async function statusOfScope({ provider, clock, progress }: Pick<UseCaseDeps, 'provider' | 'clock' | 'progress'>): Promise<GrantView[]> {
  progress.step('Listing jit grants in scope…');
  return withTimeLeft(judgeGrants(await provider.listGrants(), clock.now()).grants, clock);
}
