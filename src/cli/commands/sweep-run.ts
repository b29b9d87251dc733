/** What `jit sweep` does: remove expired grants in scope; exit 1 if any could not be removed. */
import type { Command } from 'commander';
import { sweep as sweepUseCase } from '../../core/use-cases/sweep.js';
import { appContext } from '../app-context.js';
import { onScope } from '../cloud-session.js';
import type { CommandOptions } from '../command-kit.js';
import { sweepText } from '../render/report.js';
import type { CliRun } from '../run.js';

export async function sweep(run: CliRun, options: CommandOptions, command: Command): Promise<void> {
  const dryRun = options.dryRun === true;
  await onScope(appContext(run, command), '`jit sweep`', async ({ deps, out }) => {
    const result = await sweepUseCase({ dryRun }, deps);
    const removed = result.removed.map((r) => r.grant);
    const body = { removed, kept: result.kept, failed: result.failed, applied: !dryRun };
    out.result(body, (c) => sweepText(c, result, dryRun));
    if (result.failed.length > 0) run.exitCode = 1;
  });
}
