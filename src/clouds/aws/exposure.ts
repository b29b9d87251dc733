/**
 * Whether the internet reaches a port, evaluated as EC2 does: security groups only allow, and the
 * instance admits the union of its groups' rules, so one rule from 0.0.0.0/0 or ::/0 on any
 * attached group defeats any lock-down (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html).
 */
import { MANAGEMENT_PORTS, type PortRange } from '../../core/model.js';
import type { PortExposure } from '../../core/ports.js';
import type { GroupView } from './inventory.js';
import { describeRule, isWorldOpen, ruleOverlaps, type SgRule } from './rules.js';

type ExposedGroup = Pick<GroupView, 'id' | 'name' | 'ingress'>;

function groupLabel(group: Pick<GroupView, 'id' | 'name'>): string {
  return group.name === group.id ? group.id : `${group.id} (${group.name})`;
}

function matching(groups: ExposedGroup[], keep: (rule: SgRule) => boolean): string[] {
  return groups.flatMap((group) => group.ingress.filter(keep).map((rule) => describeRule(rule, groupLabel(group))));
}

/**
 * A policy port's verdict: exposed when any rule of any attached group admits 0.0.0.0/0 or ::/0,
 * whatever its tags or description say. Grant metadata is not a pass: anyone can tag a rule like
 * jit's, and a grant open to the whole internet defeats the lock-down while it lasts. jit's own
 * grants are host or narrow prefixes, so they never count. A prefix-list source makes the verdict
 * `unknown` (the list may hold any address).
 */
export function evaluatePort(groups: ExposedGroup[], port: PortRange, lockedDown: boolean): PortExposure {
  const relevant = (rule: SgRule) => ruleOverlaps(rule, port);
  const open = matching(groups, (rule) => relevant(rule) && isWorldOpen(rule));
  if (open.length > 0) {
    return { port, verdict: 'exposed', rules: open, reason: `open to the internet through ${open.length} rule(s)` };
  }
  const lists = matching(groups, (rule) => relevant(rule) && rule.source.kind === 'prefix-list');
  if (lists.length > 0) {
    return {
      port,
      verdict: 'unknown',
      rules: lists,
      reason: 'a prefix list admits it, and jit does not read prefix lists: check that none holds 0.0.0.0/0 or ::/0',
    };
  }
  return {
    port,
    verdict: 'locked',
    rules: [],
    reason: lockedDown
      ? 'no rule admits 0.0.0.0/0 or ::/0: only narrow rules and jit grants open it'
      : 'no rule admits 0.0.0.0/0 or ::/0 (jit\'s group is not attached)',
  };
}

/** Management ports open to any address through the groups (grants included: they are open too). */
export function openManagementPorts(groups: ExposedGroup[]): { port: number; rules: string[] }[] {
  return MANAGEMENT_PORTS.flatMap((port) => {
    const rules = matching(groups, (rule) => isWorldOpen(rule) && ruleOverlaps(rule, { from: port, to: port, protocol: 'tcp' }));
    return rules.length > 0 ? [{ port, rules }] : [];
  });
}
