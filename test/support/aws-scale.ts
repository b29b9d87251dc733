// Seeds an AWS account (moto) at scale for the sweep test and bench/scale.ts: `groups` instances,
// each with a jit group as `jit enable` names and tags it, holding `expired` expired grant rules,
// `live` unexpired ones and `user` rules of the user's own, plus one decoy group (not jit's) whose
// rule carries a jit-like expired description and tags. Expired rules carry their metadata in the
// description only (one Authorize call per group keeps seeding fast; sweep reads the description
// when the tags are missing); live ones carry tags too, one call per grant.
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupRulesCommand,
  type EC2Client,
  type IpPermission,
  RunInstancesCommand,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { grantDescription, grantTags } from '../../src/clouds/aws/grant-metadata.js';
import { jitGroupName, TAGS } from '../../src/clouds/aws/records.js';
import { createVpc } from '../integration/aws/support.js';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** A valid grant id (8 characters of lower-case Crockford base32) made from a number. */
export function grantIdOf(prefix: string, n: number): string {
  let id = '';
  for (let i = 0; i < 7; i++) {
    id = (ALPHABET[n % 32] as string) + id;
    n = Math.floor(n / 32);
  }
  return `${prefix}${id}`;
}

/** The n-th /32 of 198.18.0.0/15 (the benchmarking range): every rule gets its own source. */
function sourceOf(n: number): string {
  return `198.${18 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}/32`;
}

export interface ScaleSeed {
  instanceIds: string[];
  jitGroupIds: string[];
  decoyGroupId: string;
  /** Grant ids by kind. */
  expired: string[];
  live: string[];
  /** Descriptions of the user's rules in jit groups. */
  userRules: string[];
}

export interface ScaleOptions {
  groups: number;
  expired: number;
  live?: number;
  user?: number;
  now?: Date;
}

export async function seedScale(ec2: EC2Client, options: ScaleOptions): Promise<ScaleSeed> {
  const now = options.now ?? new Date();
  const past = new Date(now.getTime() - 3_600_000).toISOString();
  const future = new Date(now.getTime() + 3_600_000).toISOString();
  const place = await createVpc(ec2);
  const seed: ScaleSeed = { instanceIds: [], jitGroupIds: [], decoyGroupId: '', expired: [], live: [], userRules: [] };
  let n = 0;
  const requester = 'arn:aws:iam::123456789012:user/bench';
  for (let g = 0; g < options.groups; g++) {
    const run = await ec2.send(
      new RunInstancesCommand({ ImageId: 'ami-12345678', MinCount: 1, MaxCount: 1, SubnetId: place.subnetId,
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: `vm${String(g).padStart(3, '0')}` }] }] }),
    );
    const instanceId = run.Instances?.[0]?.InstanceId as string;
    const group = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: jitGroupName(instanceId),
        Description: `jit-access lock-down of ${instanceId}`,
        VpcId: place.vpcId,
        TagSpecifications: [
          { ResourceType: 'security-group', Tags: [{ Key: TAGS.managed, Value: 'v1' }, { Key: TAGS.instance, Value: instanceId }] },
        ],
      }),
    );
    const groupId = group.GroupId as string;
    seed.instanceIds.push(instanceId);
    seed.jitGroupIds.push(groupId);
    const batch: IpPermission[] = [];
    for (let i = 0; i < options.expired; i++) {
      const grantId = grantIdOf('e', n);
      seed.expired.push(grantId);
      const Description = grantDescription({ grantId, expiresAt: past, requester });
      batch.push({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: sourceOf(n++), Description }] });
    }
    for (let i = 0; i < (options.user ?? 0); i++) {
      const Description = `user rule ${g}-${i}`;
      seed.userRules.push(Description);
      batch.push({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: sourceOf(n++), Description }] });
    }
    if (batch.length > 0) {
      await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: batch }));
    }
    for (let i = 0; i < (options.live ?? 0); i++) {
      const meta = { grantId: grantIdOf('l', n), expiresAt: future, requester };
      seed.live.push(meta.grantId);
      await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: sourceOf(n++), Description: grantDescription(meta) }] }],
          TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: grantTags(meta) }],
        }),
      );
    }
  }
  // Not a jit group: its rule looks like an expired grant in every way and must stay.
  const decoy = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'decoy', Description: 'decoy', VpcId: place.vpcId }));
  seed.decoyGroupId = decoy.GroupId as string;
  const meta = { grantId: grantIdOf('d', 0), expiresAt: past, requester };
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: seed.decoyGroupId,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '198.51.100.7/32', Description: grantDescription(meta) }] }],
      TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: grantTags(meta) }],
    }),
  );
  return seed;
}

/** Every ingress rule of these groups (moto answers DescribeSecurityGroupRules in one page). */
export async function ingressOf(ec2: EC2Client, groupIds: string[]): Promise<SecurityGroupRule[]> {
  const rules: SecurityGroupRule[] = [];
  for (let i = 0; i < groupIds.length; i += 200) {
    const answer = await ec2.send(
      new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: groupIds.slice(i, i + 200) }] }),
    );
    rules.push(...(answer.SecurityGroupRules ?? []).filter((rule) => !rule.IsEgress));
  }
  return rules;
}

/** The grant id a rule's description names, if any. */
export function grantIdIn(rule: SecurityGroupRule): string | undefined {
  return /grant=(\S+)/.exec(rule.Description ?? '')?.[1];
}
