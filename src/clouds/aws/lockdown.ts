/**
 * `jit enable` and `jit disable` on EC2 (SPEC §5, §8), planned as journal steps.
 *
 * Enable gives the instance one empty group of jit's own, `jit-access-<instance-id>` (grants go
 * there, so the groups-per-interface quota is never spent by requests), and revokes the rules of
 * the instance's other groups that let the internet reach a policy port, after recording each one
 * exactly on the jit group (records.ts). Disable re-authorises exactly the recorded rules, puts the
 * original group set back, and deletes what jit created. Rules jit did not record are never touched.
 */
import type { Instance } from '@aws-sdk/client-ec2';
import { ProviderError, UserError } from '../../core/errors.js';
import type { Policy } from '../../core/model.js';
import { encodePolicy, POLICY_TAG } from '../../core/policy.js';
import type { EnableOptions, RuleChange, TargetInfo } from '../../core/ports.js';
import type { AwsContext, Plan } from './context.js';
import { awsCodeOf } from './errors.js';
import { readGrantMetadata } from './grant-metadata.js';
import { describeGroups, describeInstance, findJitGroup, type GroupView, otherUsersOfGroups } from './inventory.js';
import type { Step } from './journal.js';
import { deleteGroupPatiently, groupLeftBehind } from './patience.js';
import {
  decodeRecords,
  encodeRevoked,
  encodeSwap,
  jitGroupName,
  MAX_TAGS,
  RECORD_VERSION,
  type RecordedRule,
  recordKey,
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
  tagMap,
  toIpPermission,
} from './rules.js';

/**
 * "By default, a security group includes an outbound rule that allows all outbound traffic"
 * (https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html).
 */
const NEW_GROUP_NOTE =
  'a new group allows all outbound traffic by default; attached to the instance that would widen its egress, so the rule is removed';

type GroupLike = Pick<GroupView, 'id' | 'name'>;

function label(group: GroupLike): string {
  return group.name === group.id ? group.id : `${group.id} (${group.name})`;
}

/** Ids of groups that exist now or once their step ran (a group created by this plan). */
class GroupIds {
  private readonly ids = new Map<string, string>();

  set(name: string, id: string): void {
    this.ids.set(name, id);
  }

  get(name: string): string {
    const id = this.ids.get(name);
    if (!id) throw new Error(`security group ${name} has not been created yet`);
    return id;
  }
}

export async function requireInstance(context: AwsContext, instanceId: string): Promise<Instance> {
  const instance = await describeInstance(context.ec2, instanceId);
  if (!instance) {
    throw new ProviderError('JIT_TARGET_NOT_FOUND', `No EC2 instance ${instanceId} in ${context.region}.`);
  }
  return instance;
}

export function attachedGroupIds(instance: Instance): string[] {
  return (instance.SecurityGroups ?? []).flatMap((group) => (group.GroupId ? [group.GroupId] : []));
}

/**
 * ModifyInstanceAttribute sets the groups of an instance with one network interface; EC2 refuses
 * it for an instance with several (each interface has its own group set), so jit does too, first.
 */
function checkSingleInterface(instance: Instance): void {
  const interfaces = instance.NetworkInterfaces ?? [];
  if (interfaces.length > 1) {
    throw new ProviderError(
      'JIT_AWS_MULTIPLE_INTERFACES',
      `Instance ${instance.InstanceId} has ${interfaces.length} network interfaces; jit manages the security groups of single-interface instances only.`,
      { hint: 'Nothing was changed. Lock the ports down on each interface\'s groups by hand.' },
    );
  }
}

/**
 * The egress rules EC2 gives a new group: all traffic to 0.0.0.0/0, and to ::/0 where the VPC has
 * IPv6. They are revoked by their known permission, as the Terraform AWS provider does right after
 * CreateSecurityGroup (`resourceSecurityGroupCreate`), not found by listing: a filtered read of a
 * group this young can come back empty (read-after-create lag), which would leave the rule in place.
 */
const DEFAULT_EGRESS = [
  { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
  { IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
];

/**
 * A rule that is not there (no IPv6 default in an IPv4-only VPC, or already revoked by a retry
 * whose reply was lost) is what we wanted. Terraform accepts the same two answers for the IPv6 rule.
 */
function alreadyAbsent(error: unknown): boolean {
  const code = awsCodeOf(error);
  return code === 'InvalidPermission.NotFound' || (code === 'InvalidParameterValue' && /ipv6/i.test(String(error)));
}

async function revokeDefaultEgress(context: AwsContext, groupId: string): Promise<void> {
  for (const permission of DEFAULT_EGRESS) {
    try {
      await context.ec2.revokeSecurityGroupEgress({ GroupId: groupId, IpPermissions: [permission] });
    } catch (error) {
      if (!alreadyAbsent(error)) throw error;
    }
  }
}

function createGroupSteps(
  context: AwsContext,
  ids: GroupIds,
  group: { name: string; description: string; vpcId: string; tags: Record<string, string> },
  summary: string,
): Step[] {
  const tags = Object.entries(group.tags).map(([Key, Value]) => ({ Key, Value }));
  return [
    {
      changes: [
        {
          op: 'create-group',
          on: group.vpcId,
          summary,
          detail: { GroupName: group.name, Description: group.description, VpcId: group.vpcId, Tags: tags },
        },
      ],
      apply: async () => {
        const created = await context.ec2.createSecurityGroup({
          GroupName: group.name,
          Description: group.description,
          VpcId: group.vpcId,
          TagSpecifications: [{ ResourceType: 'security-group', Tags: tags }],
        });
        const groupId = created.GroupId;
        if (!groupId) throw new ProviderError('JIT_AWS_ERROR', 'EC2 CreateSecurityGroup answered without a GroupId.');
        ids.set(group.name, groupId);
        // A rollback may come right after the group was detached again: deleting it then waits
        // out DependencyViolation, and a group that will not go is named with the way to remove it.
        return async () => {
          try {
            await deleteGroupPatiently(context, groupId);
          } catch (error) {
            throw groupLeftBehind(context, { id: groupId, name: group.name }, error);
          }
        };
      },
    },
    // Why: NEW_GROUP_NOTE. No undo: the group's own undo deletes it with its rules.
    { changes: [], apply: () => revokeDefaultEgress(context, ids.get(group.name)) },
  ];
}

function revokeStep(context: AwsContext, group: GroupLike, rules: SgRule[]): Step {
  return {
    changes: rules.map((rule) => ({
      op: 'remove-rule',
      on: group.id,
      summary: `revoke ${describeRule(rule, label(group))}`,
      detail: { GroupId: group.id, SecurityGroupRuleId: rule.ruleId, IpPermission: toIpPermission(rule) },
    })),
    apply: async () => {
      await context.ec2.revokeSecurityGroupIngress({
        GroupId: group.id,
        SecurityGroupRuleIds: rules.flatMap((rule) => (rule.ruleId ? [rule.ruleId] : [])),
      });
      return async () => {
        const IpPermissions = rules.map(toIpPermission);
        await context.ec2.authorizeSecurityGroupIngress({ GroupId: group.id, IpPermissions });
      };
    },
  };
}

/** Authorises a rule exactly as recorded (same description); the undo revokes that permission. */
function authorizeStep(context: AwsContext, groupId: () => string, rule: RuleLike, change: RuleChange): Step {
  return {
    changes: [change],
    apply: async () => {
      const GroupId = groupId();
      const permission = toIpPermission(rule);
      await context.ec2.authorizeSecurityGroupIngress({ GroupId, IpPermissions: [permission] });
      return async () => {
        await context.ec2.revokeSecurityGroupIngress({ GroupId, IpPermissions: [permission] });
      };
    },
  };
}

/** The tags among `keys` that the resource had before, with their values: what undoing a write restores. */
function tagsBefore(keys: string[], before: Record<string, string>): { Key: string; Value: string }[] {
  return keys.flatMap((Key) => {
    const Value = before[Key];
    return Value === undefined ? [] : [{ Key, Value }];
  });
}

/** `tags` is read when the step runs: a value may be the id of a group an earlier step created. */
function setTagsStep(
  context: AwsContext,
  resource: () => string,
  tagsOf: () => { Key: string; Value: string }[],
  before: Record<string, string>,
  change: RuleChange,
): Step {
  return {
    changes: [change],
    apply: async () => {
      const id = resource();
      const tags = tagsOf();
      await context.ec2.createTags({ Resources: [id], Tags: tags });
      const added = tags.filter((tag) => before[tag.Key] === undefined).map((tag) => ({ Key: tag.Key }));
      const overwritten = tagsBefore(tags.map((tag) => tag.Key), before);
      return async () => {
        if (added.length > 0) await context.ec2.deleteTags({ Resources: [id], Tags: added });
        if (overwritten.length > 0) await context.ec2.createTags({ Resources: [id], Tags: overwritten });
      };
    },
  };
}

function deleteTagsStep(
  context: AwsContext,
  resource: string,
  keys: string[],
  before: Record<string, string>,
  change: RuleChange,
): Step {
  return {
    changes: [change],
    apply: async () => {
      await context.ec2.deleteTags({ Resources: [resource], Tags: keys.map((Key) => ({ Key })) });
      const restore = tagsBefore(keys, before);
      return async () => {
        if (restore.length > 0) await context.ec2.createTags({ Resources: [resource], Tags: restore });
      };
    },
  };
}

function setGroupsStep(
  context: AwsContext,
  instanceId: string,
  before: string[],
  after: () => string[],
  changes: RuleChange[],
): Step {
  return {
    changes,
    apply: async () => {
      await context.ec2.modifyInstanceAttribute({ InstanceId: instanceId, Groups: after() });
      return async () => {
        await context.ec2.modifyInstanceAttribute({ InstanceId: instanceId, Groups: before });
      };
    },
  };
}

function policyTagStep(context: AwsContext, instance: Instance, value: string | undefined): Step | undefined {
  const instanceId = instance.InstanceId as string;
  const tags = tagMap(instance.Tags);
  const current = tags[POLICY_TAG];
  if (current === value) return undefined;
  if (value === undefined) {
    return deleteTagsStep(context, instanceId, [POLICY_TAG], tags, {
      op: 'remove-tag',
      on: instanceId,
      summary: `remove tag ${POLICY_TAG} from ${instanceId}`,
      detail: { Key: POLICY_TAG },
    });
  }
  return setTagsStep(context, () => instanceId, () => [{ Key: POLICY_TAG, Value: value }], tags, {
    op: 'set-tag',
    on: instanceId,
    summary: `set tag ${POLICY_TAG}=${value} on ${instanceId}`,
    detail: { Key: POLICY_TAG, Value: value },
  });
}

function copyName(original: GroupLike, instanceId: string): string {
  const suffix = `-jit-${instanceId}`;
  // EC2 group names hold 255 characters.
  return `${original.name.slice(0, 255 - suffix.length)}${suffix}`;
}

function sharedError(groups: GroupView[], users: Map<string, string[]>, offending: Map<string, SgRule[]>): UserError {
  const parts = groups.map((g) => `${label(g)} (used by ${(users.get(g.id) ?? []).join(', ')})`);
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
          rules: (offending.get(g.id) ?? []).map((rule) => describeRule(rule, label(g))),
        })),
      },
    },
  );
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

export async function planEnable(
  context: AwsContext,
  target: TargetInfo,
  policy: Policy,
  options: EnableOptions,
): Promise<Plan> {
  const { ec2 } = context;
  const instance = await requireInstance(context, target.id);
  const instanceId = target.id;
  const vpcId = instance.VpcId;
  if (!vpcId) {
    throw new ProviderError('JIT_AWS_NO_VPC', `Instance ${instanceId} is not in a VPC; jit manages VPC security groups.`);
  }
  checkSingleInterface(instance);
  const attached = attachedGroupIds(instance);
  const jit = await findJitGroup(ec2, instanceId);
  const records = jit ? decodeRecords(jit.tags) : { revoked: [], swaps: [] };
  const groups = await describeGroups(ec2, [
    ...attached,
    ...records.swaps.map((swap) => swap.original),
    ...records.revoked.map((rule) => rule.groupId),
  ]);
  const notes: string[] = [];
  const steps: Step[] = [];
  const ids = new GroupIds();
  const jitName = jitGroupName(instanceId);
  if (jit) ids.set(jitName, jit.id);
  const jitId = () => ids.get(jitName);

  const inPolicy = (rule: Pick<SgRule, 'protocol' | 'from' | 'to'>) => policy.ports.some((port) => ruleOverlaps(rule, port));
  const offends = (rule: RuleLike) => inPolicy(rule) && (options.includeNarrow || isWorldOpen(rule));

  const copies = new Map(records.swaps.map((swap) => [swap.copy, swap]));
  const editable = attached
    .filter((id) => id !== jit?.id && !copies.has(id))
    .flatMap((id) => (groups.has(id) ? [groups.get(id) as GroupView] : []));
  const offending = new Map<string, SgRule[]>();
  for (const group of editable) {
    const rules = group.ingress.filter(offends);
    if (rules.length > 0) offending.set(group.id, rules);
    for (const rule of group.ingress.filter((r) => inPolicy(r) && !offends(r))) {
      notes.push(`${describeRule(rule, label(group))} is not open to the internet and keeps working (--include-narrow revokes it too).`);
    }
  }
  const users = offending.size > 0
    ? await otherUsersOfGroups(ec2, [...offending.keys()], instanceId)
    : new Map<string, string[]>();
  const shared = editable.filter((group) => offending.has(group.id) && (users.get(group.id) ?? []).length > 0);
  if (shared.length > 0 && !options.isolate) throw sharedError(shared, users, offending);

  if (!jit) {
    steps.push(
      ...createGroupSteps(
        context,
        ids,
        {
          name: jitName,
          description: `jit-access: just-in-time access rules for ${instanceId}`,
          vpcId,
          tags: { [TAGS.managed]: RECORD_VERSION, [TAGS.instance]: instanceId },
        },
        `create security group ${jitName} in ${vpcId}, with no rules (${NEW_GROUP_NOTE})`,
      ),
    );
  }

  // --isolate: the instance gets its own copy of each shared group, without the offending rules.
  const swapNames = new Map<string, string>();
  for (const original of shared) {
    const name = copyName(original, instanceId);
    swapNames.set(original.id, name);
    const omitted = offending.get(original.id) ?? [];
    const kept = original.ingress.filter((rule) => !omitted.includes(rule));
    steps.push(
      ...createGroupSteps(
        context,
        ids,
        {
          name,
          description: `jit-access: copy of ${original.id} for ${instanceId}, without its internet rules on the policy ports`.slice(0, 255),
          vpcId,
          tags: { [TAGS.copyOf]: original.id, [TAGS.instance]: instanceId },
        },
        `create security group ${name}, a copy of ${label(original)} for ${instanceId} without: ${omitted.map((r) => describeRule(r)).join('; ')}`,
      ),
      {
        changes: [],
        apply: async () => {
          const GroupId = ids.get(name);
          if (original.egress.length > 0) {
            await ec2.authorizeSecurityGroupEgress({ GroupId, IpPermissions: original.egress.map(toIpPermission) });
          }
          if (kept.length > 0) {
            await ec2.authorizeSecurityGroupIngress({ GroupId, IpPermissions: kept.map(toIpPermission) });
          }
        },
      },
    );
    if (kept.some((rule) => rule.source.kind === 'group' && rule.source.groupId === original.id)) {
      notes.push(
        `${label(original)} admits its own members; the copy ${name} still admits members of ${original.id}, but they no longer admit this instance by that rule.`,
      );
    }
  }
  if (shared.length > 0) {
    steps.push(
      setTagsStep(
        context,
        jitId,
        () => shared.map((g) => encodeSwap(g.id, ids.get(swapNames.get(g.id) as string))),
        jit?.tags ?? {},
        {
          op: 'set-tag',
          on: jitName,
          summary: `record on ${jitName} that ${instanceId} uses ${shared.map((g) => swapNames.get(g.id)).join(', ')} instead of ${shared.map(label).join(', ')}`,
          detail: { Keys: shared.map((g) => `${TAGS.swap}${g.id}`) },
        },
      ),
    );
  }

  // The instance's group set: copies in place of shared groups, jit's group added.
  const wanted = attached.map((id) => swapNames.get(id) ?? id);
  if (!jit || !attached.includes(jit.id)) wanted.push(jitName);
  const changed = wanted.length !== attached.length || wanted.some((id, i) => id !== attached[i]);
  if (changed) {
    // The groups-per-interface quota is EC2's to enforce (5 by default, adjustable up to 16): a full
    // interface answers SecurityGroupsPerInterfaceLimitExceeded here, and the rollback undoes the rest.
    const resolve = () => wanted.map((entry) => (entry.startsWith('sg-') ? entry : ids.get(entry)));
    steps.push(
      setGroupsStep(context, instanceId, attached, resolve, [
        ...shared.map(
          (g): RuleChange => ({
            op: 'detach-group',
            on: instanceId,
            summary: `detach ${label(g)} from ${instanceId}, replaced by its copy ${swapNames.get(g.id)}`,
            detail: { InstanceId: instanceId, GroupId: g.id },
          }),
        ),
        {
          op: 'attach-group',
          on: instanceId,
          summary: `set the security groups of ${instanceId} to ${wanted.join(', ')}`,
          detail: { InstanceId: instanceId, Groups: wanted },
        },
      ]),
    );
  }

  // Record, then revoke: a crash in between leaves a record of a rule that still exists, which
  // disable handles (it skips rules already present); the other order could lose a rule.
  const toRevoke = editable.filter((group) => offending.has(group.id) && !swapNames.has(group.id));
  const newRecords = toRevoke.flatMap((group) => offending.get(group.id) ?? []);
  const recordTags = newRecords.flatMap(encodeRevoked);
  if (recordTags.length > 0) {
    steps.push(
      setTagsStep(context, jitId, () => recordTags, jit?.tags ?? {}, {
        op: 'set-tag',
        on: jitName,
        summary: `record ${newRecords.length} rule(s) on ${jitName} before revoking them, so \`jit disable\` can restore them exactly`,
        detail: { Tags: recordTags },
      }),
    );
  }
  for (const group of toRevoke) {
    const rules = offending.get(group.id) ?? [];
    steps.push(revokeStep(context, group, rules));
    for (const rule of rules.filter((r) => Object.keys(r.tags).length > 0)) {
      notes.push(
        `${describeRule(rule, label(group))} has tags of its own (${Object.keys(rule.tags).join(', ')}); \`jit disable\` restores the rule exactly but not its tags, which EC2 drops with the rule.`,
      );
    }
    for (const rule of rules.filter((r) => ruleOpensMoreThan(r, policy.ports))) {
      notes.push(
        `${describeRule(rule, label(group))} opens more than the policy's ports; it is revoked whole (jit never rewrites a rule it did not create), so its other ports are closed to the internet as well until \`jit disable\` restores it.`,
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
      notes.push(`${describeRule(rule, label(group))} is already back; its record is dropped.`);
    } else {
      steps.push(
        authorizeStep(context, () => group.id, rule, {
          op: 'restore-rule',
          on: group.id,
          summary: `restore ${describeRule(rule, label(group))} (the new policy does not need it revoked)`,
          detail: { GroupId: group.id, IpPermission: toIpPermission(rule) },
        }),
      );
    }
  }
  if (jit && obsolete.length > 0) {
    const keys = obsolete.flatMap(recordTagKeys);
    steps.push(
      deleteTagsStep(context, jit.id, keys, jit.tags, {
        op: 'remove-tag',
        on: jit.id,
        summary: `drop the record of ${obsolete.length} restored rule(s) from ${jitName}`,
        detail: { Keys: keys },
      }),
    );
  }

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
    if (extra.length > 0) steps.push(revokeStep(context, copy, extra));
    for (const rule of wantedRules.filter((r) => !presentKeys.has(copyKey(r)))) {
      steps.push(
        authorizeStep(context, () => copy.id, rule, {
          op: 'add-rule',
          on: copy.id,
          summary: `add ${describeRule(rule, label(copy))} (as on ${label(original)})`,
          detail: { GroupId: copy.id, IpPermission: toIpPermission(rule) },
        }),
      );
    }
  }

  const policyStep = policyTagStep(context, instance, encodePolicy(policy));
  if (policyStep) steps.push(policyStep);

  // EC2 keeps at most 50 tags on a group: refuse before writing rather than half-way.
  const tagCount = new Set([
    ...Object.keys(jit?.tags ?? { [TAGS.managed]: '', [TAGS.instance]: '' }),
    ...recordTags.map((tag) => tag.Key),
    ...shared.map((g) => `${TAGS.swap}${g.id}`),
  ]);
  for (const key of obsolete.flatMap(recordTagKeys)) tagCount.delete(key);
  if (tagCount.size > MAX_TAGS) {
    throw new ProviderError(
      'JIT_AWS_TOO_MANY_RECORDS',
      `Recording the ${newRecords.length} rule(s) to revoke would need ${tagCount.size} tags on ${jitName}; EC2 allows ${MAX_TAGS}. Nothing was changed.`,
      { hint: 'Merge the instance groups\' internet rules for the policy ports into fewer rules, then run `jit enable` again.' },
    );
  }
  return { steps, notes };
}

export async function planDisable(context: AwsContext, target: TargetInfo): Promise<Plan> {
  const { ec2 } = context;
  const instance = await requireInstance(context, target.id);
  const instanceId = target.id;
  const jit = await findJitGroup(ec2, instanceId);
  const notes: string[] = [];
  const steps: Step[] = [];
  const deletions: Step[] = [];
  if (jit) {
    const records = decodeRecords(jit.tags);
    const groups = await describeGroups(ec2, [
      ...records.revoked.map((rule) => rule.groupId),
      ...records.swaps.flatMap((swap) => [swap.original, swap.copy]),
    ]);
    for (const rule of records.revoked) steps.push(...restoreSteps(context, rule, groups, notes));

    const attached = attachedGroupIds(instance);
    const restorable = records.swaps.filter((swap) => groups.has(swap.original));
    for (const swap of records.swaps.filter((s) => !groups.has(s.original))) {
      notes.push(`${swap.copy} stays attached: the group it copies, ${swap.original}, no longer exists.`);
    }
    const byCopy = new Map(restorable.map((swap) => [swap.copy, swap.original]));
    const wanted = attached.filter((id) => id !== jit.id).map((id) => byCopy.get(id) ?? id);
    if (wanted.length === 0) {
      throw new ProviderError(
        'JIT_AWS_LAST_GROUP',
        `${jit.name} is the only security group left on ${instanceId}, and EC2 needs at least one. Nothing was changed.`,
        { hint: 'Attach the group the instance should keep, then run `jit disable` again.' },
      );
    }
    if (wanted.length !== attached.length || wanted.some((id, i) => id !== attached[i])) {
      steps.push(
        setGroupsStep(context, instanceId, attached, () => wanted, [
          {
            op: 'detach-group',
            on: instanceId,
            summary: `set the security groups of ${instanceId} back to ${wanted.join(', ')}`,
            detail: { InstanceId: instanceId, Groups: wanted },
          },
        ]),
      );
    }

    const toDelete = [jit.id, ...restorable.map((swap) => swap.copy).filter((id) => groups.has(id))];
    const users = await otherUsersOfGroups(ec2, toDelete, instanceId);
    const inUse = toDelete.filter((id) => (users.get(id) ?? []).length > 0);
    if (inUse.length > 0) {
      throw new ProviderError(
        'JIT_AWS_GROUP_IN_USE',
        `${inUse.map((id) => `${id} is also attached to ${(users.get(id) ?? []).join(', ')}`).join('; ')}: jit cannot delete it. Nothing was changed.`,
        { hint: 'Detach it there, then run `jit disable` again.' },
      );
    }
    const grantRules = jit.ingress.filter((rule) => readGrantMetadata(rule.tags, rule.description));
    if (grantRules.length > 0) {
      notes.push(`${grantRules.length} grant rule(s) still on ${jit.name} go with the group.`);
    }
    deletions.push({
      changes: [{ op: 'delete-group', on: jit.id, summary: `delete security group ${jit.name} (${jit.id})`, detail: { GroupId: jit.id } }],
      apply: () => deleteGroupPatiently(context, jit.id),
    });
    for (const swap of restorable.filter((s) => groups.has(s.copy))) {
      deletions.push({
        changes: [{ op: 'delete-group', on: swap.copy, summary: `delete security group ${label(groups.get(swap.copy) as GroupView)}, jit's copy of ${swap.original}`, detail: { GroupId: swap.copy } }],
        // After the jit group (and its records) is gone there is nothing to roll back to: a copy
        // that will not go is reported, not allowed to undo the restore.
        apply: async () => {
          try {
            await deleteGroupPatiently(context, swap.copy);
          } catch (error) {
            const copy = groups.get(swap.copy) as GroupView;
            notes.push(`${groupLeftBehind(context, copy, error).message} It is detached from ${instanceId}.`);
          }
        },
      });
    }
  } else {
    notes.push(`${instanceId} has no jit group (${jitGroupName(instanceId)}); there is no lock-down to remove.`);
  }
  const policyStep = policyTagStep(context, instance, undefined);
  if (policyStep) steps.push(policyStep);
  return { steps: [...steps, ...deletions], notes };
}

function restoreSteps(
  context: AwsContext,
  rule: RecordedRule,
  groups: Map<string, GroupView>,
  notes: string[],
): Step[] {
  const group = groups.get(rule.groupId);
  if (!group) {
    notes.push(`${describeRule(rule)} cannot be restored: its group no longer exists.`);
    return [];
  }
  const present = group.ingress.find((r) => ruleIdentity(r) === ruleIdentity(rule));
  if (present) {
    const same = present.description === rule.description;
    notes.push(
      `${describeRule(rule, label(group))} is already there${same ? '' : ` (as ${describeRule(present, label(group))}, left as it is)`}.`,
    );
    return [];
  }
  return [
    authorizeStep(context, () => group.id, rule, {
      op: 'restore-rule',
      on: group.id,
      summary: `restore ${describeRule(rule, label(group))}`,
      detail: { GroupId: group.id, IpPermission: toIpPermission(rule), record: recordKey(rule) },
    }),
  ];
}
