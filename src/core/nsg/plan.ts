/**
 * Where jit's rules go in an NSG (docs/azure.md, "Priorities"). Priorities run 100–4096 and are
 * unique per direction within one NSG (ARM answers a duplicate with SecurityRuleConflict), so a
 * free priority is one no Inbound rule of the NSG uses, whichever VM that rule is for. jit never
 * moves anyone else's rule: when no slot fits, the plan fails and names the rules in the way. (ARM
 * allows 1,000 rules per NSG, so what fills up in practice is the window between two rules, not all
 * of 100–4096.)
 *
 * Both planners take the *largest* free priority that works. For the deny rule that keeps it as far
 * back as possible, leaving the room ahead of it for grants and for the owner's own rules; for a
 * grant it keeps the low numbers free for rules people write by hand.
 */
import type { PortRange } from '../model.js';
import { addressOrPrefix, parsePrefix } from '../prefix.js';
import { findCoveringAllows, type PortsOnVm } from './classify.js';
import { allOf, matchSource, matchTarget } from './match.js';
import { NSG_PRIORITY_MAX, NSG_PRIORITY_MIN, type NsgRule } from './types.js';

/**
 * broad-ahead-of-narrow: a broad Allow comes before a narrow one, so no deny can sit behind every
 * narrow rule and ahead of every broad one; no-free-priority: every priority in the window is taken.
 */
type PlacementConflict = 'broad-ahead-of-narrow' | 'no-free-priority';

export type PriorityPlan =
  | { ok: true; priority: number }
  | { ok: false; reason: PlacementConflict; blocking: NsgRule[] };

export interface GrantOnVm {
  ports: readonly PortRange[];
  /** The grant's source prefix (CIDR, or an address for a host prefix). */
  source: string;
  /** The VM's private IP addresses (or blocks). */
  destinations: readonly string[];
}

function byPriority(rules: Iterable<NsgRule>): NsgRule[] {
  return [...new Set(rules)].sort((a, b) => a.priority - b.priority);
}

/**
 * The largest free priority strictly between `after` and `before` (either may be absent: the window
 * then runs to the end of 100–4096). On failure the rules in the way are the ones filling the window
 * and the two that bound it.
 */
function largestFreeBetween(
  rules: readonly NsgRule[],
  after: NsgRule | undefined,
  before: NsgRule | undefined,
): PriorityPlan {
  const low = Math.max(after?.priority ?? NSG_PRIORITY_MIN - 1, NSG_PRIORITY_MIN - 1);
  const high = Math.min(before?.priority ?? NSG_PRIORITY_MAX + 1, NSG_PRIORITY_MAX + 1);
  const inbound = rules.filter((rule) => rule.direction === 'Inbound');
  const taken = new Set(inbound.map((rule) => rule.priority));
  for (let priority = high - 1; priority > low; priority--) {
    if (!taken.has(priority)) return { ok: true, priority };
  }
  const filling = inbound.filter((rule) => rule.priority > low && rule.priority < high);
  const bounds = [after, before].filter((rule) => rule !== undefined);
  return { ok: false, reason: 'no-free-priority', blocking: byPriority([...filling, ...bounds]) };
}

/**
 * The priority of the lock-down deny rule for `target` in one NSG: behind every narrow Allow that
 * covers a policy port on the VM, ahead of every broad one.
 */
export function planDenyPriority(rules: readonly NsgRule[], target: PortsOnVm): PriorityPlan {
  const covering = findCoveringAllows(rules, target);
  const narrow = covering.filter((allow) => allow.breadth === 'narrow');
  const broad = covering.filter((allow) => allow.breadth === 'broad');
  const lastNarrow = narrow.at(-1)?.rule;
  const firstBroad = broad[0]?.rule;
  if (lastNarrow !== undefined && firstBroad !== undefined && firstBroad.priority < lastNarrow.priority) {
    const inverted = [
      ...broad.filter((allow) => allow.rule.priority < lastNarrow.priority),
      ...narrow.filter((allow) => allow.rule.priority > firstBroad.priority),
    ];
    return {
      ok: false,
      reason: 'broad-ahead-of-narrow',
      blocking: byPriority(inverted.map((allow) => allow.rule)),
    };
  }
  return largestFreeBetween(rules, lastNarrow, firstBroad);
}

/**
 * The priority of a grant's Allow rule in one NSG: ahead of every Deny rule that may match the
 * grant's traffic (its source, to the VM, on its ports), jit's own deny and the owner's alike. A Deny
 * that may or may not match (a service tag, an application security group) counts as matching, so
 * the grant is never left behind it.
 */
export function planAllowPriority(rules: readonly NsgRule[], grant: GrantOnVm): PriorityPlan {
  const source = parsePrefix(grant.source, 'Grant source');
  const destinations = grant.destinations.map((address) => addressOrPrefix(address));
  const firstDeny = rules
    .filter(
      (rule) =>
        rule.direction === 'Inbound' &&
        rule.access === 'Deny' &&
        rule.priority >= NSG_PRIORITY_MIN &&
        rule.priority <= NSG_PRIORITY_MAX &&
        allOf(matchTarget(rule, grant.ports, destinations), matchSource(rule, source)) !== 'no',
    )
    .sort((a, b) => a.priority - b.priority)[0];
  return largestFreeBetween(rules, undefined, firstDeny);
}
