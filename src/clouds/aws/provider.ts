/** The AWS CloudProvider: plans from lockdown.ts and grants.ts, run through the journal. */
import type { CloudProvider, EnabledVm, ScanFinding, TargetStatus } from '../../core/ports.js';
import { POLICY_TAG } from '../../core/policy.js';
import { type AwsContext, type Plan, reportOf, scopeOf } from './context.js';
import { evaluatePort, openManagementPorts } from './exposure.js';
import { closeGrantsInBulk, grantRules, listGrants, planCloseGrant, planOpenGrant, refsOf } from './grants.js';
import { describeGroups, describeInstances, type GroupView } from './inventory.js';
import { runSteps } from './journal.js';
import { withFreshGroupPatience } from './patience.js';
import { attachedGroupIds, planDisable, planEnable, requireInstance } from './lockdown.js';
import { TAGS } from './records.js';
import { resolveTarget, targetInfoOf } from './resolve.js';
import { partitionOf, roleDocuments } from './role.js';
import { tagMap } from './rules.js';

/** `arn:aws:sts::123456789012:assumed-role/…` → `123456789012`. */
function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}

function groupsOf(ids: string[], groups: Map<string, GroupView>): GroupView[] {
  return ids.flatMap((id) => {
    const group = groups.get(id);
    return group ? [group] : [];
  });
}

export function createAwsProvider(given: AwsContext): CloudProvider {
  // One provider serves one jit command: the groups it creates are "fresh" for that run only.
  const context: AwsContext = { ...given, ec2: withFreshGroupPatience(given.ec2, given) };
  const run = async (plan: Plan, dryRun: boolean) => {
    if (!dryRun) await runSteps(plan.steps, context.progress);
    return reportOf(plan, !dryRun);
  };

  return {
    cloud: 'aws',
    whoami: () => context.sts.callerArn(),
    resolveTarget: (ref) => resolveTarget(context, ref),
    enable: async (target, policy, options) => run(await planEnable(context, target, policy, options), options.dryRun),
    disable: async (target, options) => run(await planDisable(context, target), options.dryRun),
    openGrant: async (target, grant, options) => {
      const plan = await planOpenGrant(context, target, grant);
      const report = await run(plan, options.dryRun);
      const rules = options.dryRun ? plan.current : await grantRules(context, plan.jit.id, grant.id);
      return { ...report, rules: refsOf(rules) };
    },
    closeGrant: async (grant, options) => run(await planCloseGrant(context, grant), options.dryRun),
    closeGrants: (grants, options) => closeGrantsInBulk(context, grants, options),
    listGrants: (target) => listGrants(context, target),
    scopeInEffect: async () => scopeOf(context),
    status: async (target, policy): Promise<TargetStatus> => {
      const instance = await requireInstance(context, target.id);
      const attached = attachedGroupIds(instance);
      const groups = groupsOf(attached, await describeGroups(context.ec2, attached));
      const lockedDown = groups.some(
        (group) => group.tags[TAGS.managed] !== undefined && group.tags[TAGS.instance] === target.id,
      );
      return {
        target: targetInfoOf(context, instance),
        exposure: policy ? policy.ports.map((port) => evaluatePort(groups, port, lockedDown)) : [],
        lockedDown,
      };
    },
    scan: async (): Promise<ScanFinding[]> => {
      const instances = await describeInstances(context.ec2, [
        { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
      ]);
      context.progress.step(`Reading the security groups of ${instances.length} instance${instances.length === 1 ? '' : 's'}…`);
      const groups = await describeGroups(context.ec2, instances.flatMap(attachedGroupIds));
      // DescribeInstances answers for the caller's account only: the ARN's account is every finding's.
      const scope = { account: accountOf(await context.sts.callerArn()), region: context.region };
      return instances.flatMap((instance) => {
        const open = openManagementPorts(groupsOf(attachedGroupIds(instance), groups));
        if (open.length === 0) return [];
        const tags = tagMap(instance.Tags);
        const id = instance.InstanceId ?? '';
        return [{ target: { id, name: tags.Name || id }, scope, open, managed: tags[POLICY_TAG] !== undefined }];
      });
    },
    // The `tag-key` filter matches instances that carry the key whatever its value (EC2 API
    // reference, DescribeInstances filters); terminated instances linger about an hour and are left out.
    listEnabled: async (): Promise<EnabledVm[]> => {
      const instances = await describeInstances(context.ec2, [
        { Name: 'tag-key', Values: [POLICY_TAG] },
        { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
      ]);
      return instances.flatMap((instance): EnabledVm[] => {
        const target = targetInfoOf(context, instance);
        if (target.policyTag === undefined) return [];
        const { id, name, scope, policyTag, state } = target;
        return [{ cloud: 'aws', id, name, scope, policyTag, ...(state ? { state } : {}) }];
      });
    },
    role: () => roleDocuments(partitionOf(context.region)),
  };
}
