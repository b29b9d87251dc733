/**
 * What `jit revoke` does: a grant id (8 characters of lower-case Crockford base32) is taken as one,
 * anything else as a VM.
 */
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { isGrantId } from '../../core/grant-id.js';
import { type RevokeInput, revoke as revokeUseCase } from '../../core/use-cases/revoke.js';
import { appContext } from '../app-context.js';
import { type CloudSession, onScope, onTarget } from '../cloud-session.js';
import type { CommandOptions } from '../command-kit.js';
import { revokeText } from '../render/report.js';
import type { CliRun } from '../run.js';

async function revokeAndRender({ deps, out }: CloudSession, input: RevokeInput): Promise<void> {
  const { closed } = await revokeUseCase(input, deps);
  const report = { changes: closed.flatMap((c) => c.report.changes), applied: !input.dryRun, notes: [] };
  out.result({ revoked: closed.map((c) => c.grant.grantId), ...report }, (c) => revokeText(c, closed, report));
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
    await onTarget(ctx, ref, 'jit revoke <vm>', (s, target) =>
      revokeAndRender(s, { kind: 'target', target, all: options.all === true, dryRun }));
  } else {
    await onScope(ctx, '`jit revoke --all`', (s) => revokeAndRender(s, { kind: 'mine', dryRun }));
  }
}
