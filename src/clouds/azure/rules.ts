/**
 * jit's security rules on Azure: their names, their descriptions (the metadata `jit sweep` and
 * `jit status` read back from the cloud alone, docs/azure.md, "Names and descriptions"), their
 * bodies, and the translation between the SDK's SecurityRule and the core's NsgRule.
 *
 * Names (ARM: 1-80 characters, a letter or digit first, a letter, digit or `_` last, letters,
 * digits, `.`, `-`, `_` inside; Learn "resource-name-rules", Microsoft.Network securityRules):
 *   jit-deny-<vm>-<hash>                 the lock-down, one per protocol (and address family)
 *   jit-allow-<vm>-<grant-id>[-<proto>]  a grant; the suffix only when a grant needs several rules
 * `<vm>` is the VM name cut to 57 characters, so the longest allow name is exactly 80. `<hash>` is
 * 8 hex digits of SHA-256 over the VM's resource ID, protocol and family: two VMs of the same name
 * (in other resource groups) behind one subnet NSG never share a deny rule, and re-running enable
 * finds its own rules by name alone.
 *
 * Descriptions (ARM: at most 140 characters), version first, the requester last so that only it is
 * ever cut:
 *   jit:v1 g=k3v9x2ab exp=20261121T140500Z by=alice@example.com
 *   jit:v1 deny vm=vm01
 * The expiry is UTC to the second, rounded down: the cloud record never claims more than was granted.
 */
import { createHash } from 'node:crypto';
import type { PortRange, Protocol } from '../../core/model.js';
import { parseRulePortRange } from '../../core/nsg/match.js';
import type { NsgAccess, NsgDirection, NsgProtocol, NsgRule } from '../../core/nsg/types.js';
import type { SecurityRule } from './arm-api.js';

const RULE_NAME_MAX = 80;
const DESCRIPTION_MAX = 140;
/** 80 − "jit-allow-" − "-" − 8 (grant id) − "-udp". */
const VM_PART_MAX = RULE_NAME_MAX - 10 - 1 - 8 - 4;
const FORMAT = 'jit:v1';

const DENY_PREFIX = 'jit-deny-';
const ALLOW_PREFIX = 'jit-allow-';

export type Family = 4 | 6;

/** The VM name as it appears inside rule names: cut to fit, any character ARM refuses replaced. */
function vmPart(vmName: string): string {
  return vmName.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, VM_PART_MAX);
}

const protocolSuffix = (protocol: Protocol) => (protocol === '*' ? 'any' : protocol);

export function denyRuleName(vm: { id: string; name: string }, protocol: Protocol, family: Family): string {
  const hash = createHash('sha256').update(`${vm.id.toLowerCase()}|${protocol}|${family}`).digest('hex').slice(0, 8);
  return `${DENY_PREFIX}${vmPart(vm.name)}-${hash}`;
}

/** Every deny name enable could have written for this VM, whatever the policy was then. */
export function allDenyRuleNames(vm: { id: string; name: string }): Set<string> {
  const names = new Set<string>();
  for (const protocol of ['tcp', 'udp', '*'] as const) {
    for (const family of [4, 6] as const) names.add(denyRuleName(vm, protocol, family).toLowerCase());
  }
  return names;
}

/** `multi`: the grant needs more than one rule (several protocols), so each name says which. */
export function allowRuleName(vmName: string, grantId: string, protocol: Protocol, multi: boolean): string {
  return `${ALLOW_PREFIX}${vmPart(vmName)}-${grantId}${multi ? `-${protocolSuffix(protocol)}` : ''}`;
}

export function allowRulePrefix(vmName: string): string {
  return `${ALLOW_PREFIX}${vmPart(vmName)}-`.toLowerCase();
}

/** The VM name an allow rule's name carries (cut to 57 characters, as written). */
export function vmNameOfAllowRule(name: string): string {
  return /^jit-allow-(.+)-[0-9a-z]{8}(?:-(?:tcp|udp|any))?$/i.exec(name)?.[1] ?? '';
}

export function isAllowRuleName(name: string | undefined): boolean {
  return name !== undefined && name.toLowerCase().startsWith(ALLOW_PREFIX);
}

// ---- descriptions -----------------------------------------------------------------------------

export interface GrantMetadata {
  grantId: string;
  /** ISO 8601 UTC, whole seconds. */
  expiresAt: string;
  requester: string;
}

function compactUtc(iso: string): string {
  return new Date(iso).toISOString().slice(0, 19).replace(/[-:]/g, '') + 'Z';
}

export function grantDescription(meta: GrantMetadata): string {
  return `${FORMAT} g=${meta.grantId} exp=${compactUtc(meta.expiresAt)} by=${meta.requester}`.slice(0, DESCRIPTION_MAX);
}

const GRANT_DESCRIPTION = /^jit:v1 g=([0-9a-z]{8}) exp=(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z by=(.*)$/;

export function parseGrantDescription(description: string | undefined): GrantMetadata | undefined {
  const match = GRANT_DESCRIPTION.exec(description ?? '');
  if (!match) return undefined;
  const [, grantId = '', y, mo, d, h, mi, s, requester = ''] = match;
  const expiresAt = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
  if (Number.isNaN(expiresAt.getTime())) return undefined;
  return { grantId, expiresAt: expiresAt.toISOString(), requester };
}

export function denyDescription(vmName: string): string {
  return `${FORMAT} deny vm=${vmName}`.slice(0, DESCRIPTION_MAX);
}

// ---- bodies and translation -------------------------------------------------------------------

const TO_NSG_PROTOCOL: Record<Protocol, NsgProtocol> = { tcp: 'Tcp', udp: 'Udp', '*': '*' };
const NSG_PROTOCOLS: readonly string[] = ['Tcp', 'Udp', 'Icmp', 'Esp', 'Ah', '*'];

function portEntry(range: PortRange): string {
  return range.from === range.to ? `${range.from}` : `${range.from}-${range.to}`;
}

/** Policy or grant ports grouped by protocol, in a stable order (tcp, udp, *): one rule per group. */
export function byProtocol(ports: readonly PortRange[]): { protocol: Protocol; ports: PortRange[] }[] {
  return (['tcp', 'udp', '*'] as const)
    .map((protocol) => ({ protocol, ports: ports.filter((port) => port.protocol === protocol) }))
    .filter((group) => group.ports.length > 0);
}

export interface RuleSpec {
  name: string;
  priority: number;
  access: NsgAccess;
  protocol: Protocol;
  /** `*` or a CIDR. */
  source: string;
  destinations: readonly string[];
  ports: readonly PortRange[];
  description: string;
}

/**
 * The rule as PUT. Singular and plural fields are never both set: ARM refuses a prefix beside a
 * non-empty prefix list (Azure/azure-rest-api-specs#1591), and several ports or addresses need the
 * augmented (plural) form.
 */
export function ruleBody(spec: RuleSpec): SecurityRule & NsgRule {
  const ports = spec.ports.map(portEntry);
  return {
    name: spec.name,
    priority: spec.priority,
    direction: 'Inbound',
    access: spec.access,
    protocol: TO_NSG_PROTOCOL[spec.protocol],
    sourceAddressPrefix: spec.source,
    sourcePortRange: '*',
    ...(spec.destinations.length === 1
      ? { destinationAddressPrefix: spec.destinations[0] }
      : { destinationAddressPrefixes: [...spec.destinations] }),
    ...(ports.length === 1 ? { destinationPortRange: ports[0] } : { destinationPortRanges: ports }),
    description: spec.description,
  };
}

/** The core's view of an SDK rule; undefined for a rule missing what evaluation needs. */
export function toNsgRule(rule: SecurityRule): NsgRule | undefined {
  const { name, priority, direction, access, protocol } = rule;
  if (name === undefined || typeof priority !== 'number') return undefined;
  if (direction !== 'Inbound' && direction !== 'Outbound') return undefined;
  if (access !== 'Allow' && access !== 'Deny') return undefined;
  const nsgProtocol = NSG_PROTOCOLS.find((p) => p.toLowerCase() === protocol?.toLowerCase());
  if (nsgProtocol === undefined) return undefined;
  return {
    ...rule,
    name,
    priority,
    direction: direction as NsgDirection,
    access,
    protocol: nsgProtocol as NsgProtocol,
  };
}

/** The writable fields of an existing rule, to put it back exactly as it was (rollback). */
export function writableCopy(rule: SecurityRule): SecurityRule {
  const copy: SecurityRule = {};
  const keys = [
    'description',
    'protocol',
    'sourcePortRange',
    'destinationPortRange',
    'sourceAddressPrefix',
    'destinationAddressPrefix',
    'access',
    'priority',
    'direction',
  ] as const;
  // An empty singular beside a plural list would read as both set, which ARM refuses.
  for (const key of keys) if (rule[key] !== undefined && rule[key] !== '') Object.assign(copy, { [key]: rule[key] });
  const lists = [
    'sourceAddressPrefixes',
    'destinationAddressPrefixes',
    'sourcePortRanges',
    'destinationPortRanges',
  ] as const;
  for (const key of lists) if ((rule[key] ?? []).length > 0) copy[key] = [...(rule[key] ?? [])];
  for (const key of ['sourceApplicationSecurityGroups', 'destinationApplicationSecurityGroups'] as const) {
    const groups = rule[key] ?? [];
    if (groups.length > 0) copy[key] = groups.map((group) => ({ id: group.id }));
  }
  return copy;
}

function entries(single: string | undefined, list: string[] | undefined): string[] {
  const all = [...(single !== undefined && single !== '' ? [single] : []), ...(list ?? [])];
  return all.map((entry) => entry.toLowerCase()).sort();
}

/** Whether two rules say the same thing (what ARM stores, ignoring ids, etags and states). */
export function sameRule(a: SecurityRule, b: SecurityRule): boolean {
  const shape = (rule: SecurityRule) =>
    JSON.stringify([
      rule.priority,
      rule.direction,
      rule.access,
      rule.protocol?.toLowerCase(),
      entries(rule.sourceAddressPrefix, rule.sourceAddressPrefixes),
      entries(rule.destinationAddressPrefix, rule.destinationAddressPrefixes),
      entries(rule.sourcePortRange, rule.sourcePortRanges),
      entries(rule.destinationPortRange, rule.destinationPortRanges),
      rule.description ?? '',
    ]);
  return shape(a) === shape(b);
}

/** One line for a change report: "jit-deny-vm01-1a2b3c4d prio 4096 Deny Tcp 22 from * to 10.0.0.4". */
export function ruleSummary(rule: SecurityRule): string {
  const list = (single: string | undefined, many: string[] | undefined) =>
    [...(single ? [single] : []), ...(many ?? [])].join(',') || '?';
  return [
    rule.name,
    `prio ${rule.priority}`,
    rule.access,
    rule.protocol,
    list(rule.destinationPortRange, rule.destinationPortRanges),
    'from',
    list(rule.sourceAddressPrefix, rule.sourceAddressPrefixes),
    'to',
    list(rule.destinationAddressPrefix, rule.destinationAddressPrefixes),
  ].join(' ');
}

/** The policy ports a jit rule opens or closes, read back from the rule. */
export function rulePorts(rule: SecurityRule): PortRange[] {
  const protocol = (rule.protocol?.toLowerCase() ?? '*') as string;
  const normalized: Protocol = protocol === 'tcp' || protocol === 'udp' ? protocol : '*';
  const all = [rule.destinationPortRange, ...(rule.destinationPortRanges ?? [])];
  const list = all.filter((entry): entry is string => !!entry);
  return list.flatMap((entry) => {
    const span = parseRulePortRange(entry);
    return span ? [{ ...span, protocol: normalized }] : [];
  });
}

/** The addresses a rule's destination lists (addresses and prefixes as written). */
export function ruleDestinations(rule: SecurityRule): string[] {
  const all = [rule.destinationAddressPrefix, ...(rule.destinationAddressPrefixes ?? [])];
  return all.filter((entry): entry is string => !!entry);
}

export function ruleSource(rule: SecurityRule): string | undefined {
  return rule.sourceAddressPrefix || rule.sourceAddressPrefixes?.[0];
}
