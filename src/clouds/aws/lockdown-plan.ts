/**
 * What `jit enable` does to an EC2 instance's security groups, decided from a snapshot of them
 * (docs/aws.md, docs/safety.md). Pure: no SDK call, no clock. lockdown.ts reads the snapshot and
 * turns the decisions into undoable journal steps.
 *
 * The decisions, in the order they are applied:
 * - the instance gets one empty group of jit's own, `jit-access-<instance-id>` (grants go there,
 *   so requests never spend the groups-per-interface quota), made once and reused;
 * - a rule of another attached group that lets the internet (0.0.0.0/0, ::/0) reach a policy port
 *   is revoked whole (jit never rewrites a rule it did not create), after being recorded exactly on
 *   the jit group (records.ts); a narrow rule on a policy port is kept and named, or revoked too
 *   with --include-narrow; a rule on other ports or protocols is never touched;
 * - a group other instances or interfaces also use is not edited: the command is refused, or with
 *   --isolate the instance swaps it for a copy without those rules (the swap is recorded);
 * - on a re-run, revoked rules the new policy no longer covers are put back, and copies made by an
 *   earlier --isolate follow their original under the new policy;
 * - the policy is written as the instance's tag; the records must fit EC2's 50 tags per group.
 */
import { isJitError, type JitError, ProviderError, UserError } from '../../core/errors.js';
import type { Policy } from '../../core/model.js';
import { encodePolicy, POLICY_TAG } from '../../core/policy.js';
import type { EnableOptions } from '../../core/ports.js';
import type { GroupView } from './inventory.js';
import {
  decodeRecords,
  encodeRevoked,
  jitGroupName,
  MAX_TAGS,
  RECORD_VERSION,
  type RecordedRule,
  recordTagKeys,
  TAGS,
} from './records.js';
import {
  describeRule,
  isWorldOpen,
  type RuleLike,
  ruleIdentity,
  ruleOpensMoreThan,
  ruleOverlaps,
  type SgRule,
} from './rules.js';

/** The instance, as the planner needs it. */
export interface InstanceView {
  id: string;
  vpcId: string | undefined;
  /** How many network interfaces it has. */
  interfaces: number;
  /** Its security groups, in EC2's order. */
  groups: string[];
  tags: Record<string, string>;
}

export interface AwsLockdownSnapshot {
  instance: InstanceView;
  /** The instance's jit group, if an earlier enable made it. */
  jit: GroupView | undefined;
  /** The groups `groupsToRead` names that still exist, with their rules. */
  groups: Map<string, GroupView>;
  /** Other instances and interfaces that use each group `groupsToCheck` names. */
  users: Map<string, string[]>;
}

export type LockdownOptions = Pick<EnableOptions, 'includeNarrow' | 'isolate'>;

export type GroupLabel = Pick<GroupView, 'id' | 'name'>;

/** A group this plan creates; `copy` when it is --isolate's copy of a shared group. */
export interface CreateGroup {
  kind: 'create-group';
  name: string;
  description: string;
  vpcId: string;
  tags: Record<string, string>;
  copy?: { of: GroupLabel; omitted: SgRule[]; ingress: SgRule[]; egress: SgRule[] };
}

export type LockdownAction =
  | CreateGroup
  /** On the jit group: the instance uses `copy` (a group this plan creates, by name) instead of `original`. */
  | { kind: 'record-swaps'; swaps: { original: GroupLabel; copy: string }[] }
  /** The instance's group set; `after` holds ids and the names of groups this plan creates. */
  | { kind: 'set-groups'; before: string[]; after: string[]; detached: { group: GroupLabel; copy: string }[] }
  /** On the jit group, before the revokes: the exact record of each rule to revoke. */
  | { kind: 'record-revoked'; count: number; tags: { Key: string; Value: string }[] }
  | { kind: 'revoke'; group: GroupLabel; rules: SgRule[] }
  /** A recorded rule the new policy does not need revoked, authorised again as recorded. */
  | { kind: 'restore'; group: GroupLabel; rule: RecordedRule }
  | { kind: 'drop-records'; count: number; keys: string[] }
  /** A rule an --isolate copy lacks that its original has and the policy allows. */
  | { kind: 'add-to-copy'; copy: GroupLabel; original: GroupLabel; rule: RuleLike }
  | { kind: 'set-policy-tag'; value: string };

export type AwsLockdownPlan =
  | { ok: true; actions: LockdownAction[]; notes: string[] }
  | { ok: false; error: JitError };

/** `sg-0abc (web)`, or the id alone where the group has no other name. */
export function groupText(group: GroupLabel): string {
  return group.name === group.id ? group.id : `${group.id} (${group.name})`;
}

function labelOf(group: GroupLabel): GroupLabel {
  return { id: group.id, name: group.name };
}

/**
 * Refusals that need nothing but the instance, so the shell makes them before any other read.
 * ModifyInstanceAttribute sets the groups of an instance with one network interface; with several
 * (each interface has its own group set) it "can result in an error" (EC2 API reference, quoted in
 * https://hackage.haskell.org/package/amazonka-ec2-1.6.1/docs/Network-AWS-EC2-ModifyInstanceAttribute.html),
 * so jit refuses first.
 */
export function instanceRefusal(instance: InstanceView): JitError | undefined {
  if (!instance.vpcId) {
    return new ProviderError('JIT_AWS_NO_VPC', `Instance ${instance.id} is not in a VPC; jit manages VPC security groups.`);
  }
  if (instance.interfaces > 1) {
    return new ProviderError(
      'JIT_AWS_MULTIPLE_INTERFACES',
      `Instance ${instance.id} has ${instance.interfaces} network interfaces; jit manages the security groups of single-interface instances only.`,
      { hint: 'Nothing was changed. Lock the ports down on each interface\'s groups by hand.' },
    );
  }
  return undefined;
}

const NO_RECORDS = { revoked: [], swaps: [] };

/** The groups whose rules the plan depends on: attached, and named by the jit group's records. */
export function groupsToRead(instance: InstanceView, jit: GroupView | undefined): string[] {
  const records = jit ? decodeRecords(jit.tags) : NO_RECORDS;
  return [
    ...instance.groups,
    ...records.swaps.map((swap) => swap.original),
    ...records.revoked.map((rule) => rule.groupId),
  ];
}

/** The rule as it would be on `groupId` (a copy made from another group). */
function onGroup(rule: SgRule, groupId: string): RuleLike {
  const { ruleId: _ruleId, tags: _tags, ...rest } = rule;
  return { ...rest, groupId };
}

/** Rules of a copy match their original's by what they allow and by description. */
function copyKey(rule: RuleLike): string {
  return `${ruleIdentity(rule)};${rule.description ?? ''}`;
}

function copyName(original: GroupLabel, instanceId: string): string {
  const suffix = `-jit-${instanceId}`;
  // EC2 group names hold 255 characters.
  return `${original.name.slice(0, 255 - suffix.length)}${suffix}`;
}

/** What the snapshot says before any decision: which attached groups jit may edit, and what offends. */
function assess(snapshot: Omit<AwsLockdownSnapshot, 'users'>, policy: Policy, options: LockdownOptions) {
  const { instance, jit, groups } = snapshot;
  const records = jit ? decodeRecords(jit.tags) : NO_RECORDS;
  const inPolicy = (rule: Pick<SgRule, 'protocol' | 'from' | 'to'>) => policy.ports.some((port) => ruleOverlaps(rule, port));
  const offends = (rule: RuleLike) => inPolicy(rule) && (options.includeNarrow || isWorldOpen(rule));
  // jit's own group and its --isolate copies are jit's to keep in line, not rules to record.
  const copies = new Set(records.swaps.map((swap) => swap.copy));
  const editable = instance.groups
    .filter((id) => id !== jit?.id && !copies.has(id))
    .flatMap((id) => (groups.has(id) ? [groups.get(id) as GroupView] : []));
  const offending = new Map<string, SgRule[]>();
  const notes: string[] = [];
  for (const group of editable) {
    const rules = group.ingress.filter(offends);
    if (rules.length > 0) offending.set(group.id, rules);
    for (const rule of group.ingress.filter((r) => inPolicy(r) && !offends(r))) {
      notes.push(`${describeRule(rule, groupText(group))} is not open to the internet and keeps working (--include-narrow revokes it too).`);
    }
  }
  return { records, offends, editable, offending, notes };
}

function sharedError(groups: GroupView[], users: Map<string, string[]>, offending: Map<string, SgRule[]>): UserError {
  const parts = groups.map((g) => `${groupText(g)} (used by ${(users.get(g.id) ?? []).join(', ')})`);
  return new UserError(
    'JIT_AWS_GROUP_SHARED',
    `jit would revoke internet rules from ${parts.join('; ')}, but a group shared with other instances or interfaces is not edited in place. Nothing was changed.`,
    {
      hint: 'Pass --isolate to give this instance its own copy of the group without those rules (the others keep theirs), or move the others off the group first.',
      details: {
        groups: groups.map((g) => ({
          groupId: g.id,
          groupName: g.name,
          usedBy: users.get(g.id) ?? [],
          rules: (offending.get(g.id) ?? []).map((rule) => describeRule(rule, groupText(g))),
        })),
      },
    },
  );
}

/** The groups with rules to revoke: whether another instance or interface uses them is the next read. */
export function groupsToCheck(
  snapshot: Omit<AwsLockdownSnapshot, 'users'>,
  policy: Policy,
  options: LockdownOptions,
): string[] {
  return [...assess(snapshot, policy, options).offending.keys()];
}

export function planAwsLockdown(
  snapshot: AwsLockdownSnapshot,
  policy: Policy,
  options: LockdownOptions,
): AwsLockdownPlan {
  const refusal = instanceRefusal(snapshot.instance);
  if (refusal) return { ok: false, error: refusal };
  try {
    return decide(snapshot, policy, options);
  } catch (error) {
    // Records edited by hand (decodeRecords) are refused rather than guessed at.
    if (isJitError(error)) return { ok: false, error };
    throw error;
  }
}

function decide(snapshot: AwsLockdownSnapshot, policy: Policy, options: LockdownOptions): AwsLockdownPlan {
  const { instance, jit, groups, users } = snapshot;
  const instanceId = instance.id;
  const vpcId = instance.vpcId as string;
  const attached = instance.groups;
  const { records, offends, editable, offending, notes } = assess(snapshot, policy, options);
  const shared = editable.filter((group) => offending.has(group.id) && (users.get(group.id) ?? []).length > 0);
  if (shared.length > 0 && !options.isolate) {
    return { ok: false, error: sharedError(shared, users, offending) };
  }

  const actions: LockdownAction[] = [];
  const jitName = jitGroupName(instanceId);
  if (!jit) {
    actions.push({
      kind: 'create-group',
      name: jitName,
      description: `jit-access: just-in-time access rules for ${instanceId}`,
      vpcId,
      tags: { [TAGS.managed]: RECORD_VERSION, [TAGS.instance]: instanceId },
    });
  }

  // --isolate: the instance gets its own copy of each shared group, without the offending rules.
  const swapNames = new Map<string, string>();
  for (const original of shared) {
    const name = copyName(original, instanceId);
    swapNames.set(original.id, name);
    const omitted = offending.get(original.id) ?? [];
    const kept = original.ingress.filter((rule) => !omitted.includes(rule));
    actions.push({
      kind: 'create-group',
      name,
      description: `jit-access: copy of ${original.id} for ${instanceId}, without its internet rules on the policy ports`.slice(0, 255),
      vpcId,
      tags: { [TAGS.copyOf]: original.id, [TAGS.instance]: instanceId },
      copy: { of: labelOf(original), omitted, ingress: kept, egress: original.egress },
    });
    if (kept.some((rule) => rule.source.kind === 'group' && rule.source.groupId === original.id)) {
      notes.push(
        `${groupText(original)} admits its own members; the copy ${name} still admits members of ${original.id}, but they no longer admit this instance by that rule.`,
      );
    }
  }
  const swapped = shared.map((group) => ({ group: labelOf(group), copy: swapNames.get(group.id) as string }));
  if (shared.length > 0) {
    actions.push({ kind: 'record-swaps', swaps: swapped.map(({ group, copy }) => ({ original: group, copy })) });
  }

  // The instance's group set: copies in place of shared groups, jit's group added. The
  // groups-per-interface quota is EC2's to enforce (5 by default, adjustable up to 16): a full
  // interface answers SecurityGroupsPerInterfaceLimitExceeded, and the rollback undoes the rest.
  const wanted = attached.map((id) => swapNames.get(id) ?? id);
  if (!jit || !attached.includes(jit.id)) wanted.push(jitName);
  if (wanted.length !== attached.length || wanted.some((id, i) => id !== attached[i])) {
    actions.push({ kind: 'set-groups', before: attached, after: wanted, detached: swapped });
  }

  // Record, then revoke: a crash in between leaves a record of a rule that still exists, which
  // disable handles (it skips rules already present); the other order could lose a rule.
  const toRevoke = editable.filter((group) => offending.has(group.id) && !swapNames.has(group.id));
  const newRecords = toRevoke.flatMap((group) => offending.get(group.id) ?? []);
  const recordTags = newRecords.flatMap(encodeRevoked);
  if (recordTags.length > 0) actions.push({ kind: 'record-revoked', count: newRecords.length, tags: recordTags });
  for (const group of toRevoke) {
    const rules = offending.get(group.id) ?? [];
    actions.push({ kind: 'revoke', group: labelOf(group), rules });
    for (const rule of rules.filter((r) => Object.keys(r.tags).length > 0)) {
      notes.push(
        `${describeRule(rule, groupText(group))} has tags of its own (${Object.keys(rule.tags).join(', ')}); \`jit disable\` restores the rule exactly but not its tags, which EC2 drops with the rule.`,
      );
    }
    for (const rule of rules.filter((r) => ruleOpensMoreThan(r, policy.ports))) {
      notes.push(
        `${describeRule(rule, groupText(group))} opens more than the policy's ports; it is revoked whole (jit never rewrites a rule it did not create), so its other ports are closed to the internet as well until \`jit disable\` restores it.`,
      );
    }
  }

  // Re-enable with a narrower policy: put back what the new policy no longer needs revoked.
  const obsolete = records.revoked.filter((rule) => !offends(rule));
  for (const rule of obsolete) {
    const group = groups.get(rule.groupId);
    if (!group) {
      notes.push(`${describeRule(rule)} cannot be restored: its group no longer exists. Its record is dropped.`);
    } else if (group.ingress.some((r) => ruleIdentity(r) === ruleIdentity(rule))) {
      notes.push(`${describeRule(rule, groupText(group))} is already back; its record is dropped.`);
    } else {
      actions.push({ kind: 'restore', group: labelOf(group), rule });
    }
  }
  const dropped = obsolete.flatMap(recordTagKeys);
  if (jit && obsolete.length > 0) actions.push({ kind: 'drop-records', count: obsolete.length, keys: dropped });

  // Copies made by an earlier --isolate follow their original and the current policy.
  for (const swap of records.swaps.filter((s) => attached.includes(s.copy))) {
    const original = groups.get(swap.original);
    const copy = groups.get(swap.copy);
    if (!original || !copy) {
      notes.push(`${swap.copy}, the copy of ${swap.original}, was left as it is: the original group no longer exists.`);
      continue;
    }
    const wantedRules = original.ingress.filter((rule) => !offends(rule)).map((rule) => onGroup(rule, copy.id));
    const wantedKeys = new Set(wantedRules.map(copyKey));
    const presentKeys = new Set(copy.ingress.map(copyKey));
    const extra = copy.ingress.filter((rule) => !wantedKeys.has(copyKey(rule)));
    if (extra.length > 0) actions.push({ kind: 'revoke', group: labelOf(copy), rules: extra });
    for (const rule of wantedRules.filter((r) => !presentKeys.has(copyKey(r)))) {
      actions.push({ kind: 'add-to-copy', copy: labelOf(copy), original: labelOf(original), rule });
    }
  }

  const value = encodePolicy(policy);
  if (instance.tags[POLICY_TAG] !== value) actions.push({ kind: 'set-policy-tag', value });

  // EC2 keeps at most 50 tags on a group: refuse before writing rather than half-way.
  const tagCount = new Set([
    ...Object.keys(jit?.tags ?? { [TAGS.managed]: '', [TAGS.instance]: '' }),
    ...recordTags.map((tag) => tag.Key),
    ...shared.map((g) => `${TAGS.swap}${g.id}`),
  ]);
  for (const key of dropped) tagCount.delete(key);
  if (tagCount.size > MAX_TAGS) {
    const error = new ProviderError(
      'JIT_AWS_TOO_MANY_RECORDS',
      `Recording the ${newRecords.length} rule(s) to revoke would need ${tagCount.size} tags on ${jitName}; EC2 allows ${MAX_TAGS}. Nothing was changed.`,
      { hint: 'Merge the instance groups\' internet rules for the policy ports into fewer rules, then run `jit enable` again.' },
    );
    return { ok: false, error };
  }
  return { ok: true, actions, notes };
}
