/**
 * Writing jit's rules into NSGs safely. An NsgEdit owns a set of rule names in one NSG (a VM's deny
 * rules, or one grant's allow rules) and a plan: given the NSG's current rules, what each owned
 * name should be (a rule, or nothing). It never touches a rule outside its names (docs/safety.md).
 *
 * - Concurrent writers: a write that lost a race (a priority taken meanwhile, another write to the
 *   same NSG, an operation Azure cancelled in favour of another) makes the edit re-read the NSG,
 *   re-plan and try again, under the one retry policy of every ARM write (write-retry.ts).
 * - Rollback: the edit remembers its names as they were at the first read and the names it wrote; a
 *   caller whose later step fails (another NSG, the VM tag) calls `rollback()` to put them back
 *   (docs/safety.md, "Rollback": a failure half-way rolls back what was written).
 */
import type { RuleChange } from '../../core/ports.js';
import type { NsgRule } from '../../core/nsg/types.js';
import type { PriorityPlan } from '../../core/nsg/plan.js';
import type { AzureApi, SecurityRule } from './arm-api.js';
import { refusedBeforeWriting } from './errors.js';
import type { NsgSnapshot } from './network.js';
import { ruleSummary, sameRule, writableCopy } from './rules.js';
import { type EditRuntime, realRuntime, retryWrite } from './write-retry.js';

/** What each owned name (lower case) should be: the rule to write, or null for "no such rule". */
export type DesiredRules = Map<string, (SecurityRule & { name: string }) | null>;

/** `attempt` is 0 on the first plan and counts retries after a conflict (see choosePriority). */
export type NsgPlanner = (rules: readonly SecurityRule[], attempt: number) => DesiredRules;

interface Op {
  kind: 'put' | 'delete';
  name: string;
  rule?: SecurityRule & { name: string };
}

const lower = (name: string | undefined) => (name ?? '').toLowerCase();

function find(rules: readonly SecurityRule[], name: string): SecurityRule | undefined {
  return rules.find((rule) => lower(rule.name) === name);
}

/**
 * The writes that take `rules` to `desired`. Deletes go first, and so does any owned rule sitting on
 * a priority another owned rule is about to take (a policy change can shuffle jit's own rules): it
 * is deleted and, if still wanted, written back at its new place, since ARM would refuse the clash.
 */
function diff(rules: readonly SecurityRule[], desired: DesiredRules): Op[] {
  const deletes: Op[] = [];
  const puts: Op[] = [];
  for (const [name, rule] of desired) {
    const existing = find(rules, name);
    if (rule === null) {
      if (existing) deletes.push({ kind: 'delete', name: existing.name ?? name });
    } else if (!existing || existing.provisioningState === 'Failed' || !sameRule(existing, rule)) {
      puts.push({ kind: 'put', name: rule.name, rule });
    }
  }
  for (const put of puts) {
    const holder = rules.find(
      (rule) => rule.direction === 'Inbound' && rule.priority === put.rule?.priority && lower(rule.name) !== lower(put.name),
    );
    const alreadyDeleted = deletes.some((op) => lower(op.name) === lower(holder?.name));
    if (holder && desired.has(lower(holder.name)) && !alreadyDeleted) {
      deletes.push({ kind: 'delete', name: holder.name ?? '' });
    }
  }
  return [...deletes, ...puts];
}

function applyLocally(rules: SecurityRule[], op: Op): SecurityRule[] {
  const rest = rules.filter((rule) => lower(rule.name) !== lower(op.name));
  return op.kind === 'put' && op.rule ? [...rest, op.rule] : rest;
}

export class NsgEdit {
  private rules: SecurityRule[];
  /** The owned names as they were at the first read (a name absent here did not exist). */
  private readonly original = new Map<string, SecurityRule>();
  /** Owned names this edit may have written (PUT or DELETE sent and not refused outright). */
  private readonly touched = new Set<string>();

  constructor(
    private readonly api: AzureApi,
    readonly nsg: NsgSnapshot,
    private readonly owns: (name: string) => boolean,
    private readonly planner: NsgPlanner,
    private readonly runtime: EditRuntime = realRuntime,
  ) {
    this.rules = [...nsg.rules];
    for (const rule of nsg.rules) if (owns(lower(rule.name))) this.original.set(lower(rule.name), rule);
  }

  /** The NSG's rules as this edit last saw or left them. */
  currentRules(): SecurityRule[] {
    return [...this.rules];
  }

  /** The rules of the NSG this edit owns, as it last saw or left them. */
  ownedRules(): SecurityRule[] {
    return this.rules.filter((rule) => this.owns(lower(rule.name)));
  }

  /** The changes the plan makes to the NSG as first read: the exact --dry-run answer. */
  preview(): RuleChange[] {
    const ops = diff(this.nsg.rules, this.planner(this.nsg.rules, 0));
    return ops.map((op) => {
      const before = find(this.nsg.rules, lower(op.name));
      return this.change(op.kind === 'put' ? op.rule : undefined, before, op.name);
    });
  }

  /** Writes the plan, re-reading and re-planning after a lost race (write-retry.ts). */
  async apply(): Promise<void> {
    await retryWrite(this.runtime, async (attempt) => {
      if (attempt > 0) {
        const fresh = await this.api.getNsg(this.nsg.resourceGroup, this.nsg.name);
        this.rules = [...(fresh.securityRules ?? [])];
      }
      for (const op of diff(this.rules, this.planner(this.rules, attempt))) await this.execute(op);
    });
  }

  /** Puts every owned name this edit wrote back as it was; returns the names it could not restore. */
  async rollback(): Promise<string[]> {
    const desired: DesiredRules = new Map();
    for (const name of this.touched) {
      const before = this.original.get(name);
      desired.set(name, before ? { ...writableCopy(before), name: before.name ?? name } : null);
    }
    const failed: string[] = [];
    for (const op of diff(this.rules, desired)) {
      try {
        await this.execute(op);
      } catch {
        failed.push(`${this.nsg.name}/${op.name}`);
      }
    }
    return failed;
  }

  /** What this edit changed, from the first read to now. */
  changes(): RuleChange[] {
    return [...this.touched].flatMap((name) => {
      const before = this.original.get(name);
      const after = find(this.rules, name);
      if (before && after && sameRule(before, after)) return [];
      if (!before && !after) return [];
      return [this.change(after, before, after?.name ?? before?.name ?? name)];
    });
  }

  private change(after: SecurityRule | undefined, before: SecurityRule | undefined, name: string): RuleChange {
    const op = !after ? 'remove-rule' : before ? 'update-rule' : 'add-rule';
    const rule = after ?? before ?? { name };
    return {
      op,
      on: this.nsg.name,
      summary: ruleSummary({ ...rule, name }),
      detail: { nsg: this.nsg.id, ...writableCopy(rule), name },
    };
  }

  private async execute(op: Op): Promise<void> {
    try {
      if (op.kind === 'put' && op.rule) {
        const { name, ...body } = op.rule;
        await this.api.putRule(this.nsg.resourceGroup, this.nsg.name, name, body);
      } else {
        await this.api.deleteRule(this.nsg.resourceGroup, this.nsg.name, op.name);
      }
    } catch (error) {
      if (!refusedBeforeWriting(error)) {
        // Accepted, then failed (or no answer): the rule may exist, left "Failed" by the operation
        // (the Network RP keeps a failed write's content), so rollback must see it to remove it.
        this.touched.add(lower(op.name));
        if (op.kind === 'put' && op.rule) {
          this.rules = applyLocally(this.rules, { ...op, rule: { ...op.rule, provisioningState: 'Failed' } });
        }
      }
      throw error;
    }
    this.touched.add(lower(op.name));
    this.rules = applyLocally(this.rules, op);
  }
}

/** A rule that only occupies a priority: ICMP matches no policy port, so no planner counts it. */
function placeholder(priority: number): NsgRule {
  return {
    name: '',
    priority,
    direction: 'Inbound',
    access: 'Deny',
    protocol: 'Icmp',
    sourceAddressPrefix: '*',
    destinationAddressPrefix: '*',
    sourcePortRange: '*',
    destinationPortRange: '*',
  };
}

/**
 * The planner's priority on the first attempt. After a conflict, one of the 2^attempt best priorities
 * (at most 16), at random: writers that all lost the same slot would otherwise all race for the next
 * one. Every candidate satisfies the planner's constraints (each is the planner's own answer with the
 * better ones taken), so only the tie-break between valid slots changes under contention.
 */
export function choosePriority(
  rules: readonly NsgRule[],
  plan: (rules: readonly NsgRule[]) => PriorityPlan,
  attempt: number,
  random: () => number,
): PriorityPlan {
  const first = plan(rules);
  if (!first.ok || attempt === 0) return first;
  const wanted = Math.min(2 ** attempt, 16);
  const found = [first.priority];
  const taken = [...rules];
  while (found.length < wanted) {
    taken.push(placeholder(found.at(-1)!));
    const next = plan(taken);
    if (!next.ok) break;
    found.push(next.priority);
  }
  return { ok: true, priority: found[Math.floor(random() * found.length)] ?? first.priority };
}
