/**
 * What `jit enable` does: validate the policy flags, show (and for a weakening, confirm) the change
 * of an enabled VM's policy, lock the VM down, render the changes.
 */
import type { Command } from 'commander';
import type { ChalkInstance } from 'chalk';
import type { Policy } from '../../core/model.js';
import { buildPolicy, decodePolicy, encodePolicy } from '../../core/policy.js';
import { policyChanges } from '../../core/policy-change.js';
import type { TargetInfo } from '../../core/ports.js';
import { printable } from '../../core/printable.js';
import { enable as enableUseCase } from '../../core/use-cases/enable.js';
import { appContext } from '../app-context.js';
import { onTarget } from '../cloud-session.js';
import { type CommandOptions, text } from '../command-kit.js';
import type { Output } from '../output.js';
import { confirmChange } from '../prompts.js';
import { policyJson, reportJson, targetJson } from '../render/json.js';
import { shortTarget } from '../render/names.js';
import { changesText, dryRunHeading } from '../render/report.js';
import type { CliRun } from '../run.js';
import { allowSourcesFlag, durationFlag, portsFlag } from '../validate.js';

/**
 * On an enabled VM, the policy change is shown as a diff, and one that weakens the policy (a
 * requirement dropped, sources widened, a longer maximum, more ports) needs a "yes": at a terminal
 * it is asked, without one --yes is required (docs/cli.md, "Policy"). A tag that is not a policy
 * is replaced as before: there is nothing readable to weaken.
 */
async function reviewPolicyChange(target: TargetInfo, next: Policy, out: Output, answered: boolean): Promise<void> {
  if (target.policyTag === undefined) return;
  let previous: Policy;
  try {
    previous = decodePolicy(target.policyTag);
  } catch {
    return;
  }
  const lines = policyChanges(previous, next);
  if (lines.length === 0) return;
  const name = printable(target.name);
  const diff = (c: ChalkInstance) => [
    `Policy of ${c.bold(name)} changes:`,
    ...lines.map((l) => `  ${l.weakens ? c.red('weaker') : c.green('      ')}  ${l.what.padEnd(15)} ${printable(l.from)} → ${printable(l.to)}`),
  ].join('\n');
  const weakening = lines.filter((l) => l.weakens);
  const weaker = weakening.map((l) => l.what);
  if (weaker.length === 0) {
    out.plan(diff);
    return;
  }
  if (answered) out.plan(diff);
  await confirmChange(out, answered, {
    plan: diff,
    question: `Weaken the policy of ${name} (${weaker.join(', ')})?`,
    refusal: `jit enable ${name} weakens its policy (${weakening.map((l) => `${l.what} ${l.from} → ${l.to}`).join('; ')})`,
    hint: 'Pass the flags of the current policy to keep it (`jit status <vm>` shows it), or --dry-run to see the changes.',
  });
}

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
  const ctx = appContext(run, command);
  const answered = options.dryRun === true || ctx.flags.yes === true;
  await onTarget(ctx, vm, 'jit enable <vm>', async ({ deps, out }, ref) => {
    const result = await enableUseCase(
      {
        target: ref,
        policy,
        dryRun: options.dryRun === true,
        includeNarrow: options.includeNarrow === true,
        isolate: options.isolate === true,
        beforeChange: (target) => reviewPolicyChange(target, policy, out, answered),
      },
      deps,
    );
    out.result(
      { target: targetJson(result.target), policy: policyJson(policy), ...reportJson(result.report) },
      (c) => {
        const done = `Enabled jit on ${c.bold(printable(shortTarget(result.target, result.target.scope)))} (${encodePolicy(policy)}):`;
        return `${dryRunHeading(c, result.report, done)}\n${changesText(c, result.report)}`;
      },
      // --quiet: nothing on success (the exit code says it).
      () => [],
    );
  });
}
