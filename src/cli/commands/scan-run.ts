/** What `jit scan` does: list the VMs in scope whose management ports the internet reaches. */
import type { Command } from 'commander';
import { scan as scanUseCase } from '../../core/use-cases/scan.js';
import { configDir } from '../../config/paths.js';
import { appContext } from '../app-context.js';
import { onScope } from '../cloud-session.js';
import { findingJson } from '../render/json.js';
import { lookOf } from '../render/look.js';
import { scanSummary, scanText } from '../render/report.js';
import type { CliRun } from '../run.js';
import { rememberVmNames } from '../vm-cache.js';

export async function scan(run: CliRun, options: { failOnFindings?: boolean }, command: Command): Promise<void> {
  await onScope(appContext(run, command), '`jit scan`', async ({ deps, out, progress }) => {
    const findings = await scanUseCase(deps);
    progress.stop();
    const summary = scanSummary(findings);
    // A CI gate: the document (or the list) is still printed whole, and the exit code says "open".
    if (options.failOnFindings && summary.open > 0) {
      out.warn(`${summary.open} VM${summary.open === 1 ? ' has' : 's have'} a management port open to the internet (--fail-on-findings).`, 'JIT_SCAN_FINDINGS');
      run.exitCode = 1;
    }
    out.result(
      { findings: findings.map(findingJson), summary },
      (c) => scanText(lookOf(c, out, deps.clock), findings),
      () => findings.map((f) => (out.verbose ? f.target.id : f.target.name)),
    );
    await rememberVmNames(configDir(run.io.env), deps.clock, findings.map((finding) => finding.target.name));
  });
}
