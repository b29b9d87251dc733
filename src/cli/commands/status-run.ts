/** What `jit status` does: one VM's policy, exposure and grants, or every grant in scope. */
import type { ChalkInstance } from 'chalk';
import type { Command } from 'commander';
import { statusOf, statusOfScope } from '../../core/use-cases/status.js';
import { appContext } from '../app-context.js';
import { onScope, onTarget } from '../cloud-session.js';
import { grantViewJson, statusJson } from '../render/json.js';
import { lookOf } from '../render/look.js';
import { scopeStatusText, statusText } from '../render/report.js';
import type { CliRun } from '../run.js';

export async function status(run: CliRun, vm: string | undefined, command: Command): Promise<void> {
  const ctx = appContext(run, command);
  if (vm === undefined) {
    await onScope(ctx, '`jit status` without a VM', async ({ deps, out }) => {
      const grants = await statusOfScope(deps);
      // --quiet: the VMs that have a grant, one name a line (their ids with --verbose).
      const vms = () => [...new Set(grants.map((g) => (out.verbose ? g.target.id : g.target.name)))];
      const text = (c: ChalkInstance) => scopeStatusText(lookOf(c, out, deps.clock), grants);
      out.result({ grants: grants.map(grantViewJson) }, text, vms);
    });
    return;
  }
  await onTarget(ctx, vm, 'jit status <vm>', async ({ deps, out }, ref) => {
    const view = await statusOf({ target: ref }, deps);
    // --quiet: the grant ids on the VM, one a line.
    const ids = () => view.grants.map((g) => g.grantId);
    out.result(statusJson(view), (c) => statusText(lookOf(c, out, deps.clock), view), ids);
  });
}
