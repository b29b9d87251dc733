/** `jit enable`: store the policy on the VM and lock its ports down (docs/azure.md, docs/aws.md). */
import type { Policy } from '../model.js';
import type { ChangeReport, EnableOptions, TargetInfo } from '../ports.js';
import type { UseCaseDeps } from './deps.js';

export interface EnableResult {
  target: TargetInfo;
  policy: Policy;
  report: ChangeReport;
}

export async function enable(
  input: {
    target: string;
    policy: Policy;
    /** Called with the resolved VM before anything is written: the CLI shows a policy change and may refuse it. */
    beforeChange?: (target: TargetInfo) => Promise<void>;
  } & EnableOptions,
  { provider, progress }: Pick<UseCaseDeps, 'provider' | 'progress'>,
): Promise<EnableResult> {
  progress.step('Resolving the VM…');
  const target = await provider.resolveTarget(input.target);
  await input.beforeChange?.(target);
  progress.step(input.dryRun ? `Planning the lock-down of ${target.name}…` : `Locking ${target.name} down…`);
  const report = await provider.enable(target, input.policy, input);
  return { target, policy: input.policy, report };
}
