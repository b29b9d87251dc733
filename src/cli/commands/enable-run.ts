/** What `jit enable` does: validate the policy flags, lock the VM down, render the changes. */
import type { Command } from 'commander';
import { buildPolicy, encodePolicy } from '../../core/policy.js';
import { printable } from '../../core/printable.js';
import { enable as enableUseCase } from '../../core/use-cases/enable.js';
import { appContext } from '../app-context.js';
import { onTarget } from '../cloud-session.js';
import { type CommandOptions, text } from '../command-kit.js';
import { changesText, dryRunHeading } from '../render/report.js';
import type { CliRun } from '../run.js';
import { allowSourcesFlag, durationFlag, portsFlag } from '../validate.js';

export async function enable(
  run: CliRun,
  vm: string | undefined,
  options: CommandOptions,
  command: Command,
): Promise<void> {
  const policy = buildPolicy({
    ports: portsFlag(text(options.port), text(options.protocol)) ?? [],
    maxDuration: durationFlag(text(options.maxDuration), '--max-duration'),
    allowSources: allowSourcesFlag(options.allowSource as string[] | undefined),
    requireJustification: options.requireJustification === true,
  });
  await onTarget(appContext(run, command), vm, 'jit enable <vm>', async ({ deps, out }, ref) => {
    const result = await enableUseCase(
      {
        target: ref,
        policy,
        dryRun: options.dryRun === true,
        includeNarrow: options.includeNarrow === true,
        isolate: options.isolate === true,
      },
      deps,
    );
    out.result({ target: result.target, policy: encodePolicy(policy), ...result.report }, (c) => {
      const done = `Enabled jit on ${c.bold(printable(result.target.name))} (${encodePolicy(policy)}):`;
      return `${dryRunHeading(c, result.report, done)}\n${changesText(c, result.report)}`;
    });
  });
}
