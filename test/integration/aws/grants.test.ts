// openGrant / closeGrant / listGrants against moto: rule counts, tags and descriptions in EC2.
import { AuthorizeSecurityGroupIngressCommand, CreateTagsCommand, DeleteTagsCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { AwsRuleRef } from '../../../src/clouds/aws/grants.js';
import { isJitError } from '../../../src/core/errors.js';
import type { PortRange } from '../../../src/core/model.js';
import { buildPolicy } from '../../../src/core/policy.js';
import type { CloudGrant, GrantSpec } from '../../../src/core/ports.js';
import { ENABLE_DEFAULTS } from '../../support/provider-fixtures.js';
import { groupRules, groupsNamed, newWorld, seedInstance, snapshot, useMoto } from './support.js';

const { endpoint } = useMoto();
const ssh: PortRange = { from: 22, to: 22, protocol: 'tcp' };
const REQUESTER = 'arn:aws:sts::123456789012:assumed-role/Ops Team/alice@example.com';

async function enabledWorld(name = 'vm01') {
  const world = newWorld(endpoint());
  const seeded = await seedInstance(world.ec2, name);
  const provider = world.provider();
  const target = await provider.resolveTarget(name);
  await provider.enable(target, buildPolicy({ ports: [ssh, { from: 500, to: 500, protocol: '*' }] }), ENABLE_DEFAULTS);
  const [jit] = await groupsNamed(world.ec2, `jit-access-${seeded.instanceId}`);
  return { world, seeded, provider, target, jitId: jit?.GroupId as string };
}

function spec(overrides: Partial<GrantSpec> = {}): GrantSpec {
  return {
    id: 'a1b2c3d4',
    ports: [ssh],
    source: '203.0.113.7/32',
    requester: REQUESTER,
    expiresAt: '2030-01-02T03:04:05.678Z',
    ...overrides,
  };
}

async function ingress(world: ReturnType<typeof newWorld>, groupId: string) {
  return (await groupRules(world.ec2, groupId)).filter((rule) => !rule.IsEgress);
}

function tagsOf(rule: { Tags?: { Key?: string; Value?: string }[] }): Record<string, string | undefined> {
  return Object.fromEntries((rule.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
}

describe('openGrant', () => {
  it('authorises one tagged, described rule per port on the jit group and returns its id', async () => {
    const { world, provider, target, jitId } = await enabledWorld();

    const report = await provider.openGrant(target, spec(), { dryRun: false });

    const rules = await ingress(world, jitId);
    expect(rules).toHaveLength(1);
    const [rule] = rules;
    expect(rule).toMatchObject({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '203.0.113.7/32' });
    expect(tagsOf(rule ?? {})).toEqual({
      'jit-access:grant': 'a1b2c3d4',
      'jit-access:expires': '2030-01-02T03:04:05Z',
      'jit-access:requester': REQUESTER,
    });
    // Spaces are allowed in descriptions; the requester's '@' is too, nothing else needed sanitising.
    expect(rule?.Description).toBe(`jit-access v1 grant=a1b2c3d4 expires=2030-01-02T03:04:05Z by=${REQUESTER}`);
    const ref: AwsRuleRef = { groupId: jitId, ruleId: rule?.SecurityGroupRuleId as string };
    expect(report.rules).toEqual([ref]);
    expect(report.changes.map((c) => c.op)).toEqual(['add-rule']);
  });

  it('opens tcp and udp for a `*` port and an IPv6 source', async () => {
    const { world, provider, target, jitId } = await enabledWorld();

    const report = await provider.openGrant(
      target,
      spec({ ports: [{ from: 500, to: 500, protocol: '*' }], source: '2001:db8:1::7/128' }),
      { dryRun: false },
    );

    const rules = await ingress(world, jitId);
    expect(rules.map((r) => `${r.IpProtocol} ${r.FromPort} ${r.CidrIpv6}`).sort()).toEqual([
      'tcp 500 2001:db8:1::7/128',
      'udp 500 2001:db8:1::7/128',
    ]);
    expect(report.rules).toHaveLength(2);
    const [grant] = await provider.listGrants(target);
    expect(grant?.ports).toEqual([{ from: 500, to: 500, protocol: '*' }]);
  });

  it('extends a grant with the same id: no second rule, new description and expiry tag', async () => {
    const { world, provider, target, jitId } = await enabledWorld();
    const first = await provider.openGrant(target, spec(), { dryRun: false });

    const second = await provider.openGrant(target, spec({ expiresAt: '2030-01-02T06:00:00Z' }), { dryRun: false });

    const rules = await ingress(world, jitId);
    expect(rules).toHaveLength(1);
    expect(rules[0]?.Description).toContain('expires=2030-01-02T06:00:00Z');
    expect(tagsOf(rules[0] ?? {})['jit-access:expires']).toBe('2030-01-02T06:00:00Z');
    expect(second.rules).toEqual(first.rules);
    expect(second.changes.map((c) => c.op)).toEqual(['update-rule']);
  });

  it('writes nothing with --dry-run', async () => {
    const { world, seeded, provider, target } = await enabledWorld();
    const before = await snapshot(world.ec2, [seeded.instanceId]);

    const report = await provider.openGrant(target, spec(), { dryRun: true });

    expect(report).toMatchObject({ applied: false, rules: [] });
    expect(report.changes[0]?.summary).toContain('tcp 22 from 203.0.113.7/32');
    expect(await snapshot(world.ec2, [seeded.instanceId])).toEqual(before);
  });

  it('refuses a target without a jit group with JIT_NOT_ENABLED (exit 3)', async () => {
    const world = newWorld(endpoint());
    await seedInstance(world.ec2);
    const provider = world.provider();

    const refused = await provider.openGrant(await provider.resolveTarget('vm01'), spec(), { dryRun: false }).catch((e: unknown) => e);

    expect(isJitError(refused) && [refused.code, refused.exitCode]).toEqual(['JIT_NOT_ENABLED', 3]);
  });

  it('names the grant that already has the same rule instead of letting EC2 say Duplicate', async () => {
    const { provider, target } = await enabledWorld();
    await provider.openGrant(target, spec(), { dryRun: false });

    const refused = await provider.openGrant(target, spec({ id: 'zzzz9999' }), { dryRun: false }).catch((e: unknown) => e);

    expect(isJitError(refused) && refused.code).toBe('JIT_AWS_RULE_DUPLICATE');
    expect((refused as Error).message).toContain('(grant a1b2c3d4, expires 2030-01-02T03:04:05.000Z)');
  });

  it('rolls the new rule back when a later write fails', async () => {
    const { world, seeded, provider, target } = await enabledWorld();
    await provider.openGrant(target, spec({ id: 'aaaa1111', source: '198.51.100.1/32' }), { dryRun: false });
    const before = await snapshot(world.ec2, [seeded.instanceId]);
    const seam = { ...world.api, createTags: async () => Promise.reject(new Error('injected failure')) };
    const failing = world.provider(seam);

    // A grant that both extends aaaa1111's rule (same id, tags rewritten: fails) and adds one.
    await expect(
      failing.openGrant(target, spec({ id: 'aaaa1111', source: '198.51.100.1/32', ports: [ssh, { from: 500, to: 500, protocol: 'udp' }] }), {
        dryRun: false,
      }),
    ).rejects.toThrow('injected failure');
    expect(await snapshot(world.ec2, [seeded.instanceId])).toEqual(before);
  });
});

describe('closeGrant', () => {
  it('revokes exactly the grant\'s rules, and a second close finds them already gone', async () => {
    const { world, provider, target, jitId } = await enabledWorld();
    await provider.openGrant(target, spec({ id: 'keep1111', source: '198.51.100.1/32' }), { dryRun: false });
    await provider.openGrant(target, spec({ ports: [ssh, { from: 500, to: 500, protocol: '*' }] }), { dryRun: false });
    const grant = (await provider.listGrants(target)).find((g) => g.grantId === 'a1b2c3d4') as CloudGrant;
    expect(grant.rules).toHaveLength(3);

    const dry = await provider.closeGrant(grant, { dryRun: true });
    expect(dry.changes).toHaveLength(3);
    expect(await ingress(world, jitId)).toHaveLength(4);

    const report = await provider.closeGrant(grant, { dryRun: false });

    expect(report.changes.map((c) => c.op)).toEqual(['remove-rule', 'remove-rule', 'remove-rule']);
    const left = await ingress(world, jitId);
    expect(left.map((r) => r.CidrIpv4)).toEqual(['198.51.100.1/32']);
    const again = await provider.closeGrant(grant, { dryRun: false });
    expect(again.changes).toEqual([]);
    expect(again.notes.join(' ')).toContain('already gone');
  });

  it('never revokes a rule the grant\'s metadata does not name, whatever the ledger says', async () => {
    const { world, seeded, provider, target } = await enabledWorld();
    const vpn = (await groupRules(world.ec2, seeded.groups.app as string)).find((r) => r.CidrIpv4 === '10.8.0.0/16');
    const stale: CloudGrant = {
      grantId: 'a1b2c3d4',
      target: { id: target.id, name: target.name },
      scope: { region: 'eu-west-1' },
      source: '10.8.0.0/16',
      ports: [ssh],
      expiresAt: '2030-01-01T00:00:00Z',
      requester: REQUESTER,
      rules: [{ groupId: seeded.groups.app, ruleId: vpn?.SecurityGroupRuleId }],
    };

    const report = await provider.closeGrant(stale, { dryRun: false });

    expect(report.changes).toEqual([]);
    expect(report.notes.join(' ')).toContain(`not in jit-access-${target.id}; left alone`);
    expect((await groupRules(world.ec2, seeded.groups.app as string)).some((r) => r.CidrIpv4 === '10.8.0.0/16')).toBe(true);
  });

  it('closing a grant leaves a user rule in another group alone, even tagged with that grant\'s id', async () => {
    const { world, seeded, provider, target, jitId } = await enabledWorld();
    const opened = await provider.openGrant(target, spec(), { dryRun: false });
    const vpn = (await groupRules(world.ec2, seeded.groups.app as string)).find((r) => r.CidrIpv4 === '10.8.0.0/16');
    // Someone copies jit's tags onto their own rule (a "monitoring" rule, say).
    await world.ec2.send(new CreateTagsCommand({
      Resources: [vpn?.SecurityGroupRuleId as string],
      Tags: [
        { Key: 'jit-access:grant', Value: 'a1b2c3d4' },
        { Key: 'jit-access:expires', Value: '2020-01-01T00:00:00Z' },
        { Key: 'jit-access:requester', Value: REQUESTER },
      ],
    }));
    const before = await groupRules(world.ec2, seeded.groups.app as string);
    const [grant] = await provider.listGrants(target);
    expect(grant?.rules).toEqual(opened.rules);

    await provider.closeGrant(grant!, { dryRun: false });

    expect(await groupRules(world.ec2, jitId)).toEqual([]);
    expect(await groupRules(world.ec2, seeded.groups.app as string)).toEqual(before);
  });

  it('finds a grant\'s rules by the ledger\'s ids when their tags were stripped (description only)', async () => {
    const { world, provider, target, jitId } = await enabledWorld();
    const opened = await provider.openGrant(target, spec(), { dryRun: false });
    const [ref] = opened.rules as AwsRuleRef[];
    await world.ec2.send(
      new DeleteTagsCommand({ Resources: [ref?.ruleId as string], Tags: [{ Key: 'jit-access:grant' }, { Key: 'jit-access:expires' }] }),
    );
    const [grant] = await provider.listGrants(target);
    expect(grant).toMatchObject({ grantId: 'a1b2c3d4', expiresAt: '2030-01-02T03:04:05.000Z' });

    await provider.closeGrant(grant as CloudGrant, { dryRun: false });

    expect(await ingress(world, jitId)).toEqual([]);
  });

  it('refuses a grant from another region', async () => {
    const { provider, target } = await enabledWorld();
    await provider.openGrant(target, spec(), { dryRun: false });
    const [grant] = await provider.listGrants(target);

    await expect(provider.closeGrant({ ...(grant as CloudGrant), scope: { region: 'us-east-2' } }, { dryRun: false })).rejects.toMatchObject({
      code: 'JIT_AWS_REGION_MISMATCH',
    });
  });
});

describe('listGrants', () => {
  it('lists every grant in the region from a fresh provider, from the cloud\'s metadata alone', async () => {
    const { world, provider, target } = await enabledWorld('vm01');
    const second = await seedInstance(world.ec2, 'vm02');
    const target2 = await provider.resolveTarget('vm02');
    await provider.enable(target2, buildPolicy({ ports: [ssh] }), ENABLE_DEFAULTS);
    await provider.openGrant(target, spec(), { dryRun: false });
    await provider.openGrant(target2, spec({ id: 'b2c3d4e5', source: '198.51.100.0/24', expiresAt: '2030-05-05T05:05:05Z' }), {
      dryRun: false,
    });
    // A rule on a jit group that jit did not make is not a grant.
    const [jit2] = await groupsNamed(world.ec2, `jit-access-${second.instanceId}`);
    await world.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: jit2?.GroupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '192.0.2.1/32' }] }],
      }),
    );

    const fresh = newWorld(endpoint(), { account: world.account }).provider();
    const grants = await fresh.listGrants();

    expect(grants.sort((a, b) => a.grantId.localeCompare(b.grantId))).toEqual([
      {
        grantId: 'a1b2c3d4',
        target: { id: target.id, name: 'vm01' },
        scope: { region: 'eu-west-1' },
        source: '203.0.113.7/32',
        ports: [ssh],
        expiresAt: '2030-01-02T03:04:05.000Z',
        requester: REQUESTER,
        rules: [expect.objectContaining({ ruleId: expect.stringMatching(/^sgr-/) })],
      },
      expect.objectContaining({
        grantId: 'b2c3d4e5',
        target: { id: second.instanceId, name: 'vm02' },
        source: '198.51.100.0/24',
        expiresAt: '2030-05-05T05:05:05.000Z',
      }),
    ]);
    expect(await fresh.listGrants(target2)).toEqual([expect.objectContaining({ grantId: 'b2c3d4e5' })]);
  });
});
