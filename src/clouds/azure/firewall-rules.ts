/**
 * jit's DNAT rules on an Azure Firewall (docs/azure-firewall.md): names, references, and one view of a
 * NAT rule whether it sits in a classic collection or in a Firewall Policy's rule collection group.
 *
 * Names (ARM naming rules as for security rules, rules.ts): `jit-dnat-<vm>-<grant-id>-<port>`, one
 * rule per granted port, since a DNAT rule translates one port. `<vm>` is cut to 56 characters so the
 * longest name is 80. The description is the NSG grant description (rules.ts `grantDescription`):
 * grant id, expiry, requester, so sweep and status read grants back from the firewall alone.
 *
 * jit's rules live in a collection of its own, `jit-access-dnat`: on the firewall for classic rules, or
 * in the rule collection group `jit-access` of the policy. jit never writes anywhere else.
 */
import type { Protocol } from '../../core/model.js';
import type { AzureFirewall, FirewallPolicyNatRuleCollection, FirewallPolicyRuleCollectionGroup } from './arm-api.js';
import { tryParseArmId } from './arm-id.js';

export const JIT_COLLECTION = 'jit-access-dnat';
export const JIT_GROUP = 'jit-access';
const DNAT_PREFIX = 'jit-dnat-';
const VM_PART_MAX = 80 - DNAT_PREFIX.length - 1 - 8 - 1 - 5;

/** A grant's DNAT rule as kept in CloudGrant.rules and the ledger. */
export interface FirewallRuleRef {
  /** The firewall's resource ID. */
  firewall: string;
  /** The Firewall Policy's resource ID when the firewall is governed by one (the rule is in its `jit-access` group). */
  policy?: string;
  name: string;
}

/** One DNAT rule, classic or policy, with where it lives. */
export interface NatRuleView {
  /** Rule collection group (policy) and collection it lives in. */
  group?: string;
  collection: string;
  name: string;
  description: string;
  sources: string[];
  /** The firewall address it listens on (one, as Azure requires) and its port. */
  destination: string;
  port: number;
  protocols: string[];
  translatedAddress: string;
  translatedPort: number;
}

const lower = (text: string | undefined) => (text ?? '').toLowerCase();

function vmPart(vmName: string): string {
  return vmName.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, VM_PART_MAX);
}

export function dnatRuleName(vmName: string, grantId: string, port: number): string {
  return `${DNAT_PREFIX}${vmPart(vmName)}-${grantId}-${port}`;
}

export function dnatRulePrefix(vmName: string): string {
  return `${DNAT_PREFIX}${vmPart(vmName)}-`.toLowerCase();
}

function isDnatRuleName(name: string | undefined): boolean {
  return lower(name).startsWith(DNAT_PREFIX);
}

/** The VM name a jit DNAT rule's name carries (cut as written). */
export function vmNameOfDnatRule(name: string): string {
  return /^jit-dnat-(.+)-[0-9a-z]{8}-\d{1,5}$/i.exec(name)?.[1] ?? '';
}

/** Firewall references of a grant, keeping only names jit gives its DNAT rules, whatever a ledger file says. */
export function parseFirewallRefs(rules: unknown[]): FirewallRuleRef[] {
  return rules.flatMap((rule) => {
    const { firewall, policy, name } = (rule ?? {}) as Partial<FirewallRuleRef>;
    if (typeof firewall !== 'string' || typeof name !== 'string' || !isDnatRuleName(name) || !tryParseArmId(firewall)) return [];
    if (policy !== undefined && (typeof policy !== 'string' || !tryParseArmId(policy))) return [];
    return [{ firewall, ...(policy ? { policy } : {}), name }];
  });
}

/** The firewall protocols of a grant port's protocol. */
export function natProtocols(protocol: Protocol): ('TCP' | 'UDP')[] {
  return protocol === 'tcp' ? ['TCP'] : protocol === 'udp' ? ['UDP'] : ['TCP', 'UDP'];
}

export function protocolOfNat(protocols: string[]): Protocol {
  const set = new Set(protocols.map((p) => p.toUpperCase()));
  return set.has('TCP') && set.has('UDP') ? '*' : set.has('UDP') ? 'udp' : 'tcp';
}

function natView(
  rule: Record<string, unknown>,
  collection: string,
  group: string | undefined,
  protocolsKey: string,
): NatRuleView | undefined {
  const list = (value: unknown) => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
  const destinations = list(rule.destinationAddresses);
  const ports = list(rule.destinationPorts);
  const port = Number(ports[0]);
  const translatedPort = Number(rule.translatedPort);
  if (typeof rule.name !== 'string' || destinations.length !== 1 || ports.length !== 1) return undefined;
  if (!Number.isInteger(port) || !Number.isInteger(translatedPort)) return undefined;
  return {
    ...(group !== undefined ? { group } : {}),
    collection,
    name: rule.name,
    description: typeof rule.description === 'string' ? rule.description : '',
    sources: list(rule.sourceAddresses),
    destination: destinations[0]!,
    port,
    protocols: list(rule[protocolsKey]),
    translatedAddress: typeof rule.translatedAddress === 'string' ? rule.translatedAddress : '',
    translatedPort,
  };
}

/** Every DNAT rule of a classic firewall. */
export function classicNatRules(firewall: AzureFirewall): NatRuleView[] {
  return (firewall.natRuleCollections ?? []).flatMap((collection) =>
    lower(collection.action?.type) !== 'dnat'
      ? []
      : (collection.rules ?? []).flatMap((rule) => {
          const view = natView(rule as Record<string, unknown>, collection.name ?? '', undefined, 'protocols');
          return view ? [view] : [];
        }),
  );
}

/** Every DNAT rule of some rule collection groups of a policy. */
export function policyNatRules(groups: FirewallPolicyRuleCollectionGroup[]): NatRuleView[] {
  return groups.flatMap((group) =>
    (group.ruleCollections ?? []).flatMap((collection) => {
      if (collection.ruleCollectionType !== 'FirewallPolicyNatRuleCollection') return [];
      return ((collection as FirewallPolicyNatRuleCollection).rules ?? []).flatMap((rule) => {
        if (rule.ruleType !== 'NatRule') return [];
        const view = natView(rule as unknown as Record<string, unknown>, collection.name ?? '', group.name ?? '', 'ipProtocols');
        return view ? [view] : [];
      });
    }),
  );
}

/** Whether a NAT rule is one of jit's: in jit's own collection (and group), with a jit name. */
export function isJitNatRule(rule: NatRuleView): boolean {
  const inOwnGroup = rule.group === undefined || lower(rule.group) === JIT_GROUP;
  const inOwnPlace = lower(rule.collection) === JIT_COLLECTION && inOwnGroup;
  return inOwnPlace && isDnatRuleName(rule.name);
}

/** Sources that let the whole internet in through a DNAT rule. */
export function isBroadSource(source: string): boolean {
  return ['*', 'internet', 'any', '0.0.0.0/0', '::/0', '0.0.0.0/0.0.0.0'].includes(lower(source.trim()));
}
