/**
 * Grants read back from the cloud alone (docs/azure.md, "Names and descriptions"; docs/expiry.md,
 * "Sweep"): a grant is the set of `jit-allow-…` rules whose descriptions carry the same grant id,
 * across the NSGs of the VM's path. Nothing local is needed, so `jit sweep` on any machine sees
 * everyone's grants.
 */
import { formatPortRange } from '../../core/port-spec.js';
import type { CloudGrant } from '../../core/ports.js';
import type { NetworkInterface, NetworkSecurityGroup, SecurityRule } from './arm-api.js';
import { type ArmId, sameId, tryParseArmId } from './arm-id.js';
import { destinationsThrough, type NsgSnapshot, snapshotOf, type VmNetwork } from './network.js';
import {
  allowRulePrefix,
  isAllowRuleName,
  parseGrantDescription,
  ruleDestinations,
  rulePorts,
  ruleSource,
  vmNameOfAllowRule,
} from './rules.js';

/** How a grant's rules are referenced in CloudGrant.rules and in the ledger. */
export interface AzureRuleRef {
  /** The NSG's resource ID. */
  nsg: string;
  name: string;
}

export interface FoundGrantRule {
  nsg: NsgSnapshot;
  rule: SecurityRule;
  target: { id: string; name: string };
  scope: Record<string, string>;
}

/** The references of a grant, keeping only rules jit names as a grant's, whatever a ledger file says. */
export function parseRuleRefs(rules: unknown[]): AzureRuleRef[] {
  return rules.flatMap((rule) => {
    const { nsg, name } = (rule ?? {}) as Partial<AzureRuleRef>;
    const valid = typeof nsg === 'string' && typeof name === 'string' && isAllowRuleName(name) && tryParseArmId(nsg);
    return valid ? [{ nsg, name }] : [];
  });
}

/** The grant rules of one VM: its name in the rule name, one of its addresses as the destination. */
export function grantRulesOnVm(network: VmNetwork, scope: Record<string, string>): FoundGrantRule[] {
  const prefix = allowRulePrefix(network.name);
  return [...network.nsgs.values()].flatMap((nsg) => {
    const addresses = new Set(destinationsThrough(network, nsg.id).map((path) => path.address));
    return nsg.rules
      .filter((rule) => (rule.name ?? '').toLowerCase().startsWith(prefix))
      .filter((rule) => ruleDestinations(rule).some((destination) => addresses.has(destination)))
      .map((rule) => ({ nsg, rule, target: { id: network.id, name: network.name }, scope }));
  });
}

/**
 * Every grant rule in a subscription's NSGs, with the VM it is for: the VM of the NIC that has the
 * rule's destination address behind that NSG, directly or through its subnet (the NSG listing names
 * the subnets it is on). A rule whose VM is gone keeps an empty target id and the VM name its rule
 * name carries, so sweep still removes it. With a resource group, only grants on VMs of that group
 * (a VM unknown: rules in that group's NSGs).
 */
export function grantRulesInSubscription(
  nsgs: NetworkSecurityGroup[],
  nics: NetworkInterface[],
  options: {
    resourceGroup: string | undefined;
    scopeOf: (vm: ArmId) => Record<string, string>;
    orphanScope: Record<string, string>;
  },
): FoundGrantRule[] {
  const group = options.resourceGroup?.toLowerCase();
  return nsgs.flatMap((resource) => {
    const nsg = snapshotOf(resource);
    const subnets = (resource.subnets ?? []).map((subnet) => subnet.id);
    const behind = nics.flatMap((nic) => {
      const onNic = sameId(nic.networkSecurityGroup?.id, nsg.id);
      return (nic.ipConfigurations ?? [])
        .filter((config) => onNic || subnets.some((id) => sameId(id, config.subnet?.id)))
        .map((config) => ({ address: config.privateIPAddress, vmId: nic.virtualMachine?.id }));
    });
    return nsg.rules.flatMap((rule): FoundGrantRule[] => {
      if (!isAllowRuleName(rule.name) || !parseGrantDescription(rule.description)) return [];
      const destinations = ruleDestinations(rule);
      const vmId = behind.find((entry) => entry.address !== undefined && destinations.includes(entry.address))?.vmId;
      const vm = vmId ? tryParseArmId(vmId) : undefined;
      if (group && (vm ?? nsg).resourceGroup.toLowerCase() !== group) return [];
      return vm
        ? [{ nsg, rule, target: { id: vm.id, name: vm.name }, scope: options.scopeOf(vm) }]
        : [{ nsg, rule, target: { id: '', name: vmNameOfAllowRule(rule.name ?? '') }, scope: options.orphanScope }];
    });
  });
}

/** One grant per grant id, across NSGs: the union of its ports, the earliest expiry any rule records. */
export function grantsFrom(found: FoundGrantRule[]): CloudGrant[] {
  const grants = new Map<string, CloudGrant>();
  for (const { nsg, rule, target, scope } of found) {
    const meta = parseGrantDescription(rule.description);
    const source = ruleSource(rule);
    if (!meta || !source) continue;
    const ref: AzureRuleRef = { nsg: nsg.id, name: rule.name ?? '' };
    const grant = grants.get(meta.grantId);
    if (!grant) {
      const { grantId, expiresAt, requester } = meta;
      const ports = rulePorts(rule);
      grants.set(grantId, { grantId, target, scope, source, ports, expiresAt, requester, rules: [ref] });
      continue;
    }
    const known = new Set(grant.ports.map(formatPortRange));
    grant.ports.push(...rulePorts(rule).filter((port) => !known.has(formatPortRange(port))));
    if (Date.parse(meta.expiresAt) < Date.parse(grant.expiresAt)) grant.expiresAt = meta.expiresAt;
    grant.rules.push(ref);
  }
  return [...grants.values()];
}
