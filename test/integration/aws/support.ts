// Shared set-up of the AWS tests: moto for the test file, one fresh AWS account per test (moto's
// x-moto-account-id header keeps each test's VPCs, groups and instances apart), the provider built
// from the same clients the composition root builds, seed helpers and state snapshots.
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  type IpPermission,
  ModifySubnetAttributeCommand,
  RunInstancesCommand,
  type SecurityGroupRule,
  type Tag,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll } from 'vitest';
import type { AwsContext } from '../../../src/clouds/aws/context.js';
import { type Ec2Api, ec2ApiOver, stsApiOver } from '../../../src/clouds/aws/ec2-api.js';
import { buildAwsClients } from '../../../src/clouds/aws/index.js';
import { createAwsProvider } from '../../../src/clouds/aws/provider.js';
import type { CloudProvider, Progress } from '../../../src/core/ports.js';
import { inAccount, type Moto, newAccountId, startMoto } from '../../emulators/moto/moto.js';

export const REGION = 'eu-west-1';

/** Credentials moto accepts; never real ones. */
const TEST_ENV = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/**
 * Starts moto for the file and points the process's AWS environment at it. A client that sends no
 * account header lands in `accountId()`.
 */
export function useMoto(): { endpoint: () => string; accountId: () => string } {
  let moto: Moto | undefined;
  const saved = new Map<string, string | undefined>();
  beforeAll(async () => {
    moto = await startMoto();
    for (const [key, value] of Object.entries({ ...TEST_ENV, AWS_ENDPOINT_URL: moto.endpoint })) {
      saved.set(key, process.env[key]);
      process.env[key] = value;
    }
  });
  afterAll(async () => {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await moto?.stop();
  });
  const running = () => {
    if (!moto) throw new Error('moto is not running');
    return moto;
  };
  return { endpoint: () => running().endpoint, accountId: () => running().accountId };
}

export interface AwsWorld {
  account: string;
  /** A raw SDK client in the test's account, for seeding and inspecting. */
  ec2: EC2Client;
  /** The seam the provider uses; wrap it to inject failures. */
  api: Ec2Api;
  steps: string[];
  context(api?: Ec2Api): AwsContext;
  provider(api?: Ec2Api): CloudProvider;
}

export interface WorldOptions {
  account?: string;
  region?: string;
  /** How the provider waits between retries: instant unless a test runs against real time (the EC2 fault proxy). */
  sleep?: (ms: number) => Promise<void>;
  patience?: AwsContext['patience'];
}

/** A fresh account, or (to play "another machine") new clients on an existing one. */
export function newWorld(endpoint: string, options: WorldOptions = {}): AwsWorld {
  const account = options.account ?? newAccountId();
  const region = options.region ?? REGION;
  const clients = buildAwsClients({ region, env: { AWS_ENDPOINT_URL: endpoint }, maxAttempts: 1 });
  clients.ec2.middlewareStack.add(inAccount(account), { step: 'build', name: 'motoAccount' });
  clients.sts.middlewareStack.add(inAccount(account), { step: 'build', name: 'motoAccount' });
  const api = ec2ApiOver(clients.ec2);
  const steps: string[] = [];
  const progress: Progress = { step: (message) => steps.push(message), warn: () => undefined };
  const context = (seam: Ec2Api = api): AwsContext => ({
    ec2: seam,
    sts: stsApiOver(clients.sts),
    region,
    profile: undefined,
    progress,
    sleep: options.sleep ?? (async () => undefined),
    patience: options.patience,
  });
  return { account, ec2: clients.ec2, api, steps, context, provider: (seam) => createAwsProvider(context(seam)) };
}

// ---- seeding ------------------------------------------------------------------------------------

export interface RuleSeed {
  protocol?: string;
  from?: number;
  to?: number;
  cidr: string;
  description?: string;
}

export interface Seeded {
  instanceId: string;
  vpcId: string;
  subnetId: string;
  groups: Record<string, string>;
}

export async function createVpc(ec2: EC2Client): Promise<{ vpcId: string; subnetId: string }> {
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
  const vpcId = vpc.Vpc?.VpcId as string;
  const subnet = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.1.0/24' }));
  const subnetId = subnet.Subnet?.SubnetId as string;
  await ec2.send(new ModifySubnetAttributeCommand({ SubnetId: subnetId, MapPublicIpOnLaunch: { Value: true } }));
  return { vpcId, subnetId };
}

function permission(rule: RuleSeed): IpPermission {
  const protocol = rule.protocol ?? 'tcp';
  const range = rule.cidr.includes(':')
    ? { Ipv6Ranges: [{ CidrIpv6: rule.cidr, Description: rule.description }] }
    : { IpRanges: [{ CidrIp: rule.cidr, Description: rule.description }] };
  const ports = protocol === '-1' ? {} : { FromPort: rule.from ?? 22, ToPort: rule.to ?? rule.from ?? 22 };
  return { IpProtocol: protocol, ...ports, ...range };
}

export async function createGroup(ec2: EC2Client, vpcId: string, name: string, rules: RuleSeed[]): Promise<string> {
  const group = await ec2.send(new CreateSecurityGroupCommand({ GroupName: name, Description: `${name} group`, VpcId: vpcId }));
  const groupId = group.GroupId as string;
  if (rules.length > 0) {
    const IpPermissions = rules.map(permission);
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions }));
  }
  return groupId;
}

export async function runInstance(
  ec2: EC2Client,
  place: { subnetId: string },
  groupIds: string[],
  tags: Record<string, string> = {},
): Promise<string> {
  const Tags: Tag[] = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: 'ami-12345678',
      MinCount: 1,
      MaxCount: 1,
      SubnetId: place.subnetId,
      SecurityGroupIds: groupIds,
      ...(Tags.length > 0 ? { TagSpecifications: [{ ResourceType: 'instance', Tags }] } : {}),
    }),
  );
  return run.Instances?.[0]?.InstanceId as string;
}

/**
 * The instance of docs/aws.md's example: group "app" with a broad SSH rule, a narrow VPN rule on
 * the same port and an unrelated HTTPS rule; group "ops" with SSH open over IPv6 and a narrow RDP
 * rule.
 */
export async function seedInstance(ec2: EC2Client, name = 'vm01'): Promise<Seeded> {
  const { vpcId, subnetId } = await createVpc(ec2);
  const app = await createGroup(ec2, vpcId, 'app', [
    { from: 22, cidr: '0.0.0.0/0', description: 'SSH from anywhere' },
    { from: 22, cidr: '10.8.0.0/16', description: 'VPN' },
    { from: 443, cidr: '0.0.0.0/0', description: 'HTTPS' },
  ]);
  const ops = await createGroup(ec2, vpcId, 'ops', [
    { from: 22, cidr: '::/0', description: 'SSH over IPv6 from anywhere' },
    { from: 3389, cidr: '192.0.2.0/24', description: 'RDP from the office' },
  ]);
  const instanceId = await runInstance(ec2, { subnetId }, [app, ops], { Name: name });
  return { instanceId, vpcId, subnetId, groups: { app, ops } };
}

// ---- inspection ---------------------------------------------------------------------------------

export async function instanceGroups(ec2: EC2Client, instanceId: string): Promise<string[]> {
  const answer = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  const instance = answer.Reservations?.[0]?.Instances?.[0];
  return (instance?.SecurityGroups ?? []).map((group) => group.GroupId as string);
}

export async function instanceTags(ec2: EC2Client, instanceId: string): Promise<Record<string, string>> {
  const answer = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  const tags = answer.Reservations?.[0]?.Instances?.[0]?.Tags ?? [];
  return Object.fromEntries(tags.map((tag) => [tag.Key, tag.Value]));
}

export async function groupRules(ec2: EC2Client, groupId: string): Promise<SecurityGroupRule[]> {
  const answer = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }));
  return answer.SecurityGroupRules ?? [];
}

export async function groupsNamed(ec2: EC2Client, name: string) {
  const answer = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [name] }] }));
  return answer.SecurityGroups ?? [];
}

/** A rule as text without its id (EC2 assigns a new id when a rule is re-created). */
function ruleText(rule: SecurityGroupRule): string {
  const tags = (rule.Tags ?? []).map((tag) => `${tag.Key}=${tag.Value}`).sort().join(',');
  return [
    rule.IsEgress ? 'egress' : 'ingress',
    rule.IpProtocol,
    rule.FromPort,
    rule.ToPort,
    rule.CidrIpv4 ?? rule.CidrIpv6 ?? rule.PrefixListId ?? rule.ReferencedGroupInfo?.GroupId,
    JSON.stringify(rule.Description ?? null),
    tags,
  ].join(' ');
}

/**
 * Everything the account's security groups say (names, descriptions, tags, every rule with its
 * description and tags, but not rule ids) plus each listed instance's group set and tags: two
 * snapshots are equal when nothing visible changed.
 */
export async function snapshot(ec2: EC2Client, instanceIds: string[]): Promise<unknown> {
  const groups = (await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? [];
  const rules = (await ec2.send(new DescribeSecurityGroupRulesCommand({}))).SecurityGroupRules ?? [];
  const instances = await Promise.all(
    instanceIds.map(async (id) => ({ id, groups: await instanceGroups(ec2, id), tags: await instanceTags(ec2, id) })),
  );
  return {
    groups: groups
      .map((group) => ({
        id: group.GroupId,
        name: group.GroupName,
        description: group.Description,
        tags: (group.Tags ?? []).map((tag) => `${tag.Key}=${tag.Value}`).sort(),
        rules: rules.filter((rule) => rule.GroupId === group.GroupId).map(ruleText).sort(),
      }))
      .sort((a, b) => String(a.id).localeCompare(String(b.id))),
    instances,
  };
}

/**
 * The seam with its `failAt`-th write (1-based) failing; 0 never fails. `writes` names every write
 * attempted, so a test can also prove that none was.
 */
export function failingSeam(api: Ec2Api, failAt: number, error: () => unknown = () => new Error('injected failure')) {
  const writes: string[] = [];
  const seam = new Proxy(api, {
    get(target, name: string) {
      const method = target[name as keyof Ec2Api] as (input: unknown) => Promise<unknown>;
      if (name.startsWith('describe')) return method;
      return async (input: unknown) => {
        writes.push(name);
        if (writes.length === failAt) throw error();
        return method(input);
      };
    },
  });
  return { seam, writes };
}

/**
 * Runs `run(1..count)` in `limit` lanes, the steps of a lane one after another. Each lane first
 * sets up its own world (`setUp`, a moto account seeded once), and its steps run in it in turn: a
 * fail-at-every-write step asserts that it left the world as it found it, so the next step starts
 * from that same state. Seeding an account for every step (a VPC, groups, instances) cost more of
 * moto's time than the steps themselves (docs/testing.md, "What a test costs").
 */
export async function forEachStep<World>(
  count: number,
  limit: number,
  setUp: () => Promise<World>,
  run: (step: number, world: World) => Promise<void>,
): Promise<void> {
  let next = 1;
  const lane = async () => {
    const world = await setUp();
    while (next <= count) await run(next++, world);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
}
