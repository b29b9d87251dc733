/** What `jit scan` does: list the VMs in scope whose management ports the internet reaches. */
import type { Command } from 'commander';
import { scan as scanUseCase } from '../../core/use-cases/scan.js';
import { appContext } from '../app-context.js';
import { onScope } from '../cloud-session.js';
import { scanText } from '../render/report.js';
import type { CliRun } from '../run.js';

export async function scan(run: CliRun, command: Command): Promise<void> {
  await onScope(appContext(run, command), '`jit scan`', async ({ deps, out }) => {
    const findings = await scanUseCase(deps);
    out.result({ findings }, (c) => scanText(c, findings));
  });
}
