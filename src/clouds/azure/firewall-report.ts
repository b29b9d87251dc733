/**
 * What the Azure provider reports about a firewall on a VM's path (docs/azure-firewall.md): the
 * removal lines of jit's DNAT rules, user DNAT rules that expose a port (status and scan), and the
 * grants' paths client → firewall address:port → VM for `jit status`.
 */
import { formatPortRange } from '../../core/port-spec.js';
import type { PortExposure, RuleChange, TargetStatus } from '../../core/ports.js';
import { idKey, parseArmId } from './arm-id.js';
import type { FirewallSnapshot, FoundFirewallRule } from './firewall.js';
import { firewallExposures } from './firewall.js';
import type { FirewallRuleRef, NatRuleView } from './firewall-rules.js';
import type { VmNetwork } from './network.js';

/** References grouped by the firewall they are on: one write each. */
export function byFirewall(refs: readonly FirewallRuleRef[]): FirewallRuleRef[][] {
  const groups = new Map<string, FirewallRuleRef[]>();
  for (const ref of refs) groups.set(idKey(ref.firewall), [...(groups.get(idKey(ref.firewall)) ?? []), ref]);
  return [...groups.values()];
}

export function firewallRemoval(ref: FirewallRuleRef): RuleChange {
  return {
    op: 'remove-rule',
    on: parseArmId(ref.firewall, 'a firewall rule reference').name,
    summary: `${ref.name} (DNAT)`,
    detail: { ...ref },
  };
}

/** Policy ports a user DNAT rule opens to the internet are exposed, whatever the NSGs say. */
export function withFirewallExposure(
  exposure: PortExposure[],
  exposures: { rule: NatRuleView; label: string }[],
): PortExposure[] {
  return exposure.map((entry) => {
    const defeating = exposures.filter(
      ({ rule }) => rule.translatedPort >= entry.port.from && rule.translatedPort <= entry.port.to,
    );
    if (defeating.length === 0) return entry;
    return {
      ...entry,
      verdict: 'exposed',
      rules: [...new Set([...entry.rules, ...defeating.map(({ label }) => label)])],
      reason: `Azure Firewall DNAT rule${defeating.length > 1 ? 's' : ''} ${defeating.map(({ label }) => label).join(', ')} open${defeating.length > 1 ? '' : 's'} ${formatPortRange(entry.port)} to the internet`,
    };
  });
}

/** Scan: management ports a user DNAT rule opens to the internet join those the NSGs leave open. */
export function withFirewallOpen(
  open: { port: number; rules: string[] }[],
  network: VmNetwork,
  snapshot: FirewallSnapshot | undefined,
): { port: number; rules: string[] }[] {
  if (!snapshot) return open;
  const result = open.map((entry) => ({ ...entry, rules: [...entry.rules] }));
  const ports = [22, 3389, 5985, 5986].map((port) => ({ from: port, to: port, protocol: 'tcp' as const }));
  for (const { rule, label } of firewallExposures(network, snapshot, ports)) {
    const known = result.find((entry) => entry.port === rule.translatedPort);
    if (known) {
      if (!known.rules.includes(label)) known.rules.push(label);
    } else {
      result.push({ port: rule.translatedPort, rules: [label] });
    }
  }
  return result.sort((a, b) => a.port - b.port);
}

/** For `jit status`: the firewall, and each live grant rule's path through it. */
export function firewallPaths(snapshot: FirewallSnapshot, found: readonly FoundFirewallRule[]): NonNullable<TargetStatus['firewall']> {
  return {
    name: snapshot.name,
    publicAddresses: snapshot.publicAddresses,
    paths: found.map(({ rule, endpoint }) => ({ ...endpoint, source: rule.sources.join(',') })),
  };
}
