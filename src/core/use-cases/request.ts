/**
 * `jit request`: open the VM's policy ports (or some of them) for the caller's source, for a
 * bounded time. The grant is written to the local ledger before the cloud write and marked active
 * after it (SPEC §6.1), so a crash in between never loses track of an open rule.
 */
import { formatDuration } from '../duration.js';
import type { PortRange, Seconds } from '../model.js';
import { checkRequest } from '../policy.js';
import { formatPortRanges } from '../port-spec.js';
import type { ChangeReport, CloudGrant, GrantRecord, IpDetection, TargetInfo } from '../ports.js';
import { detectionWarnings, requireDetectedAddress } from '../ip-evidence.js';
import { hostPrefix, type Prefix } from '../prefix.js';
import type { RequestDeps } from './deps.js';
import { putGrant, updateGrant } from './ledger-ops.js';
import { requirePolicy } from './policy-of.js';

export interface RequestInput {
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
}

export interface RequestResult {
  grant: GrantRecord;
  target: TargetInfo;
  /** True when an active grant for the same ports and source was extended instead of a new one made. */
  extended: boolean;
  report: ChangeReport;
  warnings: string[];
}

function samePorts(a: PortRange[], b: PortRange[]): boolean {
  return formatPortRanges([...a].sort(byRange)) === formatPortRanges([...b].sort(byRange));
}
function byRange(x: PortRange, y: PortRange): number {
  return x.from - y.from || x.to - y.to || x.protocol.localeCompare(y.protocol);
}

/** The detected address to grant: IPv4 first (most VMs are reached over IPv4). */
async function sourceFromDetection(detection: Promise<IpDetection>, warnings: string[]): Promise<Prefix> {
  const found = await detection;
  warnings.push(...detectionWarnings(found));
  return hostPrefix(requireDetectedAddress(found).address);
}

export async function request(input: RequestInput, deps: RequestDeps): Promise<RequestResult> {
  const { provider, ledger, clock, progress } = deps;
  const warnings: string[] = [];
  progress.step('Resolving the VM, your identity and your public address…');
  // Independent look-ups go out together: target, identity, public IP (SPEC: no call waits on another needlessly).
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
    warnings.push(
      `The default duration ${formatDuration(duration)} is longer than ${target.name}'s policy allows; ` +
      `asking for ${formatDuration(policy.maxDuration)}.`,
    );
    duration = policy.maxDuration;
  }
  checkRequest(policy, { ports, duration, source, justification: input.justification });
  if (target.state !== undefined && !/running/i.test(target.state)) {
    warnings.push(`${target.name} is ${target.state}: access is granted, but it cannot answer until it runs.`);
  }

  const now = clock.now();
  let expiresAt = new Date(now.getTime() + duration * 1000);
  const existing = (await provider.listGrants(target)).find(
    (g: CloudGrant) => g.source === source.cidr && samePorts(g.ports, ports) && Date.parse(g.expiresAt) > now.getTime(),
  );
  // Repeating a request extends the grant; it never shortens one (the earlier request still stands).
  if (existing && Date.parse(existing.expiresAt) > expiresAt.getTime()) expiresAt = new Date(existing.expiresAt);
  const id = existing?.grantId ?? deps.newGrantId();
  const spec = {
    id,
    ports,
    source: source.cidr,
    requester,
    justification: input.justification,
    expiresAt: expiresAt.toISOString(),
  };
  const record: GrantRecord = {
    ...spec,
    cloud: provider.cloud,
    target: { id: target.id, name: target.name },
    scope: target.scope,
    createdAt: now.toISOString(),
    state: 'pending',
    rules: existing?.rules ?? [],
  };
  if (input.justification === undefined) delete record.justification;

  if (input.dryRun) {
    const report = await provider.openGrant(target, spec, { dryRun: true });
    return { grant: record, target, extended: existing !== undefined, report, warnings };
  }

  progress.step(existing ? `Extending grant ${id} on ${target.name}…` : `Opening ${formatPortRanges(ports)} on ${target.name} for ${source.cidr}…`);
  await putGrant(ledger, record);
  let opened: Awaited<ReturnType<typeof provider.openGrant>>;
  try {
    opened = await provider.openGrant(target, spec, { dryRun: false });
  } catch (error) {
    await updateGrant(ledger, id, {
      state: existing ? 'active' : 'failed',
      lastError: error instanceof Error ? error.message : String(error),
    }).catch(() => undefined);
    throw error;
  }
  const active: GrantRecord = { ...record, state: 'active', rules: opened.rules };
  await putGrant(ledger, active);
  return { grant: active, target, extended: existing !== undefined, report: opened, warnings };
}
