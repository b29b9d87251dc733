/**
 * `request -- CMD` and `jit ssh`: the lifecycle's runWhileOpen opens a grant (or uses one that is
 * already open, which it then leaves as it was), runs the command, and closes what it opened.
 * Signals are trapped from before the grant is opened, so a Ctrl-C at any point ends in a close
 * (a Ctrl-C before the command started skips the command), and are passed on to the command while
 * it runs. The command's exit status becomes jit's (130 after Ctrl-C).
 */
import { type OpenedGrant, runWhileOpen } from '../core/lifecycle.js';
import type { TargetInfo } from '../core/ports.js';
import { type CloudSession, type GrantFlags, grantInput, requestDeps } from './cloud-session.js';
import { renderGrant } from './render/grant.js';
import { trapSignals } from './run-command.js';

export async function openRunClose(
  session: CloudSession,
  target: string | TargetInfo,
  flags: GrantFlags,
  argv: (result: OpenedGrant) => string[],
): Promise<void> {
  const { ctx, out } = session;
  const trap = trapSignals();
  try {
    const deps = await requestDeps(session);
    const { opened, code, closed } = await runWhileOpen(
      grantInput(session, target, flags),
      async (result) => {
        session.progress.stop();
        // jit connects (or runs CMD) itself here: no "how to connect" advice.
        renderGrant(out, ctx.clock, result, [], { connect: false });
        if (trap.received !== undefined) return 130;
        const [command, ...args] = argv(result);
        const env = ctx.io.env as NodeJS.ProcessEnv;
        return ctx.runCommand(command!, args, { env, stdoutToStderr: out.json, trap });
      },
      deps,
    );
    out.info(closed ? `Revoked grant ${opened.grant.id}.` : `Grant ${opened.grant.id} was open before; left as it was.`);
    ctx.run.exitCode = trap.received === 'SIGINT' ? 130 : code;
  } finally {
    trap.release();
  }
}
