/**
 * The grant lifecycle: the one place where a grant is opened, extended and closed. `request`,
 * `request -- CMD`, `jit ssh`, `revoke`, `sweep`, `disable`, the reaper and the scheduler all come
 * through here, so the promise that no rule outlives its grant is kept by one piece of code.
 *
 * Opening, in this order (docs/expiry.md):
 *   1. the ledger records the grant as `pending` (for an extension: still with its old expiry);
 *   2. the detached scheduler is made sure of, so a jit killed from here on leaves a grant that a
 *      scheduler will close;
 *   3. the cloud write;
 *   4. the ledger records the grant `active` with its rules and expiry.
 * Interrupts (Ctrl-C, SIGTERM, SIGHUP) are held back from step 1 to step 4 (`deps.shield`). A write
 * that fails, or whose outcome is unknown (a lost reply, a rollback that could not finish), leaves
 * the grant `failed`: still tracked, and closed by its grant id from the cloud's metadata at once.
 */
import { formatDuration } from './duration.js';
import type { ErrorCodeFor, Notice, WarningCode } from './codes.js';
import { JitError, ProviderError } from './errors.js';
import { exceptionSources, grantProblem, isDue } from './grant-trust.js';
import { detectionWarnings, requireDetectedAddress } from './ip-evidence.js';
import type { CloudName, PortRange, Seconds } from './model.js';
import { checkRequest } from './policy.js';
import { formatPortRanges } from './port-spec.js';
import type {
  ChangeReport,
  CloseGrantsOptions,
  CloudGrant,
  CloudProvider,
  GrantRecord,
  GrantStore,
  IpDetection,
  Progress,
  TargetInfo,
} from './ports.js';
import { hostPrefix, type Prefix } from './prefix.js';
import type { RequestDeps, UseCaseDeps } from './use-cases/deps.js';
import { requirePolicy } from './use-cases/policy-of.js';

// ---- the ledger -------------------------------------------------------------------------------

function putGrant(ledger: GrantStore, record: GrantRecord): Promise<void> {
  return ledger.transact((grants) => ({
    grants: [...grants.filter((g) => g.id !== record.id), record],
    result: undefined,
  }));
}

/** Applies `change` to the grant with `id` if the ledger has it; a grant made elsewhere is not added. */
export function updateGrant(ledger: GrantStore, id: string, change: Partial<GrantRecord>): Promise<boolean> {
  return ledger.transact((grants) => {
    const found = grants.some((g) => g.id === id);
    return { grants: grants.map((g) => (g.id === id ? { ...g, ...change } : g)), result: found };
  });
}

/**
 * Grants whose rules may exist in the cloud: active ones, pending ones (their request may have died
 * after the cloud write), and failed ones (the write failed half-way or its reply was lost).
 */
export function isOpen(grant: GrantRecord): boolean {
  return grant.state === 'active' || grant.state === 'pending' || grant.state === 'failed';
}

/** When the scheduler or the reaper closes a grant: at expiry, or at once for a failed write. */
export function dueAt(grant: GrantRecord): number {
  return grant.state === 'failed' ? Date.parse(grant.createdAt) : Date.parse(grant.expiresAt);
}

/**
 * Marks a closed grant revoked, but only if it still has the expiry that was acted on: a grant
 * extended in the meantime belongs to the newer request.
 */
export function markRevoked(ledger: GrantStore, grant: GrantRecord): Promise<void> {
  return ledger.transact((grants) => ({
    grants: grants.map((g) =>
      g.id === grant.id && g.expiresAt === grant.expiresAt && g.state !== 'revoked' ? { ...g, state: 'revoked' as const } : g,
    ),
    result: undefined,
  }));
}

function cloudGrantOf(grant: GrantRecord): CloudGrant {
  return {
    grantId: grant.id,
    target: grant.target,
    scope: grant.scope,
    source: grant.source,
    ports: grant.ports,
    expiresAt: grant.expiresAt,
    requester: grant.requester,
    rules: grant.rules,
  };
}

/**
 * Whether a grant's recorded requester is `me`. Clouds cut long identities to fit their metadata
 * (an Azure rule description leaves 97 characters for it), so a recorded name of at least 90
 * characters that begins my own counts as mine; shorter names must match exactly.
 */
export function isRequester(recorded: string, me: string): boolean {
  return recorded === me || (recorded.length >= 90 && me.startsWith(recorded));
}

// ---- closing ----------------------------------------------------------------------------------

export interface ClosedGrant {
  grant: CloudGrant;
  report: ChangeReport;
}

/** "42/300 rules removed": what a terminal shows while a long close runs (nothing with --json). */
function removalProgress(progress: Progress | undefined, dryRun: boolean): CloseGrantsOptions['progress'] {
  if (!progress || dryRun) return undefined;
  return (removed, total) => progress.step(`${removed}/${total} rule${total === 1 ? '' : 's'} removed…`);
}

/**
 * Closes the grants and records them; one failure does not stop the others (a sweep removes what
 * it can). A provider that closes in bulk (`closeGrants`: one read, a few writes per group or NSG)
 * is used when it has it; otherwise one closeGrant per grant. The ledger is written once for all.
 */
export async function closeGrants(
  grants: CloudGrant[],
  dryRun: boolean,
  { provider, ledger, progress }: Pick<UseCaseDeps, 'provider' | 'ledger'> & { progress?: Progress },
): Promise<{ closed: ClosedGrant[]; failed: { grant: CloudGrant; error: unknown }[] }> {
  const closed: ClosedGrant[] = [];
  const failed: { grant: CloudGrant; error: unknown }[] = [];
  if (grants.length === 0) return { closed, failed };
  const onProgress = removalProgress(progress, dryRun);
  if (provider.closeGrants) {
    const outcomes = await provider.closeGrants(grants, { dryRun, ...(onProgress ? { progress: onProgress } : {}) });
    for (const outcome of outcomes) {
      if ('report' in outcome) closed.push(outcome);
      else failed.push(outcome);
    }
  } else {
    const total = grants.reduce((sum, g) => sum + g.rules.length, 0);
    let removed = 0;
    for (const grant of grants) {
      try {
        closed.push({ grant, report: await provider.closeGrant(grant, { dryRun }) });
        removed += grant.rules.length;
        onProgress?.(removed, total);
      } catch (error) {
        failed.push({ grant, error });
      }
    }
  }
  if (dryRun || closed.length === 0) return { closed, failed };
  const ids = new Set(closed.map((c) => c.grant.grantId));
  try {
    await ledger.transact((records) => ({
      grants: records.map((g) => (ids.has(g.id) ? { ...g, state: 'revoked' as const } : g)),
      result: undefined,
    }));
  } catch (error) {
    // The rules are gone but the ledger could not say so: reported, as a failed close would be.
    return { closed: [], failed: [...failed, ...closed.map(({ grant }) => ({ grant, error }))] };
  }
  return { closed, failed };
}

/**
 * Throws for the first grant that could not be closed: its own JitError as it was, or a
 * ProviderError with `code` naming the grant and how many more failed. `after` ends the message.
 */
export function throwFirstFailure(failed: { grant: CloudGrant; error: unknown }[], code: ErrorCodeFor<1>, after = ''): void {
  const first = failed[0];
  if (!first) return;
  if (first.error instanceof JitError) throw first.error;
  const more = failed.length > 1 ? ` (and ${failed.length - 1} more)` : '';
  throw new ProviderError(code, `Could not revoke grant ${first.grant.grantId}${more}${after}.`, { cause: first.error });
}

/**
 * Removes the rules of a grant the local ledger knows (the scheduler, the reaper, `-- CMD`), with
 * the provider of the grant's own scope; no ledger write. A grant whose write may have happened
 * without the ledger learning its rules (pending, failed) is looked up by its grant id in the
 * cloud's metadata, and what the cloud shows is closed along with what the ledger names.
 */
export async function closeRecordedInCloud(provider: CloudProvider, grant: GrantRecord): Promise<void> {
  let cloudGrant = cloudGrantOf(grant);
  if (grant.state !== 'active' || grant.rules.length === 0) {
    const target = await provider.resolveTarget(grant.target.id);
    const found = (await provider.listGrants(target)).find((g) => g.grantId === grant.id);
    if (!found && grant.rules.length === 0) return; // the cloud write never happened
    if (found) cloudGrant = { ...found, rules: [...found.rules, ...grant.rules] };
  }
  await provider.closeGrant(cloudGrant, { dryRun: false });
}

export async function closeRecordedGrant(
  provider: CloudProvider,
  ledger: GrantStore,
  grant: GrantRecord,
): Promise<void> {
  await closeRecordedInCloud(provider, grant);
  await markRevoked(ledger, grant);
}

// ---- opening ----------------------------------------------------------------------------------

export interface OpenGrantInput {
  /** What the user named, or a target already resolved (jit ssh needs its address first). */
  target: string | TargetInfo;
  /** Explicit --port; absent means every port of the policy. */
  ports?: PortRange[];
  /** Explicit --duration: refused (exit 3) when longer than the policy allows. */
  duration?: Seconds;
  /** The configured default, used when --duration is absent; capped at the policy's maximum. */
  defaultDuration: Seconds;
  source?: Prefix;
  justification?: string;
  dryRun: boolean;
  /**
   * `request -- CMD` and `jit ssh`: a live grant for the same ports and source is used as it is
   * (not extended, and not closed afterwards); otherwise a new one is made.
   */
  reuse?: boolean;
}

/**
 * created: a new grant · extended: an existing grant now lasts longer · unchanged: an existing
 * grant already lasts at least as long, nothing was written · reused: an existing grant is used
 * as it is (`-- CMD`, `ssh`).
 */
type GrantOutcome = 'created' | 'extended' | 'unchanged' | 'reused';

export interface OpenedGrant {
  grant: GrantRecord;
  target: TargetInfo;
  outcome: GrantOutcome;
  report: ChangeReport;
  warnings: Notice<WarningCode>[];
}

function samePorts(a: PortRange[], b: PortRange[]): boolean {
  return formatPortRanges([...a].sort(byRange)) === formatPortRanges([...b].sort(byRange));
}
function byRange(x: PortRange, y: PortRange): number {
  return x.from - y.from || x.to - y.to || x.protocol.localeCompare(y.protocol);
}

/** The detected address to grant: IPv4 first (most VMs are reached over IPv4). */
async function sourceFromDetection(detection: Promise<IpDetection>, warnings: Notice<WarningCode>[]): Promise<Prefix> {
  const found = await detection;
  warnings.push(...detectionWarnings(found));
  return hostPrefix(requireDetectedAddress(found).address);
}

/** A grant found in the cloud's metadata, as the ledger records an active one. */
export function recordOf(grant: CloudGrant, cloud: CloudName, createdAt: string): GrantRecord {
  return {
    id: grant.grantId,
    cloud,
    target: grant.target,
    scope: grant.scope,
    ports: grant.ports,
    source: grant.source,
    requester: grant.requester,
    createdAt,
    expiresAt: grant.expiresAt,
    state: 'active',
    rules: grant.rules,
    ...(grant.endpoints ? { endpoints: grant.endpoints } : {}),
  };
}

export async function openGrant(input: OpenGrantInput, deps: RequestDeps): Promise<OpenedGrant> {
  const { provider, ledger, clock, progress } = deps;
  const warnings: Notice<WarningCode>[] = [];
  progress.step('Resolving the VM, your identity and your public address…');
  // Independent look-ups go out together: target, identity, public IP.
  const detection = input.source ? undefined : deps.ip.detect();
  detection?.catch(() => undefined); // settled below; avoids an unhandled rejection if resolution fails first
  const [target, requester, source] = await Promise.all([
    typeof input.target === 'string' ? provider.resolveTarget(input.target) : Promise.resolve(input.target),
    provider.whoami(),
    input.source ? Promise.resolve(input.source) : sourceFromDetection(detection!, warnings),
  ]);
  const policy = requirePolicy(target);
  const ports = input.ports ?? policy.ports;
  let duration = input.duration ?? input.defaultDuration;
  if (input.duration === undefined && duration > policy.maxDuration) {
    warnings.push({
      code: 'JIT_DURATION_CAPPED',
      message:
        `The default duration ${formatDuration(duration)} is longer than ${target.name}'s policy allows; ` +
        `asking for ${formatDuration(policy.maxDuration)}.`,
    });
    duration = policy.maxDuration;
  }
  checkRequest(policy, { ports, duration, source, justification: input.justification });
  if (target.state !== undefined && !/running/i.test(target.state)) {
    warnings.push({
      code: 'JIT_TARGET_NOT_RUNNING',
      message: `${target.name} is ${target.state}: access is granted, but it cannot answer until it runs.`,
    });
  }

  const now = clock.now();
  const wanted = new Date(now.getTime() + duration * 1000);
  const same = (await provider.listGrants(target)).filter((g) => g.source === source.cidr && samePorts(g.ports, ports));
  // Only a grant jit could have written is extended or reused; an expired one, or one with an
  // expiry no grant can have (forged metadata), is closed and replaced (EC2 refuses a second
  // identical rule, and a forged expiry must never be adopted).
  const live = same.find((g) => !isDue(g, now, policy) && grantProblem(g, now, policy) === undefined);
  const stale = same.filter((g) => g !== live && isDue(g, now, policy));
  for (const g of stale) {
    const problem = grantProblem(g, now, policy);
    if (problem) {
      warnings.push({
        code: 'JIT_GRANT_UNTRUSTED',
        message: `Rule(s) of grant ${g.grantId} on ${target.name} are not trusted (${problem}); replacing them.`,
      });
    }
  }

  if (live && (input.reuse || Date.parse(live.expiresAt) >= wanted.getTime())) {
    const known = await ledger.get(live.grantId).catch(() => undefined);
    // The ledger's copy when it is this grant as the cloud has it (EC2 keeps whole seconds).
    const same = known && Math.abs(Date.parse(known.expiresAt) - Date.parse(live.expiresAt)) < 1000;
    const grant = same ? known : recordOf(live, provider.cloud, now.toISOString());
    return {
      grant,
      target,
      outcome: input.reuse ? 'reused' : 'unchanged',
      report: { changes: [], applied: !input.dryRun, notes: [] },
      warnings,
    };
  }

  const id = live?.grantId ?? deps.newGrantId();
  const expiresAt = wanted.toISOString();
  const spec = { id, ports, source: source.cidr, requester, justification: input.justification, expiresAt };
  const record: GrantRecord = {
    ...spec,
    cloud: provider.cloud,
    target: { id: target.id, name: target.name },
    scope: target.scope,
    createdAt: now.toISOString(),
    state: 'pending',
    rules: live?.rules ?? [],
  };
  if (input.justification === undefined) delete record.justification;
  const outcome: GrantOutcome = live ? 'extended' : 'created';

  if (input.dryRun) {
    const report = await provider.openGrant(target, spec, { dryRun: true });
    return { grant: record, target, outcome, report, warnings };
  }

  progress.step(live ? `Extending grant ${id} on ${target.name}…` : `Opening ${formatPortRanges(ports)} on ${target.name} for ${source.cidr}…`);
  const shield = deps.shield ?? ((work) => work());
  const opened = await shield(async () => {
    // An extension is recorded with its old expiry until the cloud has the new one: killed in
    // between, jit loses the extension, never a closing time.
    await putGrant(ledger, live ? { ...record, expiresAt: live.expiresAt } : record);
    try {
      await deps.scheduler.ensure();
      if (stale.length > 0) throwFirstFailure((await closeGrants(stale, false, deps)).failed, 'JIT_REVOKE_FAILED');
      const written = await provider.openGrant(target, spec, { dryRun: false });
      const active: GrantRecord = {
        ...record,
        state: 'active',
        rules: written.rules,
        ...(written.endpoints ? { endpoints: written.endpoints } : {}),
      };
      await putGrant(ledger, active);
      return { grant: active, report: written };
    } catch (error) {
      const lastError = error instanceof Error ? error.message : String(error);
      // A failed extension keeps the grant as it was; a failed new grant stays tracked as failed,
      // and the scheduler closes whatever part of it reached the cloud.
      await updateGrant(ledger, id, live ? { state: 'active', expiresAt: live.expiresAt, lastError } : { state: 'failed', lastError })
        .catch(() => undefined);
      throw error;
    }
  });
  return { grant: opened.grant, target, outcome, report: opened.report, warnings };
}

// ---- open, run, close -------------------------------------------------------------------------

/**
 * `request -- CMD` and `jit ssh`: open (or reuse) a grant, run the command, and close the grant
 * when it ends, whatever way it ends, but only if this call opened it: a grant that existed before
 * is left exactly as it was.
 */
export async function runWhileOpen(
  input: Omit<OpenGrantInput, 'reuse' | 'dryRun'>,
  run: (opened: OpenedGrant) => Promise<number>,
  deps: RequestDeps,
): Promise<{ opened: OpenedGrant; code: number; closed: boolean }> {
  const opened = await openGrant({ ...input, dryRun: false, reuse: true }, deps);
  let code = 1;
  try {
    code = await run(opened);
  } finally {
    if (opened.outcome === 'created') await closeRecordedGrant(deps.provider, deps.ledger, opened.grant);
  }
  return { opened, code, closed: opened.outcome === 'created' };
}

// ---- what status trusts -----------------------------------------------------------------------

export interface JudgedGrant extends CloudGrant {
  /** Why the grant's metadata cannot be trusted as jit wrote it (null when it can). */
  problem: string | null;
}

export function judgeGrants(grants: CloudGrant[], now: Date, policy?: Parameters<typeof grantProblem>[2]): {
  grants: JudgedGrant[];
  exceptions: string[];
} {
  return {
    grants: grants.map((g) => ({ ...g, problem: grantProblem(g, now, policy) ?? null })),
    exceptions: exceptionSources(grants, now, policy),
  };
}
