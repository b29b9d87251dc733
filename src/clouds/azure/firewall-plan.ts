/**
 * Pure planning of jit's DNAT rules on an Azure Firewall (docs/azure-firewall.md): which port on the
 * firewall a grant gets, at what priority jit's collection (or rule collection group) sits, the new
 * contents of jit's collection after a grant is added or removed, and which user DNAT rules expose a
 * VM to the internet. Nothing here reads or writes Azure; firewall.ts does, and re-plans from a fresh
 * read whenever a write loses a race.
 */
import { ProviderError } from '../../core/errors.js';
import type { PortRange } from '../../core/model.js';
import type { GrantEndpoint, GrantSpec } from '../../core/ports.js';
import type { AzureFirewall, FirewallPolicyRuleCollectionGroup } from './arm-api.js';
import {
  dnatRuleName,
  isBroadSource,
  isJitNatRule,
  JIT_COLLECTION,
  natProtocols,
  type NatRuleView,
  protocolOfNat,
} from './firewall-rules.js';
import { grantDescription } from './rules.js';

/** Rule collection and group priorities Azure accepts (Learn "rule-processing"). */
const MIN_PRIORITY = 100;
const MAX_PRIORITY = 65_000;
/** Where a grant's port goes on the firewall when the VM's own port is taken there: the dynamic range. */
export const HIGH_PORTS = { from: 49_152, to: 65_535 } as const;

/** Where a client connects for one granted port: the firewall's address and port, and the VM's port. */
export type FirewallEndpoint = GrantEndpoint;

/**
 * The port a grant listens on: the VM's port when no other DNAT rule on that firewall address uses it,
 * else the lowest free port of the dynamic range. Undefined when every port is taken.
 */
export function choosePort(wanted: number, used: ReadonlySet<number>): number | undefined {
  if (!used.has(wanted)) return wanted;
  for (let port = HIGH_PORTS.from; port <= HIGH_PORTS.to; port++) if (!used.has(port)) return port;
  return undefined;
}

/** The lowest priority from MIN_PRIORITY no sibling collection (or group) has. */
export function freePriority(taken: readonly number[]): number | undefined {
  const set = new Set(taken);
  for (let priority = MIN_PRIORITY; priority <= MAX_PRIORITY; priority++) if (!set.has(priority)) return priority;
  return undefined;
}

/** Ports of a grant as single ports: a DNAT rule translates exactly one (Learn "tutorial-firewall-dnat"). */
function singlePorts(ports: readonly PortRange[], firewall: string): PortRange[] {
  const range = ports.find((port) => port.from !== port.to);
  if (range) {
    throw new ProviderError(
      'JIT_AZURE_FIREWALL_PORT_RANGE',
      `Port range ${range.from}-${range.to} cannot be granted through Azure Firewall ${firewall}: a DNAT rule translates one port. Nothing was changed.`,
      { hint: 'Ask for single ports: --port 22 (or --port 22,3389).' },
    );
  }
  return [...ports];
}

const sameAddress = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * jit's DNAT rules after a grant is opened (or extended): the other rules of jit's collection as they
 * are, this grant's rules with the new expiry. An extended grant keeps its ports on the firewall.
 * `all` is every DNAT rule of the firewall (every collection, every group), to find free ports.
 */
export function planGrant(input: {
  vmName: string;
  vmAddress: string;
  firewallName: string;
  firewallAddress: string;
  grant: GrantSpec;
  all: readonly NatRuleView[];
}): { rules: NatRuleView[]; endpoints: FirewallEndpoint[] } {
  const { grant, all } = input;
  const ports = singlePorts(grant.ports, input.firewallName);
  const ownNames = new Set(ports.map((port) => dnatRuleName(input.vmName, grant.id, port.from).toLowerCase()));
  const mine = (rule: NatRuleView) => isJitNatRule(rule) && ownNames.has(rule.name.toLowerCase());
  const used = new Set(
    all
      .filter((rule) => !mine(rule) && (rule.destination === '*' || sameAddress(rule.destination, input.firewallAddress)))
      .map((rule) => rule.port),
  );
  const description = grantDescription({ grantId: grant.id, expiresAt: grant.expiresAt, requester: grant.requester });
  const rules: NatRuleView[] = [];
  const endpoints: FirewallEndpoint[] = [];
  for (const port of ports) {
    const name = dnatRuleName(input.vmName, grant.id, port.from);
    const existing = all.find((rule) => mine(rule) && rule.name.toLowerCase() === name.toLowerCase());
    const chosen = existing?.port ?? choosePort(port.from, used);
    if (chosen === undefined) {
      throw new ProviderError(
        'JIT_AZURE_FIREWALL_NO_PORT',
        `Every port of ${input.firewallAddress} on Azure Firewall ${input.firewallName} is taken by a DNAT rule; nothing was changed.`,
      );
    }
    used.add(chosen);
    rules.push({
      collection: JIT_COLLECTION,
      name,
      description,
      sources: [grant.source],
      destination: input.firewallAddress,
      port: chosen,
      protocols: natProtocols(port.protocol),
      translatedAddress: input.vmAddress,
      translatedPort: port.from,
    });
    endpoints.push({
      address: input.firewallAddress,
      port: chosen,
      targetAddress: input.vmAddress,
      targetPort: port.from,
      protocol: port.protocol,
      via: input.firewallName,
    });
  }
  return { rules, endpoints };
}

/** jit's collection after `add` is written and `remove` (names, any case) are taken out. */
export function nextJitRules(
  current: readonly NatRuleView[],
  add: readonly NatRuleView[],
  remove: readonly string[],
): NatRuleView[] {
  const gone = new Set([...remove, ...add.map((rule) => rule.name)].map((name) => name.toLowerCase()));
  return [...current.filter((rule) => isJitNatRule(rule) && !gone.has(rule.name.toLowerCase())), ...add];
}

/** The endpoint a jit rule gives (for status). */
export function endpointOf(rule: NatRuleView, via: string): FirewallEndpoint {
  return {
    address: rule.destination,
    port: rule.port,
    targetAddress: rule.translatedAddress,
    targetPort: rule.translatedPort,
    protocol: protocolOfNat(rule.protocols),
    via,
  };
}

const classicRule = (rule: NatRuleView) => ({
  name: rule.name,
  description: rule.description,
  sourceAddresses: [...rule.sources],
  destinationAddresses: [rule.destination],
  destinationPorts: [String(rule.port)],
  protocols: rule.protocols as ('TCP' | 'UDP')[],
  translatedAddress: rule.translatedAddress,
  translatedPort: String(rule.translatedPort),
});

/**
 * The classic firewall as PUT: every collection as read, jit's collection replaced by `rules` (kept at
 * its priority, or placed at the lowest free one), and dropped when empty so that the firewall is again
 * exactly as it was before jit's first grant.
 */
export function firewallWithJitRules(firewall: AzureFirewall, rules: readonly NatRuleView[]): AzureFirewall {
  const collections = firewall.natRuleCollections ?? [];
  const own = collections.find((c) => c.name?.toLowerCase() === JIT_COLLECTION);
  const others = collections.filter((c) => c !== own);
  if (rules.length === 0) return { ...firewall, natRuleCollections: others };
  const priority = own?.priority ?? freePriority(others.map((c) => c.priority ?? 0));
  if (priority === undefined) {
    throw new ProviderError('JIT_AZURE_FIREWALL_NO_PRIORITY', `Azure Firewall ${firewall.name} has no free NAT rule collection priority for jit's collection ${JIT_COLLECTION}; nothing was changed.`);
  }
  const mine = { name: JIT_COLLECTION, priority, action: { type: 'Dnat' as const }, rules: rules.map(classicRule) };
  const next = own ? collections.map((c) => (c === own ? mine : c)) : [...collections, mine];
  return { ...firewall, natRuleCollections: next };
}

/** jit's rule collection group as PUT: one DNAT collection holding `rules`. */
export function jitGroup(priority: number, rules: readonly NatRuleView[]): FirewallPolicyRuleCollectionGroup {
  return {
    priority,
    ruleCollections: [
      {
        ruleCollectionType: 'FirewallPolicyNatRuleCollection',
        name: JIT_COLLECTION,
        priority: MIN_PRIORITY,
        action: { type: 'DNAT' },
        rules: rules.map((rule) => ({
          ruleType: 'NatRule',
          name: rule.name,
          description: rule.description,
          ipProtocols: rule.protocols as ('TCP' | 'UDP')[],
          sourceAddresses: [...rule.sources],
          destinationAddresses: [rule.destination],
          destinationPorts: [String(rule.port)],
          translatedAddress: rule.translatedAddress,
          translatedPort: String(rule.translatedPort),
        })),
      },
    ],
  };
}

/**
 * The user DNAT rules that open one of `ports` on the VM to the internet: a broad source (`*`,
 * `Internet`, `0.0.0.0/0`), translated to one of the VM's addresses and to a port of the policy.
 * These are the firewall's broad allow rules; jit never edits them, and enable refuses while they exist.
 */
export function exposingRules(
  rules: readonly NatRuleView[],
  vmAddresses: readonly string[],
  ports: readonly PortRange[],
): NatRuleView[] {
  return rules.filter((rule) => {
    if (isJitNatRule(rule) || !rule.sources.some(isBroadSource)) return false;
    if (!vmAddresses.some((address) => sameAddress(address, rule.translatedAddress))) return false;
    const protocol = protocolOfNat(rule.protocols);
    return ports.some(
      (port) =>
        rule.translatedPort >= port.from &&
        rule.translatedPort <= port.to &&
        (port.protocol === '*' || protocol === '*' || port.protocol === protocol),
    );
  });
}

/** How a user rule is named in messages: `group/collection/rule` (policy) or `collection/rule`. */
export function natRuleLabel(firewallName: string, rule: NatRuleView): string {
  return [firewallName, rule.group, rule.collection, rule.name].filter((part) => part !== undefined).join('/');
}
