// The EC2 fault proxy, through the real @aws-sdk/client-ec2 (in process) and the built bin/jit.js
// (a subprocess pointed at it by AWS_ENDPOINT_URL_EC2): each fault is observed in moto's state,
// and each one ends, so none of these pass because the proxy simply broke the call.
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateTagsCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  ModifyInstanceAttributeCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildAwsClients } from '../../../src/clouds/aws/index.js';
import { createGroup, createVpc, groupRules, groupsNamed, runInstance } from '../../integration/aws/support.js';
import { baseEnv, runBin, tempConfigDir } from '../../support/cli.js';
import { inAccount, type Moto, newAccountId, startMoto } from '../moto/moto.js';
import { type Ec2FaultProxy, startEc2FaultProxy } from './proxy.js';

const REGION = 'eu-west-1';
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };

let moto: Moto;
let proxy: Ec2FaultProxy;

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startEc2FaultProxy({ target: moto.endpoint });
  for (const [key, value] of Object.entries(CREDENTIALS)) vi.stubEnv(key, value);
  // moto's first instance can take seconds (the run's first EC2 call imports moto's EC2 backend):
  // paid here, under the hook's longer timeout, not by the first test on a loaded machine.
  const { direct } = clients();
  await runInstance(direct, await createVpc(direct), []);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await proxy?.close();
  await moto?.stop();
});

beforeEach(() => proxy.clear());

/** Two clients on one fresh moto account: one through the proxy, one straight to moto (the truth). */
function clients(maxAttempts = 1): { viaProxy: EC2Client; direct: EC2Client } {
  const account = newAccountId();
  const build = (endpoint: string) => {
    const { ec2 } = buildAwsClients({ region: REGION, env: { AWS_ENDPOINT_URL: endpoint }, maxAttempts });
    ec2.middlewareStack.add(inAccount(account), { step: 'build', name: 'motoAccount' });
    return ec2;
  };
  return { viaProxy: build(proxy.url), direct: build(moto.endpoint) };
}

const codeOf = (error: unknown) => (error as { name?: string }).name;

describe('the EC2 fault proxy', () => {
  it('passes calls through to moto and records each action with its status', async () => {
    const { viaProxy, direct } = clients();
    const { vpcId } = await createVpc(viaProxy);
    const groupId = await createGroup(viaProxy, vpcId, 'web', [{ from: 22, cidr: '0.0.0.0/0' }]);

    expect((await groupsNamed(direct, 'web')).map((g) => g.GroupId)).toEqual([groupId]);
    expect(proxy.calls).toEqual([
      { action: 'CreateVpc', status: 200 },
      { action: 'CreateSubnet', status: 200 },
      { action: 'ModifySubnetAttribute', status: 200 },
      { action: 'CreateSecurityGroup', status: 200 },
      { action: 'AuthorizeSecurityGroupIngress', status: 200 },
    ]);
  });

  it('freshGroupLag: a new group is invisible to filters and NotFound to writes, then appears', async () => {
    const { viaProxy, direct } = clients();
    const { vpcId } = await createVpc(viaProxy);
    const older = await createGroup(viaProxy, vpcId, 'older', []);
    proxy.freshGroupLag(3_000); // generous: a loaded machine must still see the lag in the checks below
    const fresh = await createGroup(viaProxy, vpcId, 'fresh', []);
    const createdAt = Date.now();

    // moto has it; through the proxy it is not there yet.
    expect((await groupsNamed(direct, 'fresh')).length).toBe(1);
    expect(await groupsNamed(viaProxy, 'fresh')).toEqual([]);
    const all = (await viaProxy.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })))
      .SecurityGroups?.map((g) => g.GroupId);
    expect(all).toContain(older);
    expect(all).not.toContain(fresh);
    expect(await groupRules(viaProxy, fresh)).toEqual([]);
    expect((await groupRules(direct, fresh)).length).toBe(1); // its default egress rule
    await expect(viaProxy.send(new DescribeSecurityGroupsCommand({ GroupIds: [fresh] }))).rejects.toMatchObject({
      name: 'InvalidGroup.NotFound',
    });
    const tag = () => viaProxy.send(new CreateTagsCommand({ Resources: [fresh], Tags: [{ Key: 'k', Value: 'v' }] }));
    await expect(tag()).rejects.toMatchObject({ name: 'InvalidGroup.NotFound', message: `The security group '${fresh}' does not exist` });
    expect((await groupsNamed(direct, 'fresh'))[0]?.Tags ?? []).toEqual([]); // refused, not forwarded

    await vi.waitFor(async () => expect((await groupsNamed(viaProxy, 'fresh')).length).toBe(1), { timeout: 8_000, interval: 100 });
    expect(Date.now() - createdAt).toBeGreaterThanOrEqual(2_900);
    await tag();
    expect((await groupsNamed(direct, 'fresh'))[0]?.Tags).toEqual([{ Key: 'k', Value: 'v' }]);
  });

  it('dependencyViolationAfterDetach: a group just dropped from an instance cannot be deleted for a while', async () => {
    const { viaProxy, direct } = clients();
    const place = await createVpc(viaProxy);
    const keep = await createGroup(viaProxy, place.vpcId, 'keep', []);
    const drop = await createGroup(viaProxy, place.vpcId, 'drop', []);
    const unused = await createGroup(viaProxy, place.vpcId, 'unused', []);
    const instanceId = await runInstance(viaProxy, place, [keep, drop]);
    proxy.dependencyViolationAfterDetach(2_000);

    await viaProxy.send(new ModifyInstanceAttributeCommand({ InstanceId: instanceId, Groups: [keep] }));
    const detachedAt = Date.now();
    const remove = (GroupId: string) => viaProxy.send(new DeleteSecurityGroupCommand({ GroupId }));
    await expect(remove(drop)).rejects.toMatchObject({ name: 'DependencyViolation', message: `resource ${drop} has a dependent object` });
    expect((await groupsNamed(direct, 'drop')).length).toBe(1);
    await remove(unused); // never attached: no wait
    expect(await groupsNamed(direct, 'unused')).toEqual([]);

    await vi.waitFor(() => remove(drop), { timeout: 8_000, interval: 100 });
    expect(Date.now() - detachedAt).toBeGreaterThanOrEqual(1_900);
    expect(await groupsNamed(direct, 'drop')).toEqual([]);
  });

  it('loseReplyAfterApply: moto applies the write, the reply is lost, and the SDK retry collides with it', async () => {
    const { viaProxy, direct } = clients(3);
    const { vpcId } = await createVpc(viaProxy);
    const groupId = await createGroup(viaProxy, vpcId, 'web', []);
    proxy.calls.length = 0;
    proxy.loseReplyAfterApply('AuthorizeSecurityGroupIngress');

    const error = await viaProxy
      .send(new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '198.51.100.7/32' }] }],
      }))
      .catch((e: unknown) => e);

    expect(codeOf(error)).toBe('InvalidPermission.Duplicate');
    const ingress = (await direct.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] })))
      .SecurityGroupRules?.filter((r) => !r.IsEgress);
    expect(ingress?.map((r) => r.CidrIpv4)).toEqual(['198.51.100.7/32']);
    expect(proxy.calls).toEqual([
      { action: 'AuthorizeSecurityGroupIngress', status: 0 },
      { action: 'AuthorizeSecurityGroupIngress', status: 400 },
    ]);
  });

  it('failAction: fails the chosen matching calls with the given EC2 error, without forwarding them', async () => {
    const { viaProxy, direct } = clients();
    const { vpcId } = await createVpc(viaProxy);
    const groupId = await createGroup(viaProxy, vpcId, 'web', []);
    proxy.failAction('CreateTags', { status: 400, code: 'TagLimitExceeded', message: 'too many tags' }, { nth: 2 });
    const tag = (Key: string) => viaProxy.send(new CreateTagsCommand({ Resources: [groupId], Tags: [{ Key, Value: 'v' }] }));

    await tag('first');
    await expect(tag('second')).rejects.toMatchObject({ name: 'TagLimitExceeded', message: 'too many tags' });
    await tag('third');

    expect((await groupsNamed(direct, 'web'))[0]?.Tags?.map((t) => t.Key).sort()).toEqual(['first', 'third']);
    expect(proxy.calls.filter((c) => c.action === 'CreateTags').map((c) => c.status)).toEqual([200, 400, 200]);
  });

  it('serves a bin/jit.js subprocess pointed at it by AWS_ENDPOINT_URL_EC2', async () => {
    const { dir, cleanup } = tempConfigDir();
    try {
      proxy.failAction('DescribeInstances', { status: 403, code: 'UnauthorizedOperation', message: 'not you' });
      const env = {
        ...baseEnv(dir),
        ...CREDENTIALS,
        AWS_REGION: REGION,
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_ENDPOINT_URL_EC2: proxy.url,
      };

      const refused = await runBin(['scan', '--cloud', 'aws', '--json'], { env });
      const allowed = await runBin(['scan', '--cloud', 'aws', '--json'], { env });

      expect(refused.code).toBe(4);
      expect(JSON.parse(refused.stdout).error.code).toBe('JIT_AWS_UNAUTHORIZED');
      expect(allowed.code).toBe(0);
      const empty = { schemaVersion: 2, findings: [], summary: { open: 0, unmanaged: 0 }, warnings: [], notes: [] };
      expect(JSON.parse(allowed.stdout)).toEqual(empty);
      expect(proxy.calls.filter((c) => c.action === 'DescribeInstances').map((c) => c.status)).toEqual([403, 200]);
    } finally {
      cleanup();
    }
  });
});
