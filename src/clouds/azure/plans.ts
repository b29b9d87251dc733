/**
 * What jit wants in one NSG, as NsgEdit planners: the lock-down deny rules of `jit enable`
 * (docs/azure.md, "Priorities") and the allow rules of a grant. The priorities come from the core's
 * planners (planDenyPriority, planAllowPriority); this file only chooses which rules to ask about
 * and builds the bodies.
 *
 * The deny rule's source is `*`, as in Defender for Cloud's "deny all inbound traffic" rules: the
 * rules jit places it behind (narrow ones, and grants) keep working, everything else meets the deny.
 * Its destination is the VM's own private addresses, so in a subnet NSG it concerns only this VM.
 */
import { ProviderError } from '../../core/errors.js';
import type { Policy } from '../../core/model.js';
import { findCoveringAllows } from '../../core/nsg/classify.js';
import { type PriorityPlan, planAllowPriority, planDenyPriority } from '../../core/nsg/plan.js';
import type { NsgRule } from '../../core/nsg/types.js';
import type { GrantSpec } from '../../core/ports.js';
import { parsePrefix } from '../../core/prefix.js';
import type { SecurityRule } from './arm-api.js';
import { destinationsThrough, type NsgSnapshot, type VmNetwork } from './network.js';
import { choosePriority, type DesiredRules, type NsgPlanner } from './nsg-edit.js';
import {
  allDenyRuleNames,
  allowRuleName,
  byProtocol,
  denyDescription,
  denyRuleName,
  type Family,
  grantDescription,
  ruleBody,
  toNsgRule,
} from './rules.js';

export interface PlannedEdit {
  owns: (name: string) => boolean;
  planner: NsgPlanner;
}

const lower = (name: string | undefined) => (name ?? '').toLowerCase();

function nsgRules(rules: readonly SecurityRule[], keep: (name: string) => boolean): NsgRule[] {
  return rules
    .filter((rule) => keep(lower(rule.name)))
    .map(toNsgRule)
    .filter((rule): rule is NsgRule => rule !== undefined);
}

/**
 * The VM's addresses behind this NSG, by family. `broadVirtualNetwork` when some of them sit in a
 * subnet whose default route goes to an appliance (network.ts): a `VirtualNetwork` Allow then lets the
 * whole internet in, so the deny rule must go ahead of it.
 */
function families(
  network: VmNetwork,
  nsg: NsgSnapshot,
): { family: Family; destinations: string[]; broadVirtualNetwork: boolean }[] {
  const paths = destinationsThrough(network, nsg.id);
  return ([4, 6] as const)
    .map((family) => {
      const ofFamily = paths.filter((path) => path.family === family);
      return {
        family,
        destinations: ofFamily.map((path) => path.address),
        broadVirtualNetwork: ofFamily.some((path) => path.broadVirtualNetwork),
      };
    })
    .filter((entry) => entry.destinations.length > 0);
}

function named(rules: NsgRule[]): string {
  const shown = rules.slice(0, 8).map((rule) => `${rule.name} (${rule.access}, priority ${rule.priority})`);
  return shown.join(', ') + (rules.length > shown.length ? ` and ${rules.length - shown.length} more` : '');
}

/** Enable or a grant cannot be placed: fail before writing anything, naming the rules in the way. */
function noSlot(nsg: NsgSnapshot, plan: Extract<PriorityPlan, { ok: false }>, what: 'deny' | 'allow'): ProviderError {
  const why =
    plan.reason === 'broad-ahead-of-narrow'
      ? `an Allow rule open to the internet comes before a narrower Allow rule, so no deny rule can sit behind every narrow rule and ahead of every broad one`
      : what === 'deny'
        ? 'every priority between the rules the lock-down must follow and those it must precede is taken'
        : 'every priority ahead of the first Deny rule that would block the grant is taken';
  return new ProviderError(
    'JIT_AZURE_NO_PRIORITY_SLOT',
    `No room for jit's ${what} rule in network security group ${nsg.name}: ${why}. Rules in the way: ${named(plan.blocking)}. Nothing was changed.`,
    {
      hint: 'jit never moves or edits rules it did not create: renumber or narrow one of those rules, then run the command again.',
      details: {
        nsg: nsg.id,
        reason: plan.reason,
        blocking: plan.blocking.map((rule) => ({ name: rule.name, priority: rule.priority, access: rule.access })),
      },
    },
  );
}

/** The VM's lock-down in one NSG: one deny rule per protocol (and family); no policy means none. */
export function denyEdit(
  network: VmNetwork,
  nsg: NsgSnapshot,
  policy: Policy | undefined,
  random: () => number,
): PlannedEdit {
  const own = allDenyRuleNames(network);
  const owns = (name: string) => own.has(name);
  const planner: NsgPlanner = (rules, attempt) => {
    const desired: DesiredRules = new Map();
    for (const rule of rules) if (owns(lower(rule.name))) desired.set(lower(rule.name), null);
    if (!policy) return desired;
    // jit's own deny rules are left out: a re-enable replaces them (planDenyPriority's contract).
    const occupied = nsgRules(rules, (name) => !owns(name));
    for (const { family, destinations, broadVirtualNetwork } of families(network, nsg)) {
      for (const group of byProtocol(policy.ports)) {
        const place = (taken: readonly NsgRule[]) =>
          planDenyPriority(taken, { ports: group.ports, destinations, broadVirtualNetwork });
        const plan = choosePriority(occupied, place, attempt, random);
        if (!plan.ok) throw noSlot(nsg, plan, 'deny');
        const rule = ruleBody({
          name: denyRuleName(network, group.protocol, family),
          priority: plan.priority,
          access: 'Deny',
          protocol: group.protocol,
          source: '*',
          destinations,
          ports: group.ports,
          description: denyDescription(network.name),
        });
        desired.set(lower(rule.name), rule);
        occupied.push(rule);
      }
    }
    return desired;
  };
  return { owns, planner };
}

/** Notes for the enable report: which existing rules keep working ahead of the deny, which it now blocks. */
export function lockdownNotes(network: VmNetwork, nsg: NsgSnapshot, policy: Policy): string[] {
  const own = allDenyRuleNames(network);
  const rules = nsgRules(nsg.rules, (name) => !own.has(name) && !name.startsWith('jit-allow-'));
  const paths = destinationsThrough(network, nsg.id);
  const destinations = paths.map((path) => path.address);
  const broadVirtualNetwork = paths.some((path) => path.broadVirtualNetwork);
  const covering = findCoveringAllows(rules, { ports: policy.ports, destinations, broadVirtualNetwork });
  return covering.map(({ rule, breadth }) =>
    breadth === 'narrow'
      ? `narrow rule ${nsg.name}/${rule.name} (priority ${rule.priority}) keeps working ahead of the lock-down`
      : `broad rule ${nsg.name}/${rule.name} (priority ${rule.priority}) now sits behind jit's deny rule and no longer lets the internet in`,
  );
}

/** Every name a grant's rules can have in this VM's NSGs (one rule, or one per protocol). */
function grantNames(network: VmNetwork, grantId: string): Set<string> {
  const names = new Set<string>();
  for (const protocol of ['tcp', 'udp', '*'] as const) {
    for (const multi of [false, true]) names.add(allowRuleName(network.name, grantId, protocol, multi).toLowerCase());
  }
  return names;
}

/**
 * A grant's allow rules in one NSG; undefined when no address of the source's family sits behind it.
 * A rule that already exists (the grant is being extended) keeps its priority: only its description,
 * which carries the expiry, changes.
 */
export function allowEdit(
  network: VmNetwork,
  nsg: NsgSnapshot,
  grant: GrantSpec,
  random: () => number,
): PlannedEdit | undefined {
  const family = parsePrefix(grant.source, '--source').family;
  const destinations = families(network, nsg).find((entry) => entry.family === family)?.destinations;
  if (!destinations) return undefined;
  const own = grantNames(network, grant.id);
  const owns = (name: string) => own.has(name);
  const groups = byProtocol(grant.ports);
  const planner: NsgPlanner = (rules, attempt) => {
    const desired: DesiredRules = new Map();
    for (const rule of rules) if (owns(lower(rule.name))) desired.set(lower(rule.name), null);
    const occupied = nsgRules(rules, (name) => !owns(name));
    for (const group of groups) {
      const name = allowRuleName(network.name, grant.id, group.protocol, groups.length > 1);
      const existing = rules.find((rule) => lower(rule.name) === name.toLowerCase());
      const place = (taken: readonly NsgRule[]) =>
        planAllowPriority(taken, { ports: group.ports, source: grant.source, destinations });
      const plan: PriorityPlan = typeof existing?.priority === 'number'
        ? { ok: true, priority: existing.priority }
        : choosePriority(occupied, place, attempt, random);
      if (!plan.ok) throw noSlot(nsg, plan, 'allow');
      const rule = ruleBody({
        name,
        priority: plan.priority,
        access: 'Allow',
        protocol: group.protocol,
        source: grant.source,
        destinations,
        ports: group.ports,
        description: grantDescription({ grantId: grant.id, expiresAt: grant.expiresAt, requester: grant.requester }),
      });
      desired.set(name.toLowerCase(), rule);
      occupied.push(rule);
    }
    return desired;
  };
  return { owns, planner };
}
