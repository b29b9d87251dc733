/**
 * The one `--json` vocabulary (docs/json.md): every command builds its document from these, so a
 * grant, a policy, a port, a target or a time has the same shape wherever it appears.
 *
 * - a grant's id is always `grantId`, inside the grant object;
 * - keys are camelCase, including the scope's (`resourceGroup`, not the setting's `resource-group`);
 * - a policy is an object with its encoded tag beside its fields;
 * - ports are `{from, to, protocol}`;
 * - times are ISO 8601 UTC to the whole second (`2030-01-01T12:30:00Z`): durations are whole
 *   seconds and the clouds' metadata keeps no finer grain, so milliseconds would only differ
 *   between the ledger's copy and the cloud's;
 * - an optional value is present as `null`, never left out, so every key a schema names is there.
 *
 * Values from the cloud are passed as they are (terminalSafeJson escapes what a terminal acts on);
 * `detail` of a change and a grant's `rules` stay in the cloud's own field names.
 */
import type { Policy, PortRange } from '../../core/model.js';
import { encodePolicy } from '../../core/policy.js';
import type {
  ChangeReport,
  CloudGrant,
  GrantEndpoint,
  GrantRecord,
  PortExposure,
  ScanFinding,
  TargetInfo,
  TargetStatus,
} from '../../core/ports.js';
import type { GrantView } from '../../core/use-cases/status.js';

/** An ISO 8601 UTC time to the whole second; a value that is not a time is passed on as it is. */
function isoTime(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const camel = (key: string) => key.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** A scope's keys in camelCase: `{subscription, resourceGroup, azureCloud}` or `{account, region, profile}`. */
export function scopeJson(scope: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(scope).map(([key, value]) => [camel(key), value]));
}

function portJson(port: PortRange) {
  return { from: port.from, to: port.to, protocol: port.protocol };
}

export function policyJson(policy: Policy) {
  return {
    ports: policy.ports.map(portJson),
    maxDuration: policy.maxDuration,
    allowSources: policy.allowSources.map((prefix) => prefix.cidr),
    requireJustification: policy.requireJustification,
    tag: encodePolicy(policy),
  };
}

export function targetJson(target: TargetInfo) {
  return {
    cloud: target.cloud,
    id: target.id,
    name: target.name,
    scope: scopeJson(target.scope),
    privateAddresses: target.privateAddresses,
    publicAddresses: target.publicAddresses,
    natAddresses: target.natAddresses ?? [],
    policyTag: target.policyTag ?? null,
    state: target.state ?? null,
    adminUser: target.adminUser ?? null,
  };
}

function endpointJson(endpoint: GrantEndpoint) {
  return {
    address: endpoint.address,
    port: endpoint.port,
    targetAddress: endpoint.targetAddress,
    targetPort: endpoint.targetPort,
    protocol: endpoint.protocol,
    via: endpoint.via,
  };
}

/** A grant as the cloud's metadata shows it. */
export function cloudGrantJson(grant: CloudGrant) {
  return {
    grantId: grant.grantId,
    target: { id: grant.target.id, name: grant.target.name },
    scope: scopeJson(grant.scope),
    ports: grant.ports.map(portJson),
    source: grant.source,
    requester: grant.requester,
    expiresAt: isoTime(grant.expiresAt),
    rules: grant.rules,
    endpoints: (grant.endpoints ?? []).map(endpointJson),
  };
}

/** A grant as `status` and `list` show it: with its time left and why it is not trusted (or null). */
export function grantViewJson(grant: GrantView) {
  return { ...cloudGrantJson(grant), secondsLeft: grant.secondsLeft, problem: grant.problem };
}

/** The local ledger's record of a grant (`request`, `ssh`). */
export function grantRecordJson(grant: GrantRecord) {
  return {
    grantId: grant.id,
    cloud: grant.cloud,
    target: { id: grant.target.id, name: grant.target.name },
    scope: scopeJson(grant.scope),
    ports: grant.ports.map(portJson),
    source: grant.source,
    requester: grant.requester,
    justification: grant.justification ?? null,
    createdAt: isoTime(grant.createdAt),
    expiresAt: isoTime(grant.expiresAt),
    state: grant.state,
    rules: grant.rules,
    endpoints: (grant.endpoints ?? []).map(endpointJson),
    lastError: grant.lastError ?? null,
  };
}

/** A change report's fields; its `notes` become `JIT_PLAN_NOTE` entries of the document (output.ts). */
export function reportJson(report: ChangeReport) {
  return {
    changes: report.changes.map((change) => ({
      op: change.op,
      on: change.on,
      summary: change.summary,
      detail: change.detail ?? null,
    })),
    applied: report.applied,
    notes: report.notes,
  };
}

function exposureJson(exposure: PortExposure) {
  return { port: portJson(exposure.port), verdict: exposure.verdict, rules: exposure.rules, reason: exposure.reason };
}

function firewallJson(firewall: TargetStatus['firewall']) {
  if (!firewall) return null;
  return {
    name: firewall.name,
    publicAddresses: firewall.publicAddresses,
    paths: firewall.paths.map((path) => ({ ...endpointJson(path), source: path.source })),
  };
}

type StatusView = TargetStatus & { policy: Policy | undefined; effective: boolean; grants: GrantView[] };

export function statusJson(view: StatusView) {
  return {
    target: targetJson(view.target),
    policy: view.policy ? policyJson(view.policy) : null,
    lockedDown: view.lockedDown,
    effective: view.effective,
    exposure: view.exposure.map(exposureJson),
    firewall: firewallJson(view.firewall),
    grants: view.grants.map(grantViewJson),
  };
}

export function findingJson(finding: ScanFinding) {
  return {
    target: { id: finding.target.id, name: finding.target.name },
    scope: scopeJson(finding.scope),
    open: finding.open.map((o) => ({ port: { from: o.port, to: o.port, protocol: 'tcp' as const }, rules: o.rules })),
    managed: finding.managed,
  };
}
