/**
 * What `jit revoke` does: a grant id (8 characters of lower-case Crockford base32) is taken as one,
 * anything else as a VM.
 */
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { isGrantId } from '../../core/grant-id.js';
import { printable } from '../../core/printable.js';
import { type RevokeInput, revoke as revokeUseCase } from '../../core/use-cases/revoke.js';
import { appContext } from '../app-context.js';
import { type CloudSession, onScope, onTarget } from '../cloud-session.js';
import type { CommandOptions } from '../command-kit.js';
import { confirmChange } from '../prompts.js';
import { othersClause, otherRequesters, planText } from '../render/plan.js';
import { cloudGrantJson, reportJson } from '../render/json.js';
import { lookOf } from '../render/look.js';
import { revokeText } from '../render/report.js';
import type { CliRun } from '../run.js';

/**
 * `--all` may close many grants, and on a VM other people's: the grants are found first (a dry
 * run), shown with whose they are, and confirmed (--yes without a terminal). Nothing to close asks
 * nothing.
 */
async function confirmAll({ deps, out }: CloudSession, input: RevokeInput, what: string): Promise<void> {
  const plan = await revokeUseCase({ ...input, dryRun: true }, deps);
  if (plan.closed.length === 0) return;
  const me = await deps.provider.whoami();
  const report = { changes: plan.closed.flatMap((c) => c.report.changes), applied: false, notes: [] };
  const count = `${plan.closed.length} grant${plan.closed.length === 1 ? '' : 's'}`;
  const others = othersClause(otherRequesters(plan.closed, me));
  await confirmChange(out, false, {
    plan: (c) => planText(lookOf(c, out, deps.clock), `jit revoke ${what}:`, plan.closed, report, me),
    question: `Revoke ${count}${others}?`,
    refusal: `jit revoke ${what} closes ${count}${others}`,
  });
}

async function revokeAndRender(session: CloudSession, input: RevokeInput, confirmAs?: string): Promise<void> {
  const { deps, out } = session;
  const ask = confirmAs !== undefined && !input.dryRun && session.ctx.flags.yes !== true;
  if (ask) await confirmAll(session, input, confirmAs);
  const { closed } = await revokeUseCase(input, deps);
  const report = { changes: closed.flatMap((c) => c.report.changes), applied: !input.dryRun, notes: [] };
  out.result(
    { revoked: closed.map((c) => cloudGrantJson(c.grant)), ...reportJson(report) },
    (c) => revokeText(lookOf(c, out, deps.clock), closed, report),
    () => closed.map((c) => c.grant.grantId),
  );
}

export async function revoke(
  run: CliRun,
  ref: string | undefined,
  options: CommandOptions,
  command: Command,
): Promise<void> {
  if (ref === undefined && !options.all) {
    throw new UserError('JIT_MISSING_TARGET', 'Missing <grant-or-vm>: name a grant id or a VM, or pass --all.');
  }
  const dryRun = options.dryRun === true;
  const ctx = appContext(run, command);
  if (ref !== undefined && isGrantId(ref)) {
    await onScope(ctx, '`jit revoke` of a grant', (s) => revokeAndRender(s, { kind: 'grant', grantId: ref, dryRun }));
  } else if (ref !== undefined) {
    const all = options.all === true;
    await onTarget(ctx, ref, 'jit revoke <vm>', (s, target) =>
      revokeAndRender(s, { kind: 'target', target, all, dryRun }, all ? `${printable(target)} --all` : undefined));
  } else {
    await onScope(ctx, '`jit revoke --all`', (s) => revokeAndRender(s, { kind: 'mine', dryRun }, '--all'));
  }
}
