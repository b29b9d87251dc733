// EC2 as it really behaves, through the fault proxy (test/emulators/ec2-proxy/SPEC.md): the real
// @aws-sdk/client-ec2 → proxy → moto, with real time between retries. A group jit just created is
// unknown for a while, a group just detached cannot be deleted for a while, and the quota of groups
// per interface is EC2's to enforce. The assertions are moto's state, read around the proxy.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENABLE_DEFAULTS, SSH_POLICY as policy } from '../../support/provider-fixtures.js';
import { type Ec2FaultProxy, startEc2FaultProxy } from '../../emulators/ec2-proxy/proxy.js';
import { groupRules, groupsNamed, instanceGroups, newWorld, seedInstance, snapshot, useMoto } from './support.js';

const { endpoint } = useMoto();
let proxy: Ec2FaultProxy;

beforeAll(async () => {
  proxy = await startEc2FaultProxy({ target: endpoint() });
  // moto's first instance can take seconds (its first EC2 call imports moto's EC2 code): paid here, under the hook's
  // longer timeout, not by the first test on a loaded machine.
  await seedInstance(newWorld(endpoint()).ec2);
});
afterAll(() => proxy?.close());
beforeEach(() => proxy.clear());

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A fresh account seen through the proxy (`world`), and the same account straight on moto (`truth`). */
async function seeded(patience?: { dependencyMs?: number }) {
  const world = newWorld(proxy.url, { sleep: realSleep, patience });
  const truth = newWorld(endpoint(), { account: world.account }).ec2;
  const instance = await seedInstance(truth);
  const provider = world.provider();
  const target = await provider.resolveTarget(instance.instanceId);
  return { world, truth, instance, provider, target, jitName: `jit-access-${instance.instanceId}` };
}

/** Statuses the proxy answered for one action, in order. */
const statuses = (action: string) => proxy.calls.filter((c) => c.action === action).map((c) => c.status);

const UNAUTHORIZED = { status: 403, code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' };

describe('read-after-create lag', () => {
  it('enable succeeds while its new group is unknown to EC2 for 2 s, and the group keeps no egress rule', async () => {
    const { truth, instance, provider, target, jitName } = await seeded();
    proxy.freshGroupLag(2_000);

    await provider.enable(target, policy, ENABLE_DEFAULTS);

    // The lag was met (writes naming the group were refused), and waited out.
    const refusedAfterCreate = proxy.calls.slice(proxy.calls.findIndex((c) => c.action === 'CreateSecurityGroup'));
    expect(refusedAfterCreate.some((c) => c.status === 400)).toBe(true);
    const [jit] = await groupsNamed(truth, jitName);
    expect(await instanceGroups(truth, instance.instanceId)).toContain(jit?.GroupId);
    expect((await groupRules(truth, jit?.GroupId as string)).filter((r) => r.IsEgress)).toEqual([]);
    const app = await groupRules(truth, instance.groups.app as string);
    expect(app.filter((r) => !r.IsEgress && r.CidrIpv4 === '0.0.0.0/0' && r.FromPort === 22)).toEqual([]);
  });
});

describe('DependencyViolation after a detach', () => {
  it('disable right after enable waits until EC2 lets go of the jit group', async () => {
    const { truth, instance, provider, target, jitName } = await seeded();
    const before = await snapshot(truth, [instance.instanceId]);
    proxy.dependencyViolationAfterDetach(2_000);
    await provider.enable(target, policy, ENABLE_DEFAULTS);

    await provider.disable(target, { dryRun: false });

    // Refused while EC2 holds on to it (at 0 s, and at 1 s unless the machine is very slow), then deleted.
    const deletes = statuses('DeleteSecurityGroup');
    expect(deletes[0]).toBe(400);
    expect(deletes.slice(1, -1).every((s) => s === 400)).toBe(true);
    expect(deletes.at(-1)).toBe(200);
    expect(await groupsNamed(truth, jitName)).toEqual([]);
    expect(await snapshot(truth, [instance.instanceId])).toEqual(before);
  });

  it('an enable that fails after attaching its new group rolls back completely, group included', async () => {
    const { truth, instance, provider, target, jitName } = await seeded();
    const before = await snapshot(truth, [instance.instanceId]);
    proxy.freshGroupLag(1_000);
    proxy.dependencyViolationAfterDetach(1_500);
    // The admin may not edit the instance's own groups: the first revoke after the attach fails.
    proxy.failAction('RevokeSecurityGroupIngress', UNAUTHORIZED);

    await expect(provider.enable(target, policy, ENABLE_DEFAULTS)).rejects.toMatchObject({
      code: 'JIT_AWS_UNAUTHORIZED',
      message: expect.stringContaining('were rolled back'),
    });

    expect(statuses('ModifyInstanceAttribute').filter((s) => s === 200)).toHaveLength(2); // attached, then detached
    expect(statuses('DeleteSecurityGroup')).toContain(400);
    expect(statuses('DeleteSecurityGroup').at(-1)).toBe(200);
    expect(await groupsNamed(truth, jitName)).toEqual([]);
    expect(await snapshot(truth, [instance.instanceId])).toEqual(before);
  });

  it('names the group a rollback had to leave behind, with the command that removes it', async () => {
    const { truth, provider, target, jitName } = await seeded({ dependencyMs: 2_000 });
    proxy.dependencyViolationAfterDetach(60_000);
    proxy.failAction('RevokeSecurityGroupIngress', UNAUTHORIZED);

    const error = (await provider.enable(target, policy, ENABLE_DEFAULTS).then(
      () => new Error('enable was expected to fail'),
      (e: unknown) => e,
    )) as Error & { code?: string };

    const [left] = await groupsNamed(truth, jitName);
    expect(left?.GroupId).toMatch(/^sg-/);
    expect(error.code).toBe('JIT_AWS_ROLLBACK_INCOMPLETE');
    expect(error.message).toContain(`Security group ${left?.GroupId} (${jitName}) was left behind`);
    expect(error.message).toContain(`\`aws ec2 delete-security-group --group-id ${left?.GroupId} --region eu-west-1\``);
  });
});

describe('the groups-per-interface quota', () => {
  it('is EC2\'s: its refusal is a clear error with the quota hint, and nothing is left', async () => {
    const { truth, instance, provider, target, jitName } = await seeded();
    const before = await snapshot(truth, [instance.instanceId]);
    proxy.failAction('ModifyInstanceAttribute', {
      status: 400,
      code: 'SecurityGroupsPerInterfaceLimitExceeded',
      message: 'The maximum number of security groups per interface has been reached.',
    });

    await expect(provider.enable(target, policy, ENABLE_DEFAULTS)).rejects.toMatchObject({
      code: 'JIT_AWS_GROUP_LIMIT',
      hint: expect.stringContaining('adjustable up to 16'),
    });

    expect(await groupsNamed(truth, jitName)).toEqual([]);
    expect(await snapshot(truth, [instance.instanceId])).toEqual(before);
  });
});
