/** What `jit sweep` does: remove expired grants in scope; exit 1 if any could not be removed. */
import type { Command } from 'commander';
import { sweep as sweepUseCase } from '../../core/use-cases/sweep.js';
import { appContext } from '../app-context.js';
import { onScope } from '../cloud-session.js';
import type { CommandOptions } from '../command-kit.js';
import { cloudGrantJson } from '../render/json.js';
import { lookOf } from '../render/look.js';
import { sweepText } from '../render/report.js';
import type { CliRun } from '../run.js';

export async function sweep(run: CliRun, options: CommandOptions, command: Command): Promise<void> {
  const dryRun = options.dryRun === true;
  await onScope(appContext(run, command), '`jit sweep`', async ({ deps, out }) => {
    const result = await sweepUseCase({ dryRun }, deps);
    const removed = result.removed.map((r) => r.grant);
    const body = {
      removed: removed.map(cloudGrantJson),
      kept: result.kept.map(cloudGrantJson),
      failed: result.failed.map((f) => ({ grant: cloudGrantJson(f.grant), error: f.error })),
      applied: !dryRun,
    };
    out.result(body, (c) => sweepText(lookOf(c, out, deps.clock), result, dryRun), () => removed.map((g) => g.grantId));
    if (result.failed.length > 0) run.exitCode = 1;
  });
}
