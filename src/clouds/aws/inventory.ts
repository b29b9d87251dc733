/**
 * Reads: instances, security groups with their rules, the jit group, and who else uses a group.
 * Every Describe call is paginated and filter-based (a filter on a missing id answers empty,
 * where GroupIds/InstanceIds would fail the whole call with a NotFound).
 */
import type { Filter, Instance, SecurityGroup, SecurityGroupRule } from '@aws-sdk/client-ec2';
import type { Ec2Api } from './ec2-api.js';
import { jitGroupName, TAGS } from './records.js';
import { type SgRule, rulesOf, tagMap } from './rules.js';

/** EC2 accepts at most 200 values in one filter. */
const FILTER_VALUES = 200;
const PAGE = 1000;

export interface GroupView {
  id: string;
  name: string;
  vpcId: string | undefined;
  description: string;
  tags: Record<string, string>;
  ingress: SgRule[];
  /** Outbound rules: copied verbatim by --isolate, never reasoned about. */
  egress: SgRule[];
}

function chunks<T>(items: T[]): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += FILTER_VALUES) result.push(items.slice(i, i + FILTER_VALUES));
  return result;
}

async function paginate<T>(page: (token: string | undefined) => Promise<{ items: T[]; next: string | undefined }>) {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const { items, next } = await page(token);
    all.push(...items);
    token = next;
  } while (token);
  return all;
}

export async function describeInstances(api: Ec2Api, filters: Filter[]): Promise<Instance[]> {
  return paginate(async (token) => {
    const page = await api.describeInstances({ Filters: filters, MaxResults: PAGE, NextToken: token });
    return { items: (page.Reservations ?? []).flatMap((r) => r.Instances ?? []), next: page.NextToken };
  });
}

/** One instance by id; EC2's InvalidInstanceID.NotFound (mapped) when it does not exist. */
export async function describeInstance(api: Ec2Api, instanceId: string): Promise<Instance | undefined> {
  const page = await api.describeInstances({ InstanceIds: [instanceId] });
  return page.Reservations?.flatMap((r) => r.Instances ?? [])[0];
}

async function describeSecurityGroups(api: Ec2Api, filters: Filter[]): Promise<SecurityGroup[]> {
  return paginate(async (token) => {
    const page = await api.describeSecurityGroups({ Filters: filters, MaxResults: PAGE, NextToken: token });
    return { items: page.SecurityGroups ?? [], next: page.NextToken };
  });
}

export async function describeRules(api: Ec2Api, filters: Filter[]): Promise<SecurityGroupRule[]> {
  return paginate(async (token) => {
    const page = await api.describeSecurityGroupRules({ Filters: filters, MaxResults: PAGE, NextToken: token });
    return { items: page.SecurityGroupRules ?? [], next: page.NextToken };
  });
}

/** Every rule of these groups (any number of them). */
export async function describeRulesOfGroups(api: Ec2Api, groupIds: string[]): Promise<SecurityGroupRule[]> {
  const rules: SecurityGroupRule[] = [];
  for (const chunk of chunks([...new Set(groupIds)])) rules.push(...(await describeRules(api, [{ Name: 'group-id', Values: chunk }])));
  return rules;
}

/** A group as DescribeSecurityGroups returned it, with its rules (from DescribeSecurityGroupRules). */
function viewOf(group: SecurityGroup & { GroupId: string }, rules: SecurityGroupRule[]): GroupView {
  const own = rules.filter((rule) => rule.GroupId === group.GroupId);
  return {
    id: group.GroupId,
    name: group.GroupName ?? group.GroupId,
    vpcId: group.VpcId,
    description: group.Description ?? '',
    tags: tagMap(group.Tags),
    ingress: rulesOf(own),
    egress: rulesOf(own, 'egress'),
  };
}

/** The groups with these ids that still exist, with their rules. */
export async function describeGroups(api: Ec2Api, groupIds: string[]): Promise<Map<string, GroupView>> {
  const views = new Map<string, GroupView>();
  const ids = [...new Set(groupIds)];
  for (const chunk of chunks(ids)) {
    const groups = await describeSecurityGroups(api, [{ Name: 'group-id', Values: chunk }]);
    const rules = await describeRulesOfGroups(api, groups.flatMap((g) => (g.GroupId ? [g.GroupId] : [])));
    for (const group of groups) {
      if (group.GroupId) views.set(group.GroupId, viewOf({ ...group, GroupId: group.GroupId }, rules));
    }
  }
  return views;
}

/**
 * The instance's jit group (`jit-access-<instance-id>`, tagged as jit's), if enable made one. The
 * lookup by name already returns the group, so only its rules are asked for: two calls, not three.
 */
export async function findJitGroup(api: Ec2Api, instanceId: string): Promise<GroupView | undefined> {
  const [group] = await describeSecurityGroups(api, [
    { Name: 'group-name', Values: [jitGroupName(instanceId)] },
    { Name: 'tag-key', Values: [TAGS.managed] },
  ]);
  if (!group?.GroupId) return undefined;
  return viewOf({ ...group, GroupId: group.GroupId }, await describeRulesOfGroups(api, [group.GroupId]));
}

/**
 * The jit groups of many instances at once, with their rules, by instance id: findJitGroup for a
 * sweep, in a few paged calls per 200 instances instead of two per instance.
 */
export async function findJitGroups(api: Ec2Api, instanceIds: string[]): Promise<Map<string, GroupView>> {
  const byName = new Map([...new Set(instanceIds)].map((id) => [jitGroupName(id), id]));
  const found: (SecurityGroup & { GroupId: string })[] = [];
  for (const names of chunks([...byName.keys()])) {
    const groups = await describeSecurityGroups(api, [
      { Name: 'group-name', Values: names },
      { Name: 'tag-key', Values: [TAGS.managed] },
    ]);
    for (const group of groups) if (group.GroupId) found.push({ ...group, GroupId: group.GroupId });
  }
  const rules = new Map<string, SecurityGroupRule[]>();
  for (const rule of await describeRulesOfGroups(api, found.map((group) => group.GroupId))) {
    const own = rules.get(rule.GroupId ?? '');
    if (own) own.push(rule);
    else rules.set(rule.GroupId ?? '', [rule]);
  }
  const views = new Map<string, GroupView>();
  for (const group of found) {
    const instanceId = byName.get(group.GroupName ?? '');
    if (instanceId) views.set(instanceId, viewOf(group, rules.get(group.GroupId) ?? []));
  }
  return views;
}

/** Every jit group in the region (for region-wide grant listing). */
export async function listJitGroups(api: Ec2Api): Promise<SecurityGroup[]> {
  return describeSecurityGroups(api, [{ Name: 'tag-key', Values: [TAGS.managed] }]);
}

/**
 * Who else uses each group: other instances (their group set) and network interfaces not attached
 * to this instance (load balancers, Lambda, endpoints … attach groups to interfaces, not instances).
 * Both are asked because EC2 keeps the group set per interface, and moto keeps the instance's and
 * the interface's apart after ModifyInstanceAttribute.
 */
export async function otherUsersOfGroups(
  api: Ec2Api,
  groupIds: string[],
  instanceId: string,
): Promise<Map<string, string[]>> {
  const users = new Map<string, Set<string>>(groupIds.map((id) => [id, new Set<string>()]));
  for (const chunk of chunks(groupIds)) {
    const instances = await describeInstances(api, [
      { Name: 'instance.group-id', Values: chunk },
      { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
    ]);
    for (const instance of instances) {
      if (!instance.InstanceId || instance.InstanceId === instanceId) continue;
      for (const group of instance.SecurityGroups ?? []) users.get(group.GroupId ?? '')?.add(instance.InstanceId);
    }
    const interfaces = await paginate(async (token) => {
      const page = await api.describeNetworkInterfaces({
        Filters: [{ Name: 'group-id', Values: chunk }],
        MaxResults: PAGE,
        NextToken: token,
      });
      return { items: page.NetworkInterfaces ?? [], next: page.NextToken };
    });
    for (const eni of interfaces) {
      const attachedTo = eni.Attachment?.InstanceId;
      if (attachedTo === instanceId || !eni.NetworkInterfaceId) continue;
      const label = attachedTo ?? `${eni.NetworkInterfaceId}${eni.Description ? ` (${eni.Description})` : ''}`;
      for (const group of eni.Groups ?? []) users.get(group.GroupId ?? '')?.add(label);
    }
  }
  return new Map([...users].map(([id, set]) => [id, [...set].sort()]));
}
