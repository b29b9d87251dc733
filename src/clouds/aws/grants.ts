/**
 * Grants on EC2 (docs/aws.md, "Grants"; docs/expiry.md): ingress rules on the instance's jit group,
 * one per port range and protocol, tagged and described with the grant's metadata
 * (grant-metadata.ts). The cloud metadata alone says which rules belong to which grant, so any
 * machine can list, extend or close them.
 */
import { PolicyError, ProviderError } from '../../core/errors.js';
import type { PortRange, Protocol } from '../../core/model.js';
import { settleBounded } from '../../core/bounded.js';
import type { CloseGrantsOptions, CloseOutcome, CloudGrant, GrantSpec, RuleChange, TargetInfo } from '../../core/ports.js';
import { type AwsContext, type Plan, scopeOf } from './context.js';
import { awsCodeOf } from './errors.js';
import { cloudExpiry, type GrantMetadata, grantDescription, grantTags, readGrantMetadata } from './grant-metadata.js';
import {
  describeInstances,
  describeRules,
  describeRulesOfGroups,
  findJitGroup,
  findJitGroups,
  type GroupView,
  listJitGroups,
} from './inventory.js';
import type { Step } from './journal.js';
import { jitGroupName, TAGS } from './records.js';
import { describeRule, type RuleLike, ruleIdentity, rulesOf, type SgRule, sourceToken, tagMap, toIpPermission } from './rules.js';

/** What `CloudGrant.rules` / `GrantRecord.rules` hold for AWS: where each rule of a grant is. */
export interface AwsRuleRef {
  groupId: string;
  ruleId: string;
}

function isRuleRef(value: unknown): value is AwsRuleRef {
  const ref = value as Partial<AwsRuleRef> | null;
  return typeof ref?.groupId === 'string' && typeof ref.ruleId === 'string';
}

function refOf(rule: SgRule): AwsRuleRef {
  return { groupId: rule.groupId, ruleId: rule.ruleId ?? '' };
}

/** EC2 has no "tcp or udp" protocol with ports (`-1` means every protocol and port): `*` is both. */
function protocolsOf(protocol: Protocol): string[] {
  return protocol === '*' ? ['tcp', 'udp'] : [protocol];
}

function grantRule(groupId: string, port: PortRange, protocol: string, source: string, description: string): RuleLike {
  return { groupId, protocol, from: port.from, to: port.to, source: { kind: 'cidr', cidr: source }, description };
}

function metadataOf(rule: SgRule): GrantMetadata | undefined {
  return readGrantMetadata(rule.tags, rule.description);
}

async function requireJitGroup(context: AwsContext, target: TargetInfo): Promise<GroupView> {
  const jit = await findJitGroup(context.ec2, target.id);
  if (!jit) {
    throw new PolicyError(
      'JIT_NOT_ENABLED',
      `${target.name} (${target.id}) has no jit lock-down: there is no security group ${jitGroupName(target.id)}.`,
      { hint: 'An admin runs `jit enable <vm>` first.' },
    );
  }
  return jit;
}

/** `current`: the grant's rules before the plan runs (what a dry run reports). */
export async function planOpenGrant(
  context: AwsContext,
  target: TargetInfo,
  grant: GrantSpec,
): Promise<Plan & { jit: GroupView; current: SgRule[] }> {
  const { ec2 } = context;
  const jit = await requireJitGroup(context, target);
  const meta: GrantMetadata = { grantId: grant.id, expiresAt: grant.expiresAt, requester: grant.requester };
  const description = grantDescription(meta);
  const wanted = grant.ports.flatMap((port) =>
    protocolsOf(port.protocol).map((protocol) => grantRule(jit.id, port, protocol, grant.source, description)),
  );
  const mine = jit.ingress.filter((rule) => metadataOf(rule)?.grantId === grant.id);
  const existing = new Map(mine.map((rule) => [ruleIdentity(rule), rule]));
  const toAdd = wanted.filter((rule) => !existing.has(ruleIdentity(rule)));
  const toExtend = wanted.flatMap((rule) => existing.get(ruleIdentity(rule)) ?? []);

  // EC2 would refuse a second identical rule (InvalidPermission.Duplicate): name who has it.
  for (const rule of toAdd) {
    const taken = jit.ingress.find((r) => ruleIdentity(r) === ruleIdentity(rule));
    if (taken) {
      const owner = metadataOf(taken);
      throw new ProviderError(
        'JIT_AWS_RULE_DUPLICATE',
        `${jit.name} already has ${describeRule(taken, jit.id)}${owner ? ` (grant ${owner.grantId}, expires ${owner.expiresAt})` : ''}.`,
        {
          hint: owner
            ? `That grant covers this request; \`jit revoke ${owner.grantId}\` ends it if it should go.`
            : 'That rule was not made by jit; remove it from the jit group.',
        },
      );
    }
  }

  const steps: Step[] = [];
  if (toAdd.length > 0) {
    const tags = grantTags(meta);
    steps.push({
      changes: toAdd.map(
        (rule): RuleChange => ({
          op: 'add-rule',
          on: jit.id,
          summary: `allow ${describeRule(rule, jit.name)}`,
          detail: { GroupId: jit.id, IpPermission: toIpPermission(rule), Tags: tags },
        }),
      ),
      apply: async () => {
        try {
          await ec2.authorizeSecurityGroupIngress({
            GroupId: jit.id,
            IpPermissions: toAdd.map(toIpPermission),
            TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: tags }],
          });
        } catch (error) {
          // The SDK retries a call whose reply was lost; if EC2 had applied the first one, the retry
          // meets this grant's own rules. Those rules are the success, not a failure.
          if (awsCodeOf(error) !== 'InvalidPermission.Duplicate') throw error;
          const written = new Set((await grantRules(context, jit.id, grant.id)).map(ruleIdentity));
          if (!toAdd.every((rule) => written.has(ruleIdentity(rule)))) throw error;
        }
        return async () => {
          await ec2.revokeSecurityGroupIngress({ GroupId: jit.id, IpPermissions: toAdd.map(toIpPermission) });
        };
      },
    });
  }
  if (toExtend.length > 0) {
    const permissions = (rules: RuleLike[]) => ({ GroupId: jit.id, IpPermissions: rules.map(toIpPermission) });
    // Only the expiry and requester change: the grant id tag stays as written (role.ts lets a
    // requester retag rules that already carry a grant id, with these two keys only).
    const tags = grantTags(meta).filter((tag) => tag.Key !== TAGS.grant);
    const ruleIds = toExtend.map((rule) => rule.ruleId as string);
    steps.push(
      {
        changes: toExtend.map(
          (rule): RuleChange => ({
            op: 'update-rule',
            on: jit.id,
            summary: `extend ${describeRule({ ...rule, description: undefined }, jit.name)} until ${cloudExpiry(grant.expiresAt)}`,
            detail: { GroupId: jit.id, SecurityGroupRuleId: rule.ruleId, Description: description, Tags: tags },
          }),
        ),
        apply: async () => {
          const extended = toExtend.map((rule) => ({ ...rule, description }));
          await ec2.updateSecurityGroupRuleDescriptionsIngress(permissions(extended));
          return async () => {
            await ec2.updateSecurityGroupRuleDescriptionsIngress(permissions(toExtend));
          };
        },
      },
      {
        changes: [],
        apply: async () => {
          await ec2.createTags({ Resources: ruleIds, Tags: tags });
          return async () => {
            for (const rule of toExtend) {
              const Resources = [rule.ruleId as string];
              const had = tags.filter((tag) => rule.tags[tag.Key as string] !== undefined);
              const lacked = tags.filter((tag) => rule.tags[tag.Key as string] === undefined);
              const before = had.map((tag) => ({ Key: tag.Key, Value: rule.tags[tag.Key as string] }));
              if (before.length > 0) await ec2.createTags({ Resources, Tags: before });
              if (lacked.length > 0) await ec2.deleteTags({ Resources, Tags: lacked.map((tag) => ({ Key: tag.Key })) });
            }
          };
        },
      },
    );
  }
  return { steps, notes: [], jit, current: mine };
}

/** The grant's rules as they are now on the jit group. */
export async function grantRules(context: AwsContext, groupId: string, grantId: string): Promise<SgRule[]> {
  const rules = rulesOf(await describeRules(context.ec2, [{ Name: 'group-id', Values: [groupId] }]));
  return rules.filter((rule) => metadataOf(rule)?.grantId === grantId);
}

export function refsOf(rules: SgRule[]): AwsRuleRef[] {
  return rules.map(refOf);
}

function checkRegion(context: AwsContext, grant: CloudGrant): void {
  const region = grant.scope.region;
  if (region && region !== context.region) {
    throw new ProviderError(
      'JIT_AWS_REGION_MISMATCH',
      `Grant ${grant.grantId} is in ${region}; this command works on ${context.region}.`,
      { hint: `Pass --region ${region}.` },
    );
  }
}

/**
 * Finds a grant's rules in its target's jit group (`jit`, as read): the rules whose own metadata
 * names the grant. Nowhere else: a rule in any other group is the user's, whatever its tags say
 * (anyone can tag a rule like jit's), and a reference in the ledger to another group is not followed.
 */
function grantRulesIn(
  grant: CloudGrant,
  jit: GroupView | undefined,
  byGrant: Map<string, SgRule[]> = rulesByGrant(jit),
): { own: SgRule[]; notes: string[] } {
  const own = byGrant.get(grant.grantId) ?? [];
  const notes: string[] = [];
  const ownIds = new Set(own.map((rule) => rule.ruleId));
  const elsewhere = grant.rules.filter(isRuleRef).filter((ref) => ref.groupId !== jit?.id);
  if (elsewhere.length > 0) {
    notes.push(`${elsewhere.map((ref) => ref.ruleId).join(', ')} not in ${jitGroupName(grant.target.id)}; left alone.`);
  }
  const gone = grant.rules.filter(isRuleRef).filter((ref) => ref.groupId === jit?.id && !ownIds.has(ref.ruleId));
  if (gone.length > 0) notes.push(`${gone.map((ref) => ref.ruleId).join(', ')} already gone.`);
  return { own, notes };
}

/** A jit group's rules by the grant id their metadata names (rules without metadata are the user's). */
function rulesByGrant(jit: GroupView | undefined): Map<string, SgRule[]> {
  const byGrant = new Map<string, SgRule[]>();
  for (const rule of jit?.ingress ?? []) {
    const grantId = metadataOf(rule)?.grantId;
    if (grantId === undefined) continue;
    const own = byGrant.get(grantId);
    if (own) own.push(rule);
    else byGrant.set(grantId, [rule]);
  }
  return byGrant;
}

function removals(jit: GroupView, rules: SgRule[]): RuleChange[] {
  return rules.map((rule) => ({
    op: 'remove-rule',
    on: jit.id,
    summary: `revoke ${describeRule(rule)}`,
    detail: { GroupId: jit.id, SecurityGroupRuleId: rule.ruleId },
  }));
}

export async function planCloseGrant(context: AwsContext, grant: CloudGrant): Promise<Plan> {
  checkRegion(context, grant);
  const jit = grant.target.id === '' ? undefined : await findJitGroup(context.ec2, grant.target.id);
  const { own, notes } = grantRulesIn(grant, jit);
  // No undo: taking access away is always safe, and a rollback would re-open a port.
  const steps: Step[] = own.length === 0 || !jit
    ? []
    : [{
        changes: removals(jit, own),
        apply: () => revokeRuleIds(context, jit.id, own.map((rule) => rule.ruleId as string)),
      }];
  return { steps, notes };
}

/**
 * Rule ids per RevokeSecurityGroupIngress. EC2's batch calls take up to 1,000 rules
 * (aws-controllers-k8s/community#2186), and one group cannot hold more than 1,000 rules anyway
 * (inbound rules per group × groups per interface ≤ 1,000, EC2's VPC quotas).
 */
const REVOKE_BATCH = 1000;
/** Jit groups revoked at once: a few, so a sweep of many groups does not set off EC2's throttling. */
const GROUP_LANES = 4;

/**
 * closeGrant for many grants (sweep, revoke --all, disable): one paged read of the targets' jit
 * groups and their rules, every decision in memory with the same rule as planCloseGrant, then one
 * RevokeSecurityGroupIngress per group carrying all its due rule ids (chunked). Calls grow with
 * groups, not rules. A group whose revoke fails fails only the grants with rules in it.
 */
export async function closeGrantsInBulk(
  context: AwsContext,
  grants: CloudGrant[],
  options: CloseGrantsOptions,
): Promise<CloseOutcome[]> {
  const outcomes = new Map<CloudGrant, CloseOutcome>();
  const inRegion = grants.filter((grant) => {
    try {
      checkRegion(context, grant);
      return true;
    } catch (error) {
      outcomes.set(grant, { grant, error });
      return false;
    }
  });
  const instances = [...new Set(inRegion.map((grant) => grant.target.id).filter(Boolean))];
  const jitGroups = await findJitGroups(context.ec2, instances);
  // Each group's rules are indexed once: a group holds the rules of many grants.
  const indexes = new Map([...jitGroups.values()].map((jit) => [jit.id, rulesByGrant(jit)]));
  const plans = inRegion.map((grant) => {
    const jit = grant.target.id === '' ? undefined : jitGroups.get(grant.target.id);
    return { grant, jit, ...grantRulesIn(grant, jit, jit ? indexes.get(jit.id) : new Map()) };
  });
  const byGroup = new Map<string, { jit: GroupView; ruleIds: Set<string> }>();
  for (const { jit, own } of plans) {
    if (!jit || own.length === 0) continue;
    const entry = byGroup.get(jit.id) ?? { jit, ruleIds: new Set<string>() };
    for (const rule of own) entry.ruleIds.add(rule.ruleId as string);
    byGroup.set(jit.id, entry);
  }
  const failedGroups = new Map<string, unknown>();
  if (!options.dryRun) {
    const total = [...byGroup.values()].reduce((sum, entry) => sum + entry.ruleIds.size, 0);
    let removed = 0;
    const entries = [...byGroup.values()];
    const results = await settleBounded(entries, GROUP_LANES, async ({ jit, ruleIds }) => {
      const ids = [...ruleIds];
      for (let i = 0; i < ids.length; i += REVOKE_BATCH) {
        const batch = ids.slice(i, i + REVOKE_BATCH);
        await revokeRuleIds(context, jit.id, batch);
        removed += batch.length;
        options.progress?.(removed, total);
      }
    });
    results.forEach((result, index) => {
      if (result.status === 'rejected') failedGroups.set((entries[index] as { jit: GroupView }).jit.id, result.reason);
    });
  }
  for (const { grant, jit, own, notes } of plans) {
    const error = jit && own.length > 0 ? failedGroups.get(jit.id) : undefined;
    if (error !== undefined) outcomes.set(grant, { grant, error });
    else {
      const changes = jit ? removals(jit, own) : [];
      outcomes.set(grant, { grant, report: { changes, applied: !options.dryRun, notes } });
    }
  }
  return grants.map((grant) => outcomes.get(grant) as CloseOutcome);
}

const GONE = new Set(['InvalidPermission.NotFound', 'InvalidSecurityGroupRuleId.NotFound', 'InvalidGroup.NotFound']);

/**
 * Revokes by rule id; a rule (or group) removed meanwhile by someone else is not an error. EC2
 * refuses the whole call when one id is gone, so the ids still there are read again and revoked in
 * one more call; only if that races too is it one call per rule.
 */
async function revokeRuleIds(context: AwsContext, groupId: string, ruleIds: string[]): Promise<void> {
  const isGone = (error: unknown) => GONE.has(awsCodeOf(error) ?? '');
  try {
    await context.ec2.revokeSecurityGroupIngress({ GroupId: groupId, SecurityGroupRuleIds: ruleIds });
    return;
  } catch (error) {
    if (!isGone(error)) throw error;
  }
  const present = new Set(rulesOf(await describeRules(context.ec2, [{ Name: 'group-id', Values: [groupId] }])).map((r) => r.ruleId));
  const left = ruleIds.filter((id) => present.has(id));
  if (left.length === 0) return;
  try {
    await context.ec2.revokeSecurityGroupIngress({ GroupId: groupId, SecurityGroupRuleIds: left });
    return;
  } catch (error) {
    if (!isGone(error)) throw error;
  }
  for (const ruleId of left) {
    try {
      await context.ec2.revokeSecurityGroupIngress({ GroupId: groupId, SecurityGroupRuleIds: [ruleId] });
    } catch (single) {
      if (!isGone(single)) throw single;
    }
  }
}

/** tcp and udp rules of the same range were one `*` port of the grant. */
function portsOf(rules: SgRule[]): PortRange[] {
  const ranges = new Map<string, PortRange>();
  for (const rule of rules) {
    const key = `${rule.from}-${rule.to}`;
    const protocol: Protocol = rule.protocol === 'udp' ? 'udp' : 'tcp';
    const seen = ranges.get(key);
    ranges.set(key, { from: rule.from, to: rule.to, protocol: seen && seen.protocol !== protocol ? '*' : protocol });
  }
  return [...ranges.values()];
}

/** Groups the jit groups' rules into grants. */
function grantsFrom(
  rules: SgRule[],
  targetOf: (groupId: string) => { id: string; name: string },
  scope: Record<string, string>,
): CloudGrant[] {
  const byGrant = new Map<string, { meta: GrantMetadata; rules: SgRule[] }>();
  for (const rule of rules) {
    const meta = metadataOf(rule);
    if (!meta) continue;
    const entry = byGrant.get(meta.grantId);
    if (!entry) {
      byGrant.set(meta.grantId, { meta, rules: [rule] });
      continue;
    }
    entry.rules.push(rule);
    // Rules of one grant could disagree after an interrupted extend: the earliest expiry wins,
    // so sweep never leaves a rule open past the time it was first given.
    if (meta.expiresAt < entry.meta.expiresAt) entry.meta = meta;
  }
  return [...byGrant.values()].map(({ meta, rules: own }) => ({
    grantId: meta.grantId,
    target: targetOf(own[0]?.groupId ?? ''),
    scope,
    source: sourceToken((own[0] as SgRule).source),
    ports: portsOf(own),
    expiresAt: meta.expiresAt,
    requester: meta.requester,
    rules: own.map(refOf),
  }));
}

export async function listGrants(context: AwsContext, target?: TargetInfo): Promise<CloudGrant[]> {
  const scope = scopeOf(context);
  if (target) {
    const jit = await findJitGroup(context.ec2, target.id);
    return jit ? grantsFrom(jit.ingress, () => ({ id: target.id, name: target.name }), scope) : [];
  }
  const groups = await listJitGroups(context.ec2);
  const instanceOf = new Map(groups.map((group) => [group.GroupId ?? '', tagMap(group.Tags)[TAGS.instance] ?? '']));
  const groupIds = [...instanceOf.keys()];
  const rules = rulesOf(await describeRulesOfGroups(context.ec2, groupIds));
  const instanceIds = [...new Set(instanceOf.values())].filter(Boolean);
  const names = new Map<string, string>();
  // EC2 takes at most 200 values in one filter.
  for (let i = 0; i < instanceIds.length; i += 200) {
    const chunk = instanceIds.slice(i, i + 200);
    for (const instance of await describeInstances(context.ec2, [{ Name: 'instance-id', Values: chunk }])) {
      const name = tagMap(instance.Tags).Name;
      if (instance.InstanceId && name) names.set(instance.InstanceId, name);
    }
  }
  return grantsFrom(
    rules,
    (groupId) => {
      const id = instanceOf.get(groupId) ?? '';
      return { id, name: names.get(id) ?? id };
    },
    scope,
  );
}
