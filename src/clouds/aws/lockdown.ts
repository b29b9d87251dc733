/**
 * `jit enable` and `jit disable` on EC2 (docs/aws.md, docs/safety.md), planned as journal steps.
 *
 * Enable reads a snapshot of the instance's groups (the reads below, no others) and lets
 * lockdown-plan.ts decide; this file turns each decision into an undoable step. Disable
 * re-authorises exactly the recorded rules, puts the original group set back, and deletes what jit
 * created. Rules jit did not record are never touched.
 */
import type { Instance } from '@aws-sdk/client-ec2';
import { ProviderError } from '../../core/errors.js';
import type { Policy } from '../../core/model.js';
import { POLICY_TAG } from '../../core/policy.js';
import type { EnableOptions, RuleChange, TargetInfo } from '../../core/ports.js';
import type { AwsContext, Plan } from './context.js';
import { awsCodeOf } from './errors.js';
import { readGrantMetadata } from './grant-metadata.js';
import { describeGroups, describeInstance, findJitGroup, type GroupView, otherUsersOfGroups } from './inventory.js';
import type { Step } from './journal.js';
import {
  type AwsLockdownSnapshot,
  type CreateGroup,
  type GroupLabel,
  groupsToCheck,
  groupsToRead,
  groupText,
  instanceRefusal,
  type InstanceView,
  type LockdownAction,
  planAwsLockdown,
} from './lockdown-plan.js';
import { deleteGroupPatiently, groupLeftBehind } from './patience.js';
import { decodeRecords, encodeSwap, jitGroupName, type RecordedRule, recordKey, TAGS } from './records.js';
import { describeRule, type RuleLike, ruleIdentity, type SgRule, tagMap, toIpPermission } from './rules.js';

/**
 * "By default, a security group includes an outbound rule that allows all outbound traffic"
 * (https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html).
 */
const NEW_GROUP_NOTE =
  'a new group allows all outbound traffic by default; attached to the instance that would widen its egress, so the rule is removed';

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

function revokeStep(context: AwsContext, group: GroupLabel, rules: SgRule[]): Step {
  return {
    changes: rules.map((rule) => ({
      op: 'remove-rule',
      on: group.id,
      summary: `revoke ${describeRule(rule, groupText(group))}`,
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

function instanceViewOf(instance: Instance, id: string): InstanceView {
  return {
    id,
    vpcId: instance.VpcId,
    interfaces: (instance.NetworkInterfaces ?? []).length,
    groups: attachedGroupIds(instance),
    tags: tagMap(instance.Tags),
  };
}

/**
 * The snapshot, read in as few calls as the decisions allow: the instance (refused at once if jit
 * cannot manage it), its jit group, the groups it and the records name, and who else uses a group
 * only when there are rules to revoke from one.
 */
async function readSnapshot(
  context: AwsContext,
  target: TargetInfo,
  policy: Policy,
  options: EnableOptions,
): Promise<{ instance: Instance; snapshot: AwsLockdownSnapshot }> {
  const { ec2 } = context;
  const instance = await requireInstance(context, target.id);
  const view = instanceViewOf(instance, target.id);
  const refusal = instanceRefusal(view);
  if (refusal) throw refusal;
  const jit = await findJitGroup(ec2, target.id);
  const groups = await describeGroups(ec2, groupsToRead(view, jit));
  const read = { instance: view, jit, groups };
  const toCheck = groupsToCheck(read, policy, options);
  const users = toCheck.length > 0 ? await otherUsersOfGroups(ec2, toCheck, target.id) : new Map<string, string[]>();
  return { instance, snapshot: { ...read, users } };
}

export async function planEnable(
  context: AwsContext,
  target: TargetInfo,
  policy: Policy,
  options: EnableOptions,
): Promise<Plan> {
  const { instance, snapshot } = await readSnapshot(context, target, policy, options);
  const plan = planAwsLockdown(snapshot, policy, options);
  if (!plan.ok) throw plan.error;
  return { steps: stepsOf(context, instance, snapshot, plan.actions), notes: plan.notes };
}

/** Each decision as the journal step(s) that make and undo it. */
function stepsOf(
  context: AwsContext,
  instance: Instance,
  snapshot: AwsLockdownSnapshot,
  actions: LockdownAction[],
): Step[] {
  const instanceId = snapshot.instance.id;
  const jit = snapshot.jit;
  const jitTags = jit?.tags ?? {};
  const jitName = jitGroupName(instanceId);
  const ids = new GroupIds();
  if (jit) ids.set(jitName, jit.id);
  const jitId = () => ids.get(jitName);
  return actions.flatMap((action): Step[] => {
    switch (action.kind) {
      case 'create-group':
        if (action.copy) return copyGroupSteps(context, ids, instanceId, { ...action, copy: action.copy });
        return createGroupSteps(
          context,
          ids,
          action,
          `create security group ${action.name} in ${action.vpcId}, with no rules (${NEW_GROUP_NOTE})`,
        );
      case 'record-swaps': {
        const { swaps } = action;
        const tags = () => swaps.map((swap) => encodeSwap(swap.original.id, ids.get(swap.copy)));
        return [
          setTagsStep(context, jitId, tags, jitTags, {
            op: 'set-tag',
            on: jitName,
            summary: `record on ${jitName} that ${instanceId} uses ${swaps.map((s) => s.copy).join(', ')} instead of ${swaps.map((s) => groupText(s.original)).join(', ')}`,
            detail: { Keys: swaps.map((s) => `${TAGS.swap}${s.original.id}`) },
          }),
        ];
      }
      case 'set-groups': {
        const { after } = action;
        const resolve = () => after.map((entry) => (entry.startsWith('sg-') ? entry : ids.get(entry)));
        return [
          setGroupsStep(context, instanceId, action.before, resolve, [
            ...action.detached.map(
              ({ group, copy }): RuleChange => ({
                op: 'detach-group',
                on: instanceId,
                summary: `detach ${groupText(group)} from ${instanceId}, replaced by its copy ${copy}`,
                detail: { InstanceId: instanceId, GroupId: group.id },
              }),
            ),
            {
              op: 'attach-group',
              on: instanceId,
              summary: `set the security groups of ${instanceId} to ${after.join(', ')}`,
              detail: { InstanceId: instanceId, Groups: after },
            },
          ]),
        ];
      }
      case 'record-revoked': {
        const { tags } = action;
        return [
          setTagsStep(context, jitId, () => tags, jitTags, {
            op: 'set-tag',
            on: jitName,
            summary: `record ${action.count} rule(s) on ${jitName} before revoking them, so \`jit disable\` can restore them exactly`,
            detail: { Tags: tags },
          }),
        ];
      }
      case 'revoke':
        return [revokeStep(context, action.group, action.rules)];
      case 'restore': {
        const { group, rule } = action;
        return [
          authorizeStep(context, () => group.id, rule, {
            op: 'restore-rule',
            on: group.id,
            summary: `restore ${describeRule(rule, groupText(group))} (the new policy does not need it revoked)`,
            detail: { GroupId: group.id, IpPermission: toIpPermission(rule) },
          }),
        ];
      }
      case 'drop-records':
        return [
          deleteTagsStep(context, jitId(), action.keys, jitTags, {
            op: 'remove-tag',
            on: jitId(),
            summary: `drop the record of ${action.count} restored rule(s) from ${jitName}`,
            detail: { Keys: action.keys },
          }),
        ];
      case 'add-to-copy': {
        const { copy, original, rule } = action;
        return [
          authorizeStep(context, () => copy.id, rule, {
            op: 'add-rule',
            on: copy.id,
            summary: `add ${describeRule(rule, groupText(copy))} (as on ${groupText(original)})`,
            detail: { GroupId: copy.id, IpPermission: toIpPermission(rule) },
          }),
        ];
      }
      case 'set-policy-tag': {
        const step = policyTagStep(context, instance, action.value);
        return step ? [step] : [];
      }
    }
  });
}

/** --isolate's copy of a shared group: created empty, then given the original's egress and kept ingress. */
function copyGroupSteps(
  context: AwsContext,
  ids: GroupIds,
  instanceId: string,
  action: CreateGroup & { copy: NonNullable<CreateGroup['copy']> },
): Step[] {
  const { name, copy } = action;
  const summary = `create security group ${name}, a copy of ${groupText(copy.of)} for ${instanceId} without: ${copy.omitted.map((r) => describeRule(r)).join('; ')}`;
  return [
    ...createGroupSteps(context, ids, action, summary),
    {
      changes: [],
      apply: async () => {
        const GroupId = ids.get(name);
        if (copy.egress.length > 0) {
          await context.ec2.authorizeSecurityGroupEgress({ GroupId, IpPermissions: copy.egress.map(toIpPermission) });
        }
        if (copy.ingress.length > 0) {
          await context.ec2.authorizeSecurityGroupIngress({ GroupId, IpPermissions: copy.ingress.map(toIpPermission) });
        }
      },
    },
  ];
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
        changes: [{ op: 'delete-group', on: swap.copy, summary: `delete security group ${groupText(groups.get(swap.copy) as GroupView)}, jit's copy of ${swap.original}`, detail: { GroupId: swap.copy } }],
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
      `${describeRule(rule, groupText(group))} is already there${same ? '' : ` (as ${describeRule(present, groupText(group))}, left as it is)`}.`,
    );
    return [];
  }
  return [
    authorizeStep(context, () => group.id, rule, {
      op: 'restore-rule',
      on: group.id,
      summary: `restore ${describeRule(rule, groupText(group))}`,
      detail: { GroupId: group.id, IpPermission: toIpPermission(rule), record: recordKey(rule) },
    }),
  ];
}
