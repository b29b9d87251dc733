// enable / disable against moto: what EC2 holds after every step, with the real SDK.
import { AttachNetworkInterfaceCommand, CreateNetworkInterfaceCommand, CreateTagsCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { decodeRecords, TAGS } from '../../../src/clouds/aws/records.js';
import { tagMap } from '../../../src/clouds/aws/rules.js';
import { isJitError } from '../../../src/core/errors.js';
import { buildPolicy, encodePolicy } from '../../../src/core/policy.js';
import type { PortRange } from '../../../src/core/model.js';
import { ENABLE_DEFAULTS } from '../../support/provider-fixtures.js';
import {
  createGroup,
  createVpc,
  failingSeam,
  groupRules,
  groupsNamed,
  instanceGroups,
  instanceTags,
  newWorld,
  runInstance,
  seedInstance,
  snapshot,
  useMoto,
} from './support.js';

const { endpoint } = useMoto();
const ssh: PortRange = { from: 22, to: 22, protocol: 'tcp' };
const rdp: PortRange = { from: 3389, to: 3389, protocol: 'tcp' };

function ingressText(rules: Awaited<ReturnType<typeof groupRules>>): string[] {
  return rules
    .filter((rule) => !rule.IsEgress)
    .map((rule) => `${rule.IpProtocol} ${rule.FromPort}-${rule.ToPort} ${rule.CidrIpv4 ?? rule.CidrIpv6} ${rule.Description ?? ''}`.trim())
    .sort();
}

async function jitGroupOf(world: ReturnType<typeof newWorld>, instanceId: string) {
  const [group] = await groupsNamed(world.ec2, `jit-access-${instanceId}`);
  return group;
}

type Failure = Error & { code?: string; details?: Record<string, unknown> };

async function failure(promise: Promise<unknown>): Promise<Failure> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('enable', () => {
  it('attaches an empty jit group, revokes and records the internet SSH rules, keeps narrow and unrelated rules', async () => {
    const world = newWorld(endpoint());
    const seeded = await seedInstance(world.ec2);
    const provider = world.provider();
    const target = await provider.resolveTarget(seeded.instanceId);
    const policy = buildPolicy({ ports: [ssh] });

    const report = await provider.enable(target, policy, ENABLE_DEFAULTS);

    expect(report.applied).toBe(true);
    const jit = await jitGroupOf(world, seeded.instanceId);
    expect(jit?.VpcId).toBe(seeded.vpcId);
    const jitTags = tagMap(jit?.Tags);
    expect(jitTags[TAGS.managed]).toBe('v1');
    expect(jitTags[TAGS.instance]).toBe(seeded.instanceId);
    // Empty: no inbound rules, and the default allow-all outbound rule removed.
    expect(await groupRules(world.ec2, jit?.GroupId as string)).toEqual([]);
    const groups = await instanceGroups(world.ec2, seeded.instanceId);
    expect(groups).toEqual([seeded.groups.app, seeded.groups.ops, jit?.GroupId]);
    expect(ingressText(await groupRules(world.ec2, seeded.groups.app as string))).toEqual([
      'tcp 22-22 10.8.0.0/16 VPN',
      'tcp 443-443 0.0.0.0/0 HTTPS',
    ]);
    expect(ingressText(await groupRules(world.ec2, seeded.groups.ops as string))).toEqual([
      'tcp 3389-3389 192.0.2.0/24 RDP from the office',
    ]);
    const records = decodeRecords(jitTags);
    expect(records.revoked.map((r) => [r.groupId, r.protocol, r.from, r.to, r.source, r.description]).sort()).toEqual(
      [
        [seeded.groups.app, 'tcp', 22, 22, { kind: 'cidr', cidr: '0.0.0.0/0' }, 'SSH from anywhere'],
        [seeded.groups.ops, 'tcp', 22, 22, { kind: 'cidr', cidr: '::/0' }, 'SSH over IPv6 from anywhere'],
      ].sort(),
    );
    expect((await instanceTags(world.ec2, seeded.instanceId))['jit-access']).toBe(encodePolicy(policy));
    expect(report.notes.join('\n')).toContain('10.8.0.0/16 "VPN" is not open to the internet and keeps working');
    expect(report.changes.map((c) => c.op)).toEqual([
      'create-group',
      'attach-group',
      'set-tag',
      'remove-rule',
      'remove-rule',
      'set-tag',
    ]);
  });

  it('with --dry-run reports the same changes and writes nothing', async () => {
    const world = newWorld(endpoint());
    const seeded = await seedInstance(world.ec2);
    const provider = world.provider();
    const target = await provider.resolveTarget('vm01');
    const policy = buildPolicy({ ports: [ssh, rdp] });
    const before = await snapshot(world.ec2, [seeded.instanceId]);

    const dry = await provider.enable(target, policy, { ...ENABLE_DEFAULTS, dryRun: true });

    expect(dry.applied).toBe(false);
    expect(await snapshot(world.ec2, [seeded.instanceId])).toEqual(before);
    expect(world.steps).toEqual([]);
    const applied = await provider.enable(target, policy, ENABLE_DEFAULTS);
    const jit = await jitGroupOf(world, seeded.instanceId);
    // The dry run names the group it would create; the rest is word for word.
    const named = (summary: string) => summary.replaceAll(jit?.GroupId as string, `jit-access-${seeded.instanceId}`);
    expect(dry.changes.map((c) => named(c.summary))).toEqual(applied.changes.map((c) => named(c.summary)));
  });

  it('then disable leaves every group and the instance exactly as before, from another machine', async () => {
    const world = newWorld(endpoint());
    const seeded = await seedInstance(world.ec2);
    const before = await snapshot(world.ec2, [seeded.instanceId]);
    const enabler = world.provider();
    await enabler.enable(await enabler.resolveTarget('vm01'), buildPolicy({ ports: [ssh, rdp] }), ENABLE_DEFAULTS);
    expect(await snapshot(world.ec2, [seeded.instanceId])).not.toEqual(before);

    // New clients and a new provider: nothing but what the cloud says.
    const provider = newWorld(endpoint(), { account: world.account }).provider();
    const report = await provider.disable(await provider.resolveTarget('vm01'), { dryRun: false });

    expect(report.changes.filter((c) => c.op === 'restore-rule')).toHaveLength(2);
    expect(await snapshot(world.ec2, [seeded.instanceId])).toEqual(before);
    expect(await groupsNamed(world.ec2, `jit-access-${seeded.instanceId}`)).toEqual([]);
  });

  it('with --dry-run, disable writes nothing', async () => {
    const world = newWorld(endpoint());
    const seeded = await seedInstance(world.ec2);
    const provider = world.provider();
    const target = await provider.resolveTarget('vm01');
    await provider.enable(target, buildPolicy({ ports: [ssh] }), ENABLE_DEFAULTS);
    const enabled = await snapshot(world.ec2, [seeded.instanceId]);

    const report = await provider.disable(target, { dryRun: true });

    expect(report.applied).toBe(false);
    expect(report.changes.map((c) => c.op)).toEqual(['restore-rule', 'restore-rule', 'detach-group', 'remove-tag', 'delete-group']);
    expect(await snapshot(world.ec2, [seeded.instanceId])).toEqual(enabled);
  });

  it('records descriptions of 255 characters and restores them verbatim', async () => {
    const world = newWorld(endpoint());
    const { vpcId, subnetId } = await createVpc(world.ec2);
    const longest = `${'Bastion access for the on-call team; ticket #4711 [ops] {rotation} '.repeat(4)}`.slice(0, 255);
    expect(longest).toHaveLength(255);
    const group = await createGroup(world.ec2, vpcId, 'bastion', [{ from: 22, cidr: '0.0.0.0/0', description: longest }]);
    const instanceId = await runInstance(world.ec2, { subnetId }, [group], { Name: 'bastion' });
    const before = await snapshot(world.ec2, [instanceId]);
    const provider = world.provider();
    const target = await provider.resolveTarget('bastion');

    await provider.enable(target, buildPolicy({ ports: [ssh] }), ENABLE_DEFAULTS);
    const jit = await jitGroupOf(world, instanceId);
    expect(decodeRecords(tagMap(jit?.Tags)).revoked[0]?.description).toBe(longest);
    expect(ingressText(await groupRules(world.ec2, group))).toEqual([]);

    await provider.disable(target, { dryRun: false });
    expect(await snapshot(world.ec2, [instanceId])).toEqual(before);
    expect((await groupRules(world.ec2, group)).find((r) => !r.IsEgress)?.Description).toBe(longest);
  });

  it('revokes a rule wider than the policy port whole, says so, and restores it whole', async () => {
    const world = newWorld(endpoint());
    const { vpcId, subnetId } = await createVpc(world.ec2);
    const group = await createGroup(world.ec2, vpcId, 'wide', [
      { from: 0, to: 65535, cidr: '0.0.0.0/0', description: 'everything' },
      { protocol: '-1', cidr: '::/0', description: 'all protocols' },
      { protocol: 'udp', from: 22, cidr: '0.0.0.0/0', description: 'udp 22 is not tcp 22' },
      { protocol: 'icmp', from: -1, to: -1, cidr: '0.0.0.0/0', description: 'ping' },
    ]);
    const instanceId = await runInstance(world.ec2, { subnetId }, [group], { Name: 'wide' });
    const everything = (await groupRules(world.ec2, group)).find((r) => r.Description === 'everything');
    await world.ec2.send(
      new CreateTagsCommand({ Resources: [everything?.SecurityGroupRuleId as string], Tags: [{ Key: 'owner', Value: 'web' }] }),
    );
    const provider = world.provider();
    const target = await provider.resolveTarget('wide');

    const report = await provider.enable(target, buildPolicy({ ports: [ssh] }), ENABLE_DEFAULTS);

    expect(ingressText(await groupRules(world.ec2, group))).toEqual([
      'icmp -1--1 0.0.0.0/0 ping',
      'udp 22-22 0.0.0.0/0 udp 22 is not tcp 22',
    ]);
    const wide = report.notes.filter((note) => note.includes('is revoked whole'));
    expect(wide).toHaveLength(2);
    expect(wide[0]).toContain('tcp 0-65535 from 0.0.0.0/0 "everything" opens more than the policy\'s ports');
    expect(wide[1]).toContain('all traffic from ::/0');
    expect(report.notes).toContainEqual(expect.stringContaining('"everything" has tags of its own (owner)'));

    await provider.disable(target, { dryRun: false });
    const restored = (await groupRules(world.ec2, group)).filter((r) => !r.IsEgress);
    expect(ingressText(restored)).toEqual([
      '-1 -1--1 ::/0 all protocols',
      'icmp -1--1 0.0.0.0/0 ping',
      'tcp 0-65535 0.0.0.0/0 everything',
      'udp 22-22 0.0.0.0/0 udp 22 is not tcp 22',
    ]);
    // The one difference EC2 leaves: a re-created rule has a new id and no tags.
    expect(restored.find((r) => r.Description === 'everything')?.Tags).toEqual([]);
    expect(await instanceGroups(world.ec2, instanceId)).toEqual([group]);
    expect(await groupsNamed(world.ec2, `jit-access-${instanceId}`)).toEqual([]);
  });

  it('also revokes narrow rules with --include-narrow, and restores them', async () => {
    const world = newWorld(endpoint());
    const seeded = await seedInstance(world.ec2);
    const before = await snapshot(world.ec2, [seeded.instanceId]);
    const provider = world.provider();
    const target = await provider.resolveTarget('vm01');

    await provider.enable(target, buildPolicy({ ports: [ssh, rdp] }), { ...ENABLE_DEFAULTS, includeNarrow: true });

    expect(ingressText(await groupRules(world.ec2, seeded.groups.app as string))).toEqual(['tcp 443-443 0.0.0.0/0 HTTPS']);
    expect(ingressText(await groupRules(world.ec2, seeded.groups.ops as string))).toEqual([]);
    await provider.disable(target, { dryRun: false });
    expect(await snapshot(world.ec2, [seeded.instanceId])).toEqual(before);
  });

  it('re-run with a new policy updates the tag, revokes what the new ports need and restores what they do not', async () => {
    const world = newWorld(endpoint());
    const { vpcId, subnetId } = await createVpc(world.ec2);
    const group = await createGroup(world.ec2, vpcId, 'mgmt', [
      { from: 22, cidr: '0.0.0.0/0', description: 'ssh' },
      { from: 3389, cidr: '0.0.0.0/0', description: 'rdp' },
    ]);
    const instanceId = await runInstance(world.ec2, { subnetId }, [group], { Name: 'mgmt' });
    const before = await snapshot(world.ec2, [instanceId]);
    const provider = world.provider();
    const target = await provider.resolveTarget('mgmt');

    await provider.enable(target, buildPolicy({ ports: [ssh] }), ENABLE_DEFAULTS);
    expect(ingressText(await groupRules(world.ec2, group))).toEqual(['tcp 3389-3389 0.0.0.0/0 rdp']);

    const policy = buildPolicy({ ports: [rdp] });
    const second = await provider.enable(target, policy, ENABLE_DEFAULTS);
    expect(ingressText(await groupRules(world.ec2, group))).toEqual(['tcp 22-22 0.0.0.0/0 ssh']);
    expect(second.changes.map((c) => c.op)).toEqual(['set-tag', 'remove-rule', 'restore-rule', 'remove-tag', 'set-tag']);
    expect((await instanceTags(world.ec2, instanceId))['jit-access']).toBe(encodePolicy(policy));
    const jit = await jitGroupOf(world, instanceId);
    expect(decodeRecords(tagMap(jit?.Tags)).revoked.map((r) => r.description)).toEqual(['rdp']);

    const third = await provider.enable(target, policy, ENABLE_DEFAULTS);
    expect(third.changes).toEqual([]);

    await provider.disable(target, { dryRun: false });
    expect(await snapshot(world.ec2, [instanceId])).toEqual(before);
  });

  it('refuses to edit a group shared with another instance, naming it; --isolate swaps in a copy; disable swaps back', async () => {
    const world = newWorld(endpoint());
    const seeded = await seedInstance(world.ec2);
    const neighbour = await runInstance(world.ec2, { subnetId: seeded.subnetId }, [seeded.groups.app as string], {
      Name: 'vm02',
    });
    const before = await snapshot(world.ec2, [seeded.instanceId, neighbour]);
    const provider = world.provider();
    const target = await provider.resolveTarget('vm01');
    const policy = buildPolicy({ ports: [ssh] });

    const refused = await failure(provider.enable(target, policy, ENABLE_DEFAULTS));
    expect(isJitError(refused) && refused.exitCode).toBe(2);
    expect(refused.code).toBe('JIT_AWS_GROUP_SHARED');
    expect(refused.message).toContain(`${seeded.groups.app} (app) (used by ${neighbour})`);
    expect(refused.details?.groups).toEqual([
      expect.objectContaining({ groupId: seeded.groups.app, usedBy: [neighbour] }),
    ]);
    expect(await snapshot(world.ec2, [seeded.instanceId, neighbour])).toEqual(before);

    const report = await provider.enable(target, policy, { ...ENABLE_DEFAULTS, isolate: true });
    const [copy] = await groupsNamed(world.ec2, `app-jit-${seeded.instanceId}`);
    const jit = await jitGroupOf(world, seeded.instanceId);
    const groups = await instanceGroups(world.ec2, seeded.instanceId);
    expect(groups).toEqual([copy?.GroupId, seeded.groups.ops, jit?.GroupId]);
    expect(await instanceGroups(world.ec2, neighbour)).toEqual([seeded.groups.app]);
    // The shared group is untouched; the copy has everything but the internet SSH rule.
    expect(ingressText(await groupRules(world.ec2, seeded.groups.app as string))).toHaveLength(3);
    expect(ingressText(await groupRules(world.ec2, copy?.GroupId as string))).toEqual([
      'tcp 22-22 10.8.0.0/16 VPN',
      'tcp 443-443 0.0.0.0/0 HTTPS',
    ]);
    const egress = (rules: Awaited<ReturnType<typeof groupRules>>) =>
      rules.filter((r) => r.IsEgress).map((r) => `${r.IpProtocol} ${r.CidrIpv4}`);
    expect(egress(await groupRules(world.ec2, copy?.GroupId as string))).toEqual(
      egress(await groupRules(world.ec2, seeded.groups.app as string)),
    );
    expect(tagMap(copy?.Tags)).toEqual({ [TAGS.copyOf]: seeded.groups.app, [TAGS.instance]: seeded.instanceId });
    expect(decodeRecords(tagMap(jit?.Tags)).swaps).toEqual([
      expect.objectContaining({ original: seeded.groups.app, copy: copy?.GroupId }),
    ]);
    expect(report.changes.map((c) => c.op)).toContain('detach-group');

    await provider.disable(target, { dryRun: false });
    expect(await snapshot(world.ec2, [seeded.instanceId, neighbour])).toEqual(before);
  });

  it('re-enables an isolated instance by bringing its copy in line with the original and the new policy', async () => {
    const world = newWorld(endpoint());
    const seeded = await seedInstance(world.ec2);
    await runInstance(world.ec2, { subnetId: seeded.subnetId }, [seeded.groups.app as string]);
    const provider = world.provider();
    const target = await provider.resolveTarget('vm01');
    await provider.enable(target, buildPolicy({ ports: [ssh] }), { ...ENABLE_DEFAULTS, isolate: true });
    const [copy] = await groupsNamed(world.ec2, `app-jit-${seeded.instanceId}`);

    await provider.enable(target, buildPolicy({ ports: [{ from: 443, to: 443, protocol: 'tcp' }] }), ENABLE_DEFAULTS);

    expect(ingressText(await groupRules(world.ec2, copy?.GroupId as string))).toEqual([
      'tcp 22-22 0.0.0.0/0 SSH from anywhere',
      'tcp 22-22 10.8.0.0/16 VPN',
    ]);
  });

  it('leaves the groups-per-interface quota to EC2: a sixth group is attached where the quota allows it', async () => {
    const world = newWorld(endpoint());
    const { vpcId, subnetId } = await createVpc(world.ec2);
    const groups = [await createGroup(world.ec2, vpcId, 'g0', [{ from: 22, cidr: '0.0.0.0/0' }])];
    for (let i = 1; i < 5; i++) groups.push(await createGroup(world.ec2, vpcId, `g${i}`, []));
    const instanceId = await runInstance(world.ec2, { subnetId }, groups, { Name: 'full' });
    const provider = world.provider();

    // The quota is adjustable up to 16, and moto does not enforce it: EC2's own refusal is
    // mapped in errors.ts and tested through the fault proxy (eventual-consistency.test.ts).
    await provider.enable(await provider.resolveTarget('full'), buildPolicy({ ports: [ssh] }), ENABLE_DEFAULTS);

    const jit = await jitGroupOf(world, instanceId);
    expect(await instanceGroups(world.ec2, instanceId)).toEqual([...groups, jit?.GroupId]);
  });

  it('refuses an instance with several network interfaces before writing', async () => {
    const world = newWorld(endpoint());
    const seeded = await seedInstance(world.ec2);
    const eni = await world.ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: seeded.subnetId }));
    await world.ec2.send(
      new AttachNetworkInterfaceCommand({
        NetworkInterfaceId: eni.NetworkInterface?.NetworkInterfaceId,
        InstanceId: seeded.instanceId,
        DeviceIndex: 1,
      }),
    );
    const before = await snapshot(world.ec2, [seeded.instanceId]);
    const { seam, writes } = failingSeam(world.api, 0);
    const provider = world.provider(seam);

    const refused = await failure(provider.enable(await provider.resolveTarget('vm01'), buildPolicy({ ports: [ssh] }), ENABLE_DEFAULTS));

    expect(writes).toEqual([]);
    expect(refused.code).toBe('JIT_AWS_MULTIPLE_INTERFACES');
    expect(await snapshot(world.ec2, [seeded.instanceId])).toEqual(before);
  });

  it('refuses hand-edited records instead of guessing', async () => {
    const world = newWorld(endpoint());
    const seeded = await seedInstance(world.ec2);
    const provider = world.provider();
    const target = await provider.resolveTarget('vm01');
    await provider.enable(target, buildPolicy({ ports: [ssh] }), ENABLE_DEFAULTS);
    const jit = await jitGroupOf(world, seeded.instanceId);
    await world.ec2.send(
      new CreateTagsCommand({ Resources: [jit?.GroupId as string], Tags: [{ Key: `${TAGS.revoked}0123456789ab`, Value: 'v2;x' }] }),
    );

    const refused = await failure(provider.disable(target, { dryRun: false }));

    expect(refused.code).toBe('JIT_AWS_RECORD_VERSION_UNSUPPORTED');
  });
});
