// Azure Firewalls (classic rule collections) and Firewall Policies (rule collection groups): the shapes
// the Network RP stores and returns, and its validation of a firewall PUT and of a rule collection group
// PUT. Sources and the codes no public source shows ("unverified") are listed in SPEC.md §Azure Firewall.
import { isIPv4, isIPv6 } from 'node:net';
import { ArmError } from './errors.js';
import type { Json } from './state.js';

/** Rule collection (and rule collection group) priorities: 100 to 65000 (Learn "firewall-faq", "rule-processing"). */
const MIN_PRIORITY = 100;
const MAX_PRIORITY = 65_000;

const invalid = (code: string, message: string) => new ArmError(400, code, message);
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * Firewall rule and collection names: 1-80 characters, a letter or digit first, a letter, digit or `_`
 * last, letters, digits, `.`, `-` and `_` inside (Learn "resource-name-rules", Microsoft.Network).
 */
const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$/;

function checkName(kind: string, name: unknown, where: string): ArmError | undefined {
  if (typeof name === 'string' && NAME.test(name)) return undefined;
  return invalid('InvalidResourceName', `Resource name ${String(name)} is invalid for ${kind} in ${where}.`);
}

function checkPriority(kind: string, name: string, priority: unknown): ArmError | undefined {
  if (typeof priority === 'number' && Number.isInteger(priority) && priority >= MIN_PRIORITY && priority <= MAX_PRIORITY) {
    return undefined;
  }
  // Code and wording unverified; the range is Learn's.
  return invalid(
    'AzureFirewallRuleCollectionInvalidPriority',
    `${kind} ${name} has invalid priority ${String(priority)}. Priority must be between ${MIN_PRIORITY} and ${MAX_PRIORITY}.`,
  );
}

function duplicates(names: string[]): string | undefined {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name.toLowerCase())) return name;
    seen.add(name.toLowerCase());
  }
  return undefined;
}

const isPort = (value: string) => /^\d{1,5}$/.test(value) && Number(value) >= 1 && Number(value) <= 65_535;
const isAddressOrPrefix = (value: string) => {
  if (value === '*') return true;
  const [base = '', length] = value.split('/');
  if (!isIPv4(base) && !isIPv6(base)) return false;
  return length === undefined || (/^\d+$/.test(length) && Number(length) <= (isIPv4(base) ? 32 : 128));
};

/**
 * One DNAT rule, classic (`protocols`) or policy (`ipProtocols`): TCP/UDP only, one destination address
 * (the firewall's public IP), one destination port, a translated address (or FQDN) and one translated
 * port, some source (Learn "tutorial-firewall-dnat": "The destination port must be a single port";
 * SDK model AzureFirewallNatRule / NatRule; PowerShell New-AzFirewallNatRule).
 */
function checkNatRule(rule: Json, where: string, protocolsKey: 'protocols' | 'ipProtocols'): ArmError | undefined {
  const name = text(rule.name);
  const bad = (message: string) => invalid('AzureFirewallNatRuleInvalid', `NAT rule ${name} in ${where}: ${message}`);
  const nameError = checkName('a NAT rule', rule.name, where);
  if (nameError) return nameError;
  const protocols = asList(rule[protocolsKey]).map(text);
  if (protocols.length === 0 || protocols.some((p) => !['TCP', 'UDP'].includes(p.toUpperCase()))) {
    return bad(`${protocolsKey} must be TCP and/or UDP.`);
  }
  const sources = asList(rule.sourceAddresses).map(text);
  if (sources.length === 0 && asList(rule.sourceIpGroups).length === 0) return bad('a source address or IP group is required.');
  if (sources.some((s) => !isAddressOrPrefix(s))) return bad(`invalid source address in ${sources.join(', ')}.`);
  const destinations = asList(rule.destinationAddresses).map(text);
  if (destinations.length !== 1 || !isAddressOrPrefix(destinations[0] ?? '')) {
    return bad('exactly one destination address (a public IP of the firewall) is required.');
  }
  const ports = asList(rule.destinationPorts).map(text);
  if (ports.length !== 1 || !isPort(ports[0] ?? '')) return bad('the destination port must be a single port.');
  const translated = text(rule.translatedAddress);
  if (!translated && !text(rule.translatedFqdn)) return bad('a translated address or FQDN is required.');
  if (translated && !isIPv4(translated) && !isIPv6(translated)) return bad(`invalid translated address ${translated}.`);
  if (!isPort(text(rule.translatedPort))) return bad('the translated port must be a single port.');
  return undefined;
}

/** A classic firewall PUT body's collections (names unique, priorities in range and unique per kind). */
export function validateFirewall(id: string, properties: Json): ArmError | undefined {
  const kinds = ['natRuleCollections', 'networkRuleCollections', 'applicationRuleCollections'] as const;
  const hasClassic = kinds.some((kind) => asList(properties[kind]).length > 0);
  const policy = (properties.firewallPolicy as Json | undefined)?.id;
  if (hasClassic && typeof policy === 'string' && policy) {
    // Code and wording unverified: a firewall takes either classic rules or a policy (Learn "policy-rule-sets").
    return invalid('AzureFirewallPolicyAndRuleCollectionsNotAllowed', `Firewall ${id} has a firewall policy and classic rule collections; use one or the other.`);
  }
  for (const kind of kinds) {
    const collections = asList(properties[kind]) as Json[];
    const dupe = duplicates(collections.map((c) => text(c.name)));
    if (dupe) return invalid('AzureFirewallRuleCollectionNameNotUnique', `Rule collection name ${dupe} is used twice in ${kind} of ${id}.`);
    const dupePriority = duplicates(collections.map((c) => String((c.properties as Json | undefined)?.priority)));
    if (dupePriority) {
      // Unverified code; unique priorities per collection type as the portal enforces them.
      return invalid('AzureFirewallRuleCollectionPriorityNotUnique', `Priority ${dupePriority} is used by two ${kind} of ${id}.`);
    }
    for (const collection of collections) {
      const name = text(collection.name);
      const where = `rule collection ${name} of ${id}`;
      const nameError = checkName('a rule collection', collection.name, id);
      if (nameError) return nameError;
      const props = (collection.properties ?? {}) as Json;
      const priorityError = checkPriority('Rule collection', name, props.priority);
      if (priorityError) return priorityError;
      const rules = asList(props.rules) as Json[];
      const dupeRule = duplicates(rules.map((r) => text(r.name)));
      if (dupeRule) return invalid('AzureFirewallRuleNameNotUnique', `Rule name ${dupeRule} is used twice in ${where}.`);
      if (kind !== 'natRuleCollections') continue;
      const action = text((props.action as Json | undefined)?.type);
      if (!['dnat', 'snat'].includes(action.toLowerCase())) {
        return invalid('AzureFirewallNatRuleCollectionInvalidAction', `NAT ${where} needs action Dnat or Snat, not ${action || 'none'}.`);
      }
      for (const rule of rules) {
        const error = checkNatRule(rule, where, 'protocols');
        if (error) return error;
      }
    }
  }
  return undefined;
}

/** A rule collection group PUT: its priority unique among the policy's groups, NAT rules valid. */
export function validateRuleCollectionGroup(id: string, properties: Json, siblings: Json[]): ArmError | undefined {
  const name = id.split('/').pop() ?? '';
  const nameError = checkName('a rule collection group', name, id);
  if (nameError) return nameError;
  const priorityError = checkPriority('Rule collection group', name, properties.priority);
  if (priorityError) return priorityError;
  const taken = siblings.find((group) => (group.properties as Json).priority === properties.priority);
  if (taken) {
    // Unverified code and wording; group priorities are unique within a policy (Learn "policy-rule-sets").
    return invalid(
      'FirewallPolicyRuleCollectionGroupPriorityConflict',
      `Rule collection group ${name} has priority ${String(properties.priority)}, which rule collection group ${text(taken.name)} already has.`,
    );
  }
  const collections = asList(properties.ruleCollections) as Json[];
  const dupe = duplicates(collections.map((c) => text(c.name)));
  if (dupe) return invalid('FirewallPolicyRuleCollectionNameNotUnique', `Rule collection name ${dupe} is used twice in ${id}.`);
  for (const collection of collections) {
    const where = `rule collection ${text(collection.name)} of ${id}`;
    const nameError2 = checkName('a rule collection', collection.name, id);
    if (nameError2) return nameError2;
    const priorityError2 = checkPriority('Rule collection', text(collection.name), collection.priority);
    if (priorityError2) return priorityError2;
    const type = text(collection.ruleCollectionType);
    if (type !== 'FirewallPolicyNatRuleCollection' && type !== 'FirewallPolicyFilterRuleCollection') {
      return invalid('InvalidRuleCollectionType', `Unknown ruleCollectionType ${type || 'none'} in ${where}.`);
    }
    const rules = asList(collection.rules) as Json[];
    const dupeRule = duplicates(rules.map((r) => text(r.name)));
    if (dupeRule) return invalid('FirewallPolicyRuleNameNotUnique', `Rule name ${dupeRule} is used twice in ${where}.`);
    if (type !== 'FirewallPolicyNatRuleCollection') continue;
    const action = text((collection.action as Json | undefined)?.type);
    if (action.toUpperCase() !== 'DNAT') {
      return invalid('FirewallPolicyNatRuleCollectionInvalidAction', `NAT ${where} needs action DNAT, not ${action || 'none'}.`);
    }
    for (const rule of rules) {
      if (text(rule.ruleType) !== 'NatRule') {
        return invalid('FirewallPolicyNatRuleCollectionInvalidRule', `${where} holds a ${text(rule.ruleType) || 'rule without ruleType'}; a NAT collection takes NatRule rules only.`);
      }
      const error = checkNatRule(rule, where, 'ipProtocols');
      if (error) return error;
    }
  }
  return undefined;
}

/** The stored rule collection group as ARM returns it (SDK model FirewallPolicyRuleCollectionGroup). */
export function groupResource(policyId: string, name: string, properties: Json, etag: string): Json {
  return {
    id: `${policyId}/ruleCollectionGroups/${name}`,
    name,
    type: 'Microsoft.Network/FirewallPolicies/RuleCollectionGroups',
    etag,
    properties: { ...properties, provisioningState: 'Succeeded' },
  };
}
