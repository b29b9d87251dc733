/**
 * What Azure does with one inbound connection attempt, NSG by NSG.
 *
 * Azure processes an NSG's rules in priority order, lowest number first, and stops at the first rule
 * that matches; its default rules (65000+) come after every custom rule and end in DenyAllInBound.
 * Inbound traffic meets the subnet's NSG first and then the NIC's; both must allow it, and a level
 * without an NSG lets everything through.
 * (https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview,
 * https://learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works)
 *
 * Some rules cannot be decided from the NSG alone (application security groups, service tags other
 * than VirtualNetwork/Internet/AzureLoadBalancer, source port ranges: see match.ts). Every such rule
 * ahead of the first certain match may decide instead of it, so a verdict lists all of them as
 * candidates and leans the way a "could the world get in?" question needs: an undecidable Allow is
 * taken to match (the traffic may be let in), an undecidable Deny is not (it may not stop it).
 */
import { addressOrPrefix, hostPrefix, parsePrefix } from '../prefix.js';
import { allOf, matchSource, matchTarget } from './match.js';
import { DEFAULT_SECURITY_RULES, type NsgAccess, type NsgRule } from './types.js';

export interface InboundFlow {
  /** The client's address (after any SNAT on its side: what Azure sees). */
  source: string;
  /** The VM's private IP address (or its block, for an IP configuration holding a prefix). */
  destination: string;
  port: number;
  protocol: 'tcp' | 'udp';
}

export interface NsgContext {
  /** The VNet's address space (plus peered/on-premises ranges, if known) for the `VirtualNetwork` tag. */
  virtualNetworkPrefixes: readonly string[];
  /**
   * The subnet's default route goes to a virtual appliance, so the `VirtualNetwork` tag covers every
   * address (the `Internet` tag does not change: it is Microsoft's, not the route table's).
   */
  broadVirtualNetwork?: boolean;
}

export interface InboundVerdict {
  /** Allow when any candidate allows (the most permissive outcome the rules admit), else Deny. */
  access: NsgAccess;
  /** The candidate that decides under that reading: the first Allow candidate, else the last candidate. */
  rule: NsgRule;
  /** True when every candidate has the same access, so the outcome does not depend on what we don't know. */
  certain: boolean;
  /** Every rule that may decide the flow, in evaluation order: undecidable rules, then the first certain match. */
  candidates: NsgRule[];
}

export interface PathVerdict {
  /** Allow only when every NSG on the path allows (each read as in InboundVerdict). */
  access: NsgAccess;
  /** False when the path allows only on a reading of some undecidable rule. A Deny is always certain. */
  certain: boolean;
  /** One verdict per NSG, in path order (subnet first, then NIC). */
  verdicts: InboundVerdict[];
}

const DENY_ALL_INBOUND = DEFAULT_SECURITY_RULES.find((rule) => rule.name === 'DenyAllInBound')!;

/**
 * Inbound rules plus the default ones, in evaluation order. Azure refuses two rules with the same
 * priority and direction; for such (invalid) input the earlier rule in the list goes first.
 */
function inboundEvaluationOrder(rules: readonly NsgRule[]): NsgRule[] {
  return [...rules, ...DEFAULT_SECURITY_RULES]
    .filter((rule) => rule.direction === 'Inbound')
    .sort((a, b) => a.priority - b.priority);
}

/** Evaluates one NSG's rules (custom rules; the defaults are added) for one inbound flow. */
export function evaluateInbound(
  rules: readonly NsgRule[],
  flow: InboundFlow,
  context: NsgContext,
): InboundVerdict {
  const source = hostPrefix(flow.source);
  const destinations = [addressOrPrefix(flow.destination)];
  const ports = [{ from: flow.port, to: flow.port, protocol: flow.protocol }];
  const virtualNetwork = context.virtualNetworkPrefixes.map((prefix) =>
    parsePrefix(prefix, 'VNet address prefix'),
  );
  const candidates: NsgRule[] = [];
  for (const rule of inboundEvaluationOrder(rules)) {
    const match = allOf(
      matchTarget(rule, ports, destinations),
      matchSource(rule, source, virtualNetwork, { broadVirtualNetwork: context.broadVirtualNetwork === true }),
    );
    if (match === 'no') continue;
    candidates.push(rule);
    if (match === 'yes') break;
  }
  // DenyAllInBound matches every TCP and UDP flow, so it ends the candidates when nothing else does.
  const rule =
    candidates.find((candidate) => candidate.access === 'Allow') ?? candidates.at(-1) ?? DENY_ALL_INBOUND;
  return {
    access: rule.access,
    rule,
    certain: candidates.every((candidate) => candidate.access === rule.access),
    candidates,
  };
}

/** Evaluates the NSGs on the path to the VM (subnet NSG, then NIC NSG; either may be absent). */
export function evaluatePath(
  nsgs: readonly (readonly NsgRule[])[],
  flow: InboundFlow,
  context: NsgContext,
): PathVerdict {
  const verdicts = nsgs.map((rules) => evaluateInbound(rules, flow, context));
  const access = verdicts.every((verdict) => verdict.access === 'Allow') ? 'Allow' : 'Deny';
  return {
    access,
    certain: access === 'Deny' || verdicts.every((verdict) => verdict.certain),
    verdicts,
  };
}
