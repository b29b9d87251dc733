/**
 * Security-group rules as jit reasons about them: one rule per source (DescribeSecurityGroupRules
 * shape, not the grouped IpPermission shape), with an identity that says what the rule *allows*
 * (group, protocol, ports, source) independent of its id, which AWS reassigns whenever a rule is
 * re-created.
 */
import type { IpPermission, SecurityGroupRule, Tag } from '@aws-sdk/client-ec2';
import type { PortRange } from '../../core/model.js';
import { portRangesOverlap } from '../../core/port-spec.js';
import { isAnyPrefix, parsePrefix, tryParseAddress } from '../../core/prefix.js';

export type RuleSource =
  | { kind: 'cidr'; cidr: string }
  | { kind: 'prefix-list'; id: string }
  | { kind: 'group'; groupId: string; userId?: string };

export interface SgRule {
  groupId: string;
  /** Absent for a rule jit recorded and has not re-created yet. */
  ruleId?: string;
  /** As EC2 words it: `tcp`, `udp`, `icmp`, `icmpv6`, `-1` (all) or a protocol number. */
  protocol: string;
  /** -1 where EC2 has no port (all protocols). For ICMP, the type and code. */
  from: number;
  to: number;
  source: RuleSource;
  description?: string;
  tags: Record<string, string>;
}

/** A rule as written or recorded, without its tags (and without an id before EC2 assigns one). */
export type RuleLike = Omit<SgRule, 'tags' | 'ruleId'> & { ruleId?: string };

export function tagMap(tags: Tag[] | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  for (const tag of tags ?? []) {
    if (tag.Key !== undefined) map[tag.Key] = tag.Value ?? '';
  }
  return map;
}

function sourceOf(rule: SecurityGroupRule): RuleSource | undefined {
  if (rule.CidrIpv4) return { kind: 'cidr', cidr: rule.CidrIpv4 };
  if (rule.CidrIpv6) return { kind: 'cidr', cidr: rule.CidrIpv6 };
  if (rule.PrefixListId) return { kind: 'prefix-list', id: rule.PrefixListId };
  const group = rule.ReferencedGroupInfo;
  if (group?.GroupId) {
    return { kind: 'group', groupId: group.GroupId, ...(group.UserId ? { userId: group.UserId } : {}) };
  }
  return undefined;
}

/**
 * DescribeSecurityGroupRules results as jit's rules, in the direction asked (for egress, `source`
 * is the destination); shapes jit does not know are skipped.
 */
export function rulesOf(rules: SecurityGroupRule[], direction: 'ingress' | 'egress' = 'ingress'): SgRule[] {
  const result: SgRule[] = [];
  for (const rule of rules) {
    const source = sourceOf(rule);
    if (Boolean(rule.IsEgress) !== (direction === 'egress') || !source || !rule.GroupId || !rule.IpProtocol) continue;
    result.push({
      groupId: rule.GroupId,
      ...(rule.SecurityGroupRuleId ? { ruleId: rule.SecurityGroupRuleId } : {}),
      protocol: rule.IpProtocol,
      from: rule.FromPort ?? -1,
      to: rule.ToPort ?? -1,
      source,
      ...(rule.Description !== undefined ? { description: rule.Description } : {}),
      tags: tagMap(rule.Tags),
    });
  }
  return result;
}

/** `0.0.0.0/0`, `2001:db8::/32`, `pl-0123…`, `sg-0123…` or `123456789012/sg-0123…` (another account). */
export function sourceToken(source: RuleSource): string {
  switch (source.kind) {
    case 'cidr':
      return source.cidr;
    case 'prefix-list':
      return source.id;
    case 'group':
      return source.userId ? `${source.userId}/${source.groupId}` : source.groupId;
  }
}

export function parseSourceToken(token: string): RuleSource | undefined {
  if (/^pl-[0-9a-f]+$/.test(token)) return { kind: 'prefix-list', id: token };
  const group = /^(?:(\d{12})\/)?(sg-[0-9a-f]+)$/.exec(token);
  if (group) return { kind: 'group', groupId: group[2] as string, ...(group[1] ? { userId: group[1] } : {}) };
  const slash = token.indexOf('/');
  const length = token.slice(slash + 1);
  if (slash === -1 || !/^\d{1,3}$/.test(length) || !tryParseAddress(token.slice(0, slash))) return undefined;
  // Kept exactly as EC2 wrote it: a restored rule must be the same string, not a canonical form.
  return { kind: 'cidr', cidr: token };
}

/** What the rule allows, without its id or description: equal identities are one rule to EC2. */
export function ruleIdentity(rule: Pick<SgRule, 'groupId' | 'protocol' | 'from' | 'to' | 'source'>): string {
  return [rule.groupId, rule.protocol, rule.from, rule.to, sourceToken(rule.source)].join(';');
}

/** Whether the source is the whole internet: 0.0.0.0/0 or ::/0 (docs/aws.md, "Broad and narrow rules"). */
export function isWorldOpen(rule: Pick<SgRule, 'source'>): boolean {
  if (rule.source.kind !== 'cidr') return false;
  try {
    return isAnyPrefix(parsePrefix(rule.source.cidr, 'source'));
  } catch {
    return false;
  }
}

const TCP = new Set(['tcp', '6']);
const UDP = new Set(['udp', '17']);

/**
 * The (protocol, ports) the rule opens as a PortRange, when that is meaningful for a policy port:
 * `-1` opens every protocol and port; TCP and UDP rules their range. ICMP and other protocols
 * have no ports, so they never overlap a policy port.
 */
function ruleRange(rule: Pick<SgRule, 'protocol' | 'from' | 'to'>): PortRange | undefined {
  if (rule.protocol === '-1') return { from: 0, to: 65535, protocol: '*' };
  if (TCP.has(rule.protocol)) return { from: rule.from, to: rule.to, protocol: 'tcp' };
  if (UDP.has(rule.protocol)) return { from: rule.from, to: rule.to, protocol: 'udp' };
  return undefined;
}

export function ruleOverlaps(rule: Pick<SgRule, 'protocol' | 'from' | 'to'>, port: PortRange): boolean {
  const range = ruleRange(rule);
  return range !== undefined && portRangesOverlap(range, port);
}

/**
 * Whether the rule opens anything besides the given ports: a wider range, or all protocols. Such a
 * rule is revoked whole (jit never rewrites a rule it did not create), which closes the rest too.
 */
export function ruleOpensMoreThan(rule: Pick<SgRule, 'protocol' | 'from' | 'to'>, ports: PortRange[]): boolean {
  const range = ruleRange(rule);
  if (!range) return true;
  if (range.protocol === '*') return true;
  const covering = ports
    .filter((p) => p.protocol === '*' || p.protocol === range.protocol)
    .sort((a, b) => a.from - b.from);
  let next = range.from;
  for (const port of covering) {
    if (port.from > next) break;
    next = Math.max(next, port.to + 1);
  }
  return next <= range.to;
}

/** The rule as AuthorizeSecurityGroupIngress/Egress takes it: exactly one source, with its description. */
export function toIpPermission(rule: RuleLike): IpPermission {
  const ports = rule.protocol === '-1' ? {} : { FromPort: rule.from, ToPort: rule.to };
  const description = rule.description !== undefined ? { Description: rule.description } : {};
  const permission: IpPermission = { IpProtocol: rule.protocol, ...ports };
  const { source } = rule;
  switch (source.kind) {
    case 'cidr':
      if (source.cidr.includes(':')) permission.Ipv6Ranges = [{ CidrIpv6: source.cidr, ...description }];
      else permission.IpRanges = [{ CidrIp: source.cidr, ...description }];
      break;
    case 'prefix-list':
      permission.PrefixListIds = [{ PrefixListId: source.id, ...description }];
      break;
    case 'group':
      permission.UserIdGroupPairs = [
        { GroupId: source.groupId, ...(source.userId ? { UserId: source.userId } : {}), ...description },
      ];
      break;
  }
  return permission;
}

function portsText(rule: Pick<SgRule, 'protocol' | 'from' | 'to'>): string {
  if (rule.protocol === '-1') return 'all traffic';
  if (rule.from === -1 && rule.to === -1) return rule.protocol;
  const ports = rule.from === rule.to ? `${rule.from}` : `${rule.from}-${rule.to}`;
  return `${rule.protocol} ${ports}`;
}

/** One human line: `sg-0abc sgr-0def tcp 22 from 0.0.0.0/0 "ssh for all"`. */
export function describeRule(rule: RuleLike, groupLabel = rule.groupId): string {
  const id = rule.ruleId ? ` ${rule.ruleId}` : '';
  const description = rule.description ? ` "${rule.description}"` : '';
  return `${groupLabel}${id} ${portsText(rule)} from ${sourceToken(rule.source)}${description}`;
}
