/**
 * Which cloud a command acts on, and the use cases' dependencies for it, taken from the app context:
 * --cloud, else the target's form, else the environment or the config name the cloud (docs/cli.md,
 * "Targets"); commands
 * without a target need it named. A spinner runs while the body does, and stops whatever happens.
 */
import type { ResolvedSettings } from '../config/store.js';
import { parseDuration } from '../core/duration.js';
import { isJitError, type JitError, ProviderError, UserError } from '../core/errors.js';
import type { OpenGrantInput } from '../core/lifecycle.js';
import { CLOUDS, type CloudName, type PortRange } from '../core/model.js';
import type { Progress, Shield, TargetInfo } from '../core/ports.js';
import type { Prefix } from '../core/prefix.js';
import { printable } from '../core/printable.js';
import { formNamesCloud, parseTarget } from '../core/target.js';
import type { RequestDeps, UseCaseDeps } from '../core/use-cases/deps.js';
import type { AppContext } from './app-context.js';
import type { Output } from './output.js';
import { closeNames } from './close-names.js';
import { missingTarget, pickCandidate, pickCloud, pickTarget } from './prompts.js';

export interface CloudSession {
  ctx: AppContext;
  out: Output;
  deps: UseCaseDeps;
  settings: ResolvedSettings;
  progress: Progress & { stop(): void };
}

async function withCloud<T>(
  ctx: AppContext,
  settings: ResolvedSettings,
  cloud: CloudName,
  body: (session: CloudSession) => Promise<T>,
): Promise<T> {
  const progress = await ctx.out.progress();
  try {
    const provider = await ctx.provider(cloud, progress);
    const deps: UseCaseDeps = { provider, ledger: ctx.ledger, clock: ctx.clock, progress };
    return await body({ ctx, out: ctx.out, deps, settings, progress });
  } finally {
    progress.stop();
  }
}

/**
 * For commands on one VM: its cloud comes from --cloud, its form, the environment or the config.
 * At a terminal (docs/cli.md, "Prompts"), a missing VM is picked from the enabled VMs (after the
 * cloud, when none is set), and a name several VMs carry from its candidates; without one, each is
 * an error naming what to pass.
 */
export async function onTarget<T>(
  ctx: AppContext,
  vm: string | undefined,
  usage: string,
  body: (session: CloudSession, ref: string) => Promise<T>,
): Promise<T> {
  const settings = await ctx.settings();
  const cloud = settings.cloud;
  const configured = cloud?.value as CloudName | undefined;
  if (vm === undefined || vm.trim() === '') {
    if (!ctx.out.interactive) throw missingTarget(usage);
    const chosen = configured ?? (await pickCloud(ctx.out));
    return withCloud(ctx, settings, chosen, async (session) => {
      session.progress.step('Listing the VMs with jit enabled…');
      const ref = await pickTarget(ctx.out, await session.deps.provider.listEnabled().catch(() => []));
      return onResolved(session, ref, body);
    });
  }
  const target = cloud?.source === 'flag' ? parseTarget(vm, configured) : parseTarget(vm, undefined, configured);
  try {
    return await withCloud(ctx, settings, target.cloud, (session) => onResolved(session, target.ref, body));
  } catch (error) {
    // A name looked up on the default cloud may be on the other one: say how to look there.
    if (isJitError(error) && error.code === 'JIT_TARGET_NOT_FOUND' && !formNamesCloud(vm)) throw withOtherCloudHint(error, target.cloud);
    throw error;
  }
}

/** The candidates of JIT_TARGET_AMBIGUOUS: resource IDs (Azure) or `{id, state}` (AWS). */
function candidateIds(error: JitError): string[] {
  const candidates = error.details?.candidates;
  if (!Array.isArray(candidates)) return [];
  return candidates.map((c: unknown) => (typeof c === 'string' ? c : String((c as { id?: unknown }).id ?? ''))).filter((id) => id !== '');
}

/**
 * Runs the body on `ref`; at a terminal, an ambiguous name offers its candidates and the body runs
 * again on the one picked (it failed resolving, before any write). A name not found suggests the
 * enabled VMs with a close name.
 */
async function onResolved<T>(
  session: CloudSession,
  ref: string,
  body: (session: CloudSession, ref: string) => Promise<T>,
): Promise<T> {
  try {
    return await body(session, ref);
  } catch (error) {
    if (!isJitError(error)) throw error;
    if (error.code === 'JIT_TARGET_AMBIGUOUS' && session.out.interactive) {
      const ids = candidateIds(error);
      if (ids.length > 0) return body(session, await pickCandidate(session.out, ref, ids));
    }
    if (error.code === 'JIT_TARGET_NOT_FOUND' && !formNamesCloud(ref)) {
      const close = closeNames(ref, (await session.deps.provider.listEnabled().catch(() => [])).map((t) => t.name));
      if (close.length > 0) {
        const hint = `Did you mean ${close.map((n) => printable(n)).join(', ')}?${error.hint ? ` ${error.hint}` : ''}`;
        throw new ProviderError('JIT_TARGET_NOT_FOUND', error.message, { hint, cause: error });
      }
    }
    throw error;
  }
}

function withOtherCloudHint(error: JitError, cloud: CloudName): JitError {
  const other = CLOUDS.find((c) => c !== cloud) ?? cloud;
  const hint = `${error.hint ? `${error.hint} ` : ''}Looked on ${cloud}; if the VM is on ${other}, pass --cloud ${other}.`;
  return new ProviderError('JIT_TARGET_NOT_FOUND', error.message, { hint, cause: error.cause ?? error, ...(error.details ? { details: error.details } : {}) });
}

/** For commands without a target (sweep, scan, status of everything): the cloud must be known. */
export async function onScope<T>(
  ctx: AppContext,
  what: string,
  body: (session: CloudSession) => Promise<T>,
): Promise<T> {
  const settings = await ctx.settings();
  const cloud = settings.cloud?.value as CloudName | undefined;
  if (!cloud) {
    throw new UserError('JIT_CLOUD_UNKNOWN', `${what} needs to know the cloud.`, {
      hint: 'Pass --cloud azure|aws, or set a default with `jit config set cloud azure`.',
    });
  }
  return withCloud(ctx, settings, cloud, body);
}

/** The flags of a grant-making command (request, ssh), validated. */
export interface GrantFlags {
  ports: PortRange[] | undefined;
  duration: number | undefined;
  source: Prefix | undefined;
  justification: string | undefined;
  dryRun: boolean;
}

/** What the grant lifecycle needs beyond the use cases' common dependencies. */
export async function requestDeps(session: CloudSession, shield?: Shield): Promise<RequestDeps> {
  const { ctx } = session;
  return {
    ...session.deps,
    ip: await ctx.ipDetector(),
    newGrantId: ctx.newGrantId,
    scheduler: ctx.scheduler,
    ...(shield ? { shield } : {}),
  };
}

export function grantInput(session: CloudSession, target: string | TargetInfo, flags: GrantFlags): OpenGrantInput {
  return { target, ...flags, defaultDuration: parseDuration(session.settings.duration.value, 'duration') };
}
