/** What `jit status` does: one VM's policy, exposure and grants, or every grant in scope. */
import type { Command } from 'commander';
import { encodePolicy } from '../../core/policy.js';
import { statusOf, statusOfScope } from '../../core/use-cases/status.js';
import { appContext } from '../app-context.js';
import { onScope, onTarget } from '../cloud-session.js';
import { scopeStatusText, statusText } from '../render/report.js';
import type { CliRun } from '../run.js';

export async function status(run: CliRun, vm: string | undefined, command: Command): Promise<void> {
  const ctx = appContext(run, command);
  if (vm === undefined) {
    await onScope(ctx, '`jit status` without a VM', async ({ deps, out }) => {
      const grants = await statusOfScope(deps);
      out.result({ grants }, (c) => scopeStatusText(c, grants));
    });
    return;
  }
  await onTarget(ctx, vm, 'jit status <vm>', async ({ deps, out }, ref) => {
    const view = await statusOf({ target: ref }, deps);
    out.result({ ...view, policy: view.policy ? encodePolicy(view.policy) : null }, (c) => statusText(c, view));
  });
}
