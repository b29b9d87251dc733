/** What `jit disable` does: confirm, revoke the VM's grants and undo its lock-down, render both. */
import type { Command } from 'commander';
import { printable } from '../../core/printable.js';
import { disable as disableUseCase } from '../../core/use-cases/disable.js';
import { appContext } from '../app-context.js';
import { onTarget } from '../cloud-session.js';
import type { CommandOptions } from '../command-kit.js';
import { confirmChange } from '../prompts.js';
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
    if (!dryRun) {
      await confirmChange(out, ctx.flags.yes === true, {
        question: `Remove the lock-down from ${ref} and restore its earlier rules?`,
        refusal: `jit disable ${ref} removes the lock-down`,
      });
    }
    const result = await disableUseCase({ target: ref, dryRun }, deps);
    const report = mergeReports(result.closed.map((c) => c.report), result.report);
    out.result(
      { target: result.target, revokedGrants: result.closed.map((c) => c.grant.grantId), ...report },
      (c) => `${dryRunHeading(c, report, `Disabled jit on ${c.bold(printable(result.target.name))}:`)}\n${changesText(c, report)}`,
    );
  });
}
