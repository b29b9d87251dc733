/**
 * What `jit request` does: validate every flag, then either open (or extend) a grant that the
 * scheduler closes at expiry, or, with `-- CMD`, open one for as long as CMD runs.
 */
import type { Command } from 'commander';
import { isJitError, UserError } from '../../core/errors.js';
import { openGrant } from '../../core/lifecycle.js';
import { appContext } from '../app-context.js';
import { type CloudSession, type GrantFlags, grantInput, onTarget, requestDeps } from '../cloud-session.js';
import { type CommandOptions, text } from '../command-kit.js';
import { isCi } from '../output.js';
import { askJustification } from '../prompts.js';
import { CI_NOTE, renderGrant } from '../render/grant.js';
import { utc } from '../render/report.js';
import { interruptShield } from '../run-command.js';
import type { CliRun } from '../run.js';
import { openRunClose } from '../run-while-open.js';
import { durationFlag, justificationFlag, portsFlag, sourceFlag } from '../validate.js';

/** Without a command: the grant stays open until its expiry, when the scheduler closes it. */
async function requestGrant(session: CloudSession, ref: string, flags: GrantFlags): Promise<void> {
  const { ctx, out, progress } = session;
  const interrupts = interruptShield((message) => {
    progress.stop();
    out.warn(message, 'JIT_INTERRUPT_HELD');
  });
  const result = await openGrant(grantInput(session, ref, flags), await requestDeps(session, interrupts.shield));
  progress.stop();
  const notes = !flags.dryRun && isCi(ctx.io.env) && result.outcome !== 'unchanged' ? [CI_NOTE] : [];
  renderGrant(out, ctx.clock, result, notes);
  const signal = interrupts.received();
  if (signal !== undefined) {
    out.warn(
      `Interrupted (${signal}) after grant ${result.grant.id} was written: it stays open until ${utc(result.grant.expiresAt)}, ` +
      `when the scheduler closes it; \`jit revoke ${result.grant.id}\` ends it now.`,
      'JIT_INTERRUPTED_AFTER_WRITE',
    );
    ctx.run.exitCode = 130;
  }
}

export async function request(
  run: CliRun,
  vm: string | undefined,
  commandArgs: string[],
  options: CommandOptions,
  command: Command,
): Promise<void> {
  const flags: GrantFlags = {
    ports: portsFlag(text(options.port), text(options.protocol)),
    duration: durationFlag(text(options.duration), '--duration'),
    source: sourceFlag(text(options.source)),
    justification: justificationFlag(text(options.justification)),
    dryRun: options.dryRun === true,
  };
  if (flags.dryRun && commandArgs.length > 0) {
    throw new UserError('JIT_USAGE', '--dry-run cannot be combined with -- CMD: nothing would be open to run it in.');
  }
  await onTarget(appContext(run, command), vm, 'jit request <vm>', async (session, ref) => {
    const open = (asked: GrantFlags) =>
      commandArgs.length > 0 ? openRunClose(session, ref, asked, () => commandArgs) : requestGrant(session, ref, asked);
    try {
      await open(flags);
    } catch (error) {
      // The policy is checked before any write: at a terminal, ask for the justification and go on.
      const missing = isJitError(error) && error.code === 'JIT_POLICY_JUSTIFICATION_REQUIRED' && flags.justification === undefined;
      if (!missing || !session.out.interactive) throw error;
      await open({ ...flags, justification: justificationFlag(await askJustification(session.out)) });
    }
  });
}
