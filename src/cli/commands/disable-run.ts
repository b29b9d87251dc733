/**
 * What `jit disable` does: find the VM and its grants first (a dry run), show that plan, confirm,
 * then revoke the VM's grants and undo its lock-down, and render both.
 */
import type { Command } from 'commander';
import { printable } from '../../core/printable.js';
import { disable as disableUseCase } from '../../core/use-cases/disable.js';
import { appContext } from '../app-context.js';
import { onTarget } from '../cloud-session.js';
import type { CommandOptions } from '../command-kit.js';
import { confirmChange } from '../prompts.js';
import { lookOf } from '../render/look.js';
import { shortTarget } from '../render/names.js';
import { othersClause, otherRequesters, planText } from '../render/plan.js';
import { cloudGrantJson, reportJson, targetJson } from '../render/json.js';
import { changesText, dryRunHeading, mergeReports } from '../render/report.js';
import type { CliRun } from '../run.js';

export async function disable(
  run: CliRun,
  vm: string | undefined,
  options: CommandOptions,
  command: Command,
): Promise<void> {
  const ctx = appContext(run, command);
  await onTarget(ctx, vm, 'jit disable <vm>', async ({ deps, out }, ref) => {
    const dryRun = options.dryRun === true;
    if (!dryRun && ctx.flags.yes !== true) {
      // Look before asking: a VM that does not exist fails here, before any question.
      const plan = await disableUseCase({ target: ref, dryRun: true }, deps);
      const me = await deps.provider.whoami();
      const name = printable(plan.target.name);
      const report = mergeReports(plan.closed.map((c) => c.report), plan.report);
      const others = othersClause(otherRequesters(plan.closed, me));
      const grants = plan.closed.length === 0 ? '' : ` and closes ${plan.closed.length} grant${plan.closed.length === 1 ? '' : 's'}${others}`;
      await confirmChange(out, false, {
        plan: (c) => planText(lookOf(c, out, deps.clock), `jit disable ${name} removes the lock-down and the policy:`, plan.closed, report, me),
        question: `Remove the lock-down from ${name} and restore its earlier rules?`,
        refusal: `jit disable ${name} removes the lock-down${grants}`,
      });
    }
    const result = await disableUseCase({ target: ref, dryRun }, deps);
    const report = mergeReports(result.closed.map((c) => c.report), result.report);
    out.result(
      {
        target: targetJson(result.target),
        revoked: result.closed.map((c) => cloudGrantJson(c.grant)),
        ...reportJson(report),
      },
      (c) => `${dryRunHeading(c, report, `Disabled jit on ${c.bold(printable(shortTarget(result.target, result.target.scope)))}:`)}\n${changesText(c, report)}`,
      // --quiet: nothing on success (the exit code says it).
      () => [],
    );
  });
}
