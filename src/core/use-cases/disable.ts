/** `jit disable`: close the VM's grants, undo the lock-down exactly, delete the policy (docs/cli.md, "Commands"). */
import type { ChangeReport, TargetInfo } from '../ports.js';
import { type ClosedGrant, closeGrants, throwFirstFailure } from '../lifecycle.js';
import type { UseCaseDeps } from './deps.js';

export interface DisableResult {
  target: TargetInfo;
  closed: ClosedGrant[];
  report: ChangeReport;
}

export async function disable(
  input: { target: string; dryRun: boolean },
  deps: Pick<UseCaseDeps, 'provider' | 'ledger' | 'progress'>,
): Promise<DisableResult> {
  const { provider, progress } = deps;
  progress.step('Resolving the VM…');
  const target = await provider.resolveTarget(input.target);
  const grants = await provider.listGrants(target);
  progress.step(`Revoking ${grants.length} active grant${grants.length === 1 ? '' : 's'} on ${target.name}…`);
  const { closed, failed } = await closeGrants(grants, input.dryRun, deps);
  // The lock-down stays while any grant's rule may remain: removing it first would leave a door open.
  throwFirstFailure(failed, 'JIT_DISABLE_FAILED', '; nothing else was changed');
  progress.step(`Removing the lock-down from ${target.name}…`);
  const report = await provider.disable(target, { dryRun: input.dryRun });
  return { target, closed, report };
}
