/**
 * Does one security rule apply to some traffic? Three answers, because a rule can name things whose
 * addresses are not in the rule: `yes`, `no`, or `maybe` when it uses an application security group
 * (membership lives on NICs), a service tag other than the three below (Microsoft publishes and
 * updates their ranges; the NSG does not carry them), a source port range (the client picks its
 * port), or a value we cannot parse. Callers decide which way `maybe` leans for their question;
 * nothing here guesses. Tags and protocols are compared case-insensitively, so an unexpected
 * spelling reads as the tag it names rather than as unknown.
 *
 * Semantics (https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview,
 * https://learn.microsoft.com/azure/virtual-network/service-tags-overview):
 * - `*` (portals also write `Any`) is every address of both families; `0.0.0.0/0` and `::/0` are
 *   every address of their own family only.
 * - `VirtualNetwork` is the VNet address space plus connected on-premises spaces, peered VNets, the
 *   host's virtual IP 168.63.129.16 and UDR prefixes. We know what the caller passes as the VNet
 *   prefixes (peered/on-premises ranges count only if included) plus the host virtual IP.
 * - `Internet` is the address space outside the virtual network; we take it as every address that is
 *   neither in those VNet prefixes nor one of Azure's platform addresses.
 * - `AzureLoadBalancer` is the host virtual IP 168.63.129.16, where health probes come from.
 * - Inbound rules see the destination after Azure has translated the public IP to the private one,
 *   so the destination of traffic to a VM is always its private IP: inside `VirtualNetwork`, never
 *   `Internet` or `AzureLoadBalancer`.
 * - Port ranges are `*`, `22` or `8000-8100`, alone or as a list (augmented rules); a list entry
 *   matching is enough. Protocol `*` is any protocol.
 */
import type { PortRange, Protocol } from '../model.js';
import { isAnyPrefix, type Prefix, parsePrefix, prefixContains } from '../prefix.js';
import type { NsgProtocol, NsgRule } from './types.js';

export type Match = 'yes' | 'maybe' | 'no';

/** Alternatives (entries of a list, ports of a policy): the best answer wins. */
export function anyOf(matches: readonly Match[]): Match {
  if (matches.includes('yes')) return 'yes';
  return matches.includes('maybe') ? 'maybe' : 'no';
}

/** Conditions that must all hold: the worst answer wins. */
export function allOf(...matches: Match[]): Match {
  if (matches.includes('no')) return 'no';
  return matches.includes('maybe') ? 'maybe' : 'yes';
}

/** The host virtual IP: the `AzureLoadBalancer` tag, and part of `VirtualNetwork`. */
const HOST_VIRTUAL_IP = parsePrefix('168.63.129.16/32', 'host virtual IP');
/** Platform addresses (DHCP, DNS, health probes; IMDS) that are never `Internet`. */
const PLATFORM_PREFIXES: readonly Prefix[] = [HOST_VIRTUAL_IP, parsePrefix('169.254.169.254/32', 'IMDS')];

/** A rule's address or CIDR entry; `undefined` for anything else (a tag, a malformed value). */
function parseRulePrefix(entry: string): Prefix | undefined {
  try {
    return parsePrefix(entry, 'NSG rule address prefix');
  } catch {
    return undefined;
  }
}

function overlaps(a: Prefix, b: Prefix): boolean {
  return prefixContains(a, b) || prefixContains(b, a);
}

/** The singular field and the augmented list together; ARM sets one of them, the other is empty. */
function entries(single: string | undefined, list: readonly string[] | undefined): string[] {
  return [...(single === undefined ? [] : [single]), ...(list ?? [])];
}

export function sourceAddressEntries(rule: NsgRule): string[] {
  return entries(rule.sourceAddressPrefix, rule.sourceAddressPrefixes);
}

function isAnyTag(entry: string): boolean {
  const tag = entry.trim().toLowerCase();
  return tag === '*' || tag === 'any';
}

/** `*`, `Any`, `Internet`, `0.0.0.0/0` or `::/0`: an entry that stands for the whole internet. */
export function isBroadAddressEntry(entry: string): boolean {
  if (isAnyTag(entry) || entry.trim().toLowerCase() === 'internet') return true;
  const prefix = parseRulePrefix(entry);
  return prefix !== undefined && isAnyPrefix(prefix);
}

function matchAddressEntries(
  list: string[],
  groups: readonly unknown[] | undefined,
  matchEntry: (entry: string) => Match,
): Match {
  // Application security groups name NICs; whether the traffic's NIC is a member is not in the rule.
  // Templates sometimes leave a `*` prefix beside them, which must not turn the group into "anyone".
  if (groups !== undefined && groups.length > 0) return 'maybe';
  // No address at all: a rule ARM would not accept, so we cannot say what it does.
  return list.length === 0 ? 'maybe' : anyOf(list.map(matchEntry));
}

/**
 * Whether traffic from `source` (an address as a /32 or /128, or a whole prefix, where "yes" means
 * some of it matches) meets the rule's source. Without `virtualNetwork` prefixes the `VirtualNetwork`
 * and `Internet` tags are `maybe` (except for the platform addresses, which are known).
 */
export function matchSource(
  rule: NsgRule,
  source: Prefix,
  virtualNetwork?: readonly Prefix[],
  options: { broadVirtualNetwork?: boolean } = {},
): Match {
  return matchAddressEntries(sourceAddressEntries(rule), rule.sourceApplicationSecurityGroups, (entry) => {
    if (isAnyTag(entry)) return 'yes';
    const tag = entry.trim().toLowerCase();
    if (tag === 'azureloadbalancer') return overlaps(HOST_VIRTUAL_IP, source) ? 'yes' : 'no';
    if (tag === 'virtualnetwork') {
      if (options.broadVirtualNetwork === true || overlaps(HOST_VIRTUAL_IP, source)) return 'yes';
      if (virtualNetwork === undefined) return 'maybe';
      return virtualNetwork.some((prefix) => overlaps(prefix, source)) ? 'yes' : 'no';
    }
    if (tag === 'internet') {
      if (PLATFORM_PREFIXES.some((prefix) => prefixContains(prefix, source))) return 'no';
      if (virtualNetwork === undefined) return 'maybe';
      return virtualNetwork.some((prefix) => prefixContains(prefix, source)) ? 'no' : 'yes';
    }
    const prefix = parseRulePrefix(entry);
    return prefix === undefined ? 'maybe' : overlaps(prefix, source) ? 'yes' : 'no';
  });
}

/**
 * Whether the rule's destination takes in at least one of the VM's private addresses. A VM's block
 * (an IP configuration holding a prefix) that the rule covers only in part may or may not be hit.
 */
export function matchDestinations(rule: NsgRule, destinations: readonly Prefix[]): Match {
  const list = entries(rule.destinationAddressPrefix, rule.destinationAddressPrefixes);
  return anyOf(
    destinations.map((destination) =>
      matchAddressEntries(list, rule.destinationApplicationSecurityGroups, (entry) => {
        const tag = entry.trim().toLowerCase();
        if (isAnyTag(entry) || tag === 'virtualnetwork') return 'yes';
        if (tag === 'internet' || tag === 'azureloadbalancer') return 'no';
        const prefix = parseRulePrefix(entry);
        if (prefix === undefined) return 'maybe';
        return prefixContains(prefix, destination) ? 'yes' : prefixContains(destination, prefix) ? 'maybe' : 'no';
      }),
    ),
  );
}

export interface PortSpan {
  from: number;
  to: number;
}

/** `*`, `22` or `8000-8100` as an inclusive span; `undefined` when malformed. */
export function parseRulePortRange(entry: string): PortSpan | undefined {
  const text = entry.trim();
  if (text === '*') return { from: 0, to: 65535 };
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!match) return undefined;
  const from = Number(match[1]);
  const to = match[2] === undefined ? from : Number(match[2]);
  return from <= to && to <= 65535 ? { from, to } : undefined;
}

export function destinationPortEntries(rule: NsgRule): string[] {
  return entries(rule.destinationPortRange, rule.destinationPortRanges);
}

function matchDestinationPorts(rule: NsgRule, wanted: PortSpan): Match {
  const list = destinationPortEntries(rule);
  if (list.length === 0) return 'maybe';
  return anyOf(
    list.map((entry) => {
      const span = parseRulePortRange(entry);
      if (span === undefined) return 'maybe';
      return span.from <= wanted.to && wanted.from <= span.to ? 'yes' : 'no';
    }),
  );
}

/** A client chooses its source port, so only a rule open to every source port certainly matches. */
function matchSourcePorts(rule: NsgRule): Match {
  const spans = entries(rule.sourcePortRange, rule.sourcePortRanges).map(parseRulePortRange);
  return spans.some((span) => span !== undefined && span.from === 0 && span.to === 65535) ? 'yes' : 'maybe';
}

/**
 * Whether a rule's protocol overlaps ours. Policy `*` stands for the port-carrying protocols TCP and
 * UDP: ICMP, ESP and AH have no ports, so a rule for them never concerns a policy port.
 */
export function protocolOverlaps(ruleProtocol: NsgProtocol, protocol: Protocol): boolean {
  const rule = ruleProtocol.toLowerCase();
  if (rule === '*') return true;
  return protocol === '*' ? rule === 'tcp' || rule === 'udp' : rule === protocol;
}

/**
 * Whether the rule applies to traffic to one of `destinations` on one of `ports`, whatever its
 * source address: protocol, destination port, destination address and source port.
 */
export function matchTarget(
  rule: NsgRule,
  ports: readonly PortRange[],
  destinations: readonly Prefix[],
): Match {
  const onPort = anyOf(
    ports
      .filter((port) => protocolOverlaps(rule.protocol, port.protocol))
      .map((port) => matchDestinationPorts(rule, port)),
  );
  // Ports first: most rules of a large NSG are for other ports, and reading addresses costs far more.
  if (onPort === 'no') return 'no';
  return allOf(onPort, matchDestinations(rule, destinations), matchSourcePorts(rule));
}
