/**
 * The existing Allow rules that let traffic reach a VM's policy ports, sorted into the two kinds
 * docs/azure.md ("Priorities") treats differently: *broad* ones open the port to the whole internet
 * (source `*`, `Any`, `Internet`, `0.0.0.0/0`, `::/0`) and must end up behind jit's deny rule, or
 * the lock-down would be a lie; *narrow* ones (a VPN range, `VirtualNetwork`, another service tag,
 * an application security group) keep working ahead of it, as with Defender for Cloud's JIT, where
 * "existing rules take priority over the new deny all inbound traffic rules".
 */
import type { PortRange } from '../model.js';
import { addressOrPrefix } from '../prefix.js';
import { isBroadAddressEntry, matchTarget, sourceAddressEntries } from './match.js';
import { NSG_PRIORITY_MAX, NSG_PRIORITY_MIN, type NsgRule } from './types.js';

export type SourceBreadth = 'broad' | 'narrow';

export interface CoveringAllow {
  rule: NsgRule;
  breadth: SourceBreadth;
  /**
   * False when the rule may or may not reach the VM (an application security group or unknown service
   * tag as destination, a source port range). It is counted anyway: assuming it covers the VM keeps a
   * broad rule from slipping past the deny and a narrow rule from being cut off by it.
   */
  certain: boolean;
}

export interface PortsOnVm {
  ports: readonly PortRange[];
  /** The VM's private IP addresses or blocks (every IP configuration of the NIC). */
  destinations: readonly string[];
  /**
   * The `VirtualNetwork` tag covers every address here: the subnet sends its default route to a
   * virtual appliance, and Azure adds user-defined route prefixes to the tag. A `VirtualNetwork`
   * source is then as broad as `*`.
   */
  broadVirtualNetwork?: boolean;
}

/**
 * Broad when any source entry stands for the whole internet (one such entry opens it to everyone).
 * A source application security group is other NICs of the VNet, whatever prefix sits beside it.
 */
export function sourceBreadth(rule: NsgRule, options: { broadVirtualNetwork?: boolean } = {}): SourceBreadth {
  if ((rule.sourceApplicationSecurityGroups ?? []).length > 0) return 'narrow';
  const broad = (entry: string) =>
    isBroadAddressEntry(entry) || (options.broadVirtualNetwork === true && entry.trim().toLowerCase() === 'virtualnetwork');
  return sourceAddressEntries(rule).some(broad) ? 'broad' : 'narrow';
}

/**
 * Inbound Allow rules that may let traffic in on one of `ports` to one of the VM's addresses, in
 * priority order. Only custom rules (priority 100–4096) count: the default rules sit behind anything
 * jit can write and cannot be moved.
 */
export function findCoveringAllows(rules: readonly NsgRule[], target: PortsOnVm): CoveringAllow[] {
  const destinations = target.destinations.map((address) => addressOrPrefix(address));
  return rules
    .filter(
      (rule) =>
        rule.direction === 'Inbound' &&
        rule.access === 'Allow' &&
        rule.priority >= NSG_PRIORITY_MIN &&
        rule.priority <= NSG_PRIORITY_MAX,
    )
    .map((rule) => ({ rule, match: matchTarget(rule, target.ports, destinations) }))
    .filter(({ match }) => match !== 'no')
    .sort((a, b) => a.rule.priority - b.rule.priority)
    .map(({ rule, match }) => ({
      rule,
      breadth: sourceBreadth(rule, { broadVirtualNetwork: target.broadVirtualNetwork === true }),
      certain: match === 'yes',
    }));
}
