// status (policy-port exposure), scan (management ports open to the world) and whoami.
import { AuthorizeSecurityGroupIngressCommand, CreateManagedPrefixListCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { PortRange } from '../../../src/core/model.js';
import { buildPolicy } from '../../../src/core/policy.js';
import { ENABLE_DEFAULTS } from '../../support/provider-fixtures.js';
import { createGroup, newWorld, REGION, runInstance, seedInstance, useMoto } from './support.js';

const { endpoint } = useMoto();
const ssh: PortRange = { from: 22, to: 22, protocol: 'tcp' };
const rdp: PortRange = { from: 3389, to: 3389, protocol: 'tcp' };

describe('status', () => {
  it('names every rule that lets the internet in before enable, and reports the port locked after', async () => {
    const world = newWorld(endpoint());
    const seeded = await seedInstance(world.ec2);
    const provider = world.provider();
    const target = await provider.resolveTarget('vm01');
    const policy = buildPolicy({ ports: [ssh, rdp] });

    const before = await provider.status(target, policy, []);

    expect(before.lockedDown).toBe(false);
    expect(before.exposure).toEqual([
      {
        port: ssh,
        verdict: 'exposed',
        rules: [
          expect.stringMatching(new RegExp(`^${seeded.groups.app} \\(app\\) sgr-\\w+ tcp 22 from 0\\.0\\.0\\.0/0 "SSH from anywhere"$`)),
          expect.stringMatching(new RegExp(`^${seeded.groups.ops} \\(ops\\) sgr-\\w+ tcp 22 from ::/0 "SSH over IPv6 from anywhere"$`)),
        ],
        reason: 'open to the internet through 2 rule(s)',
      },
      { port: rdp, verdict: 'locked', rules: [], reason: 'no rule admits 0.0.0.0/0 or ::/0 (jit\'s group is not attached)' },
    ]);

    await provider.enable(target, policy, ENABLE_DEFAULTS);
    const narrow = await provider.openGrant(
      target,
      { id: 'nnnnnnnn', ports: [ssh], source: '81.2.69.5/32', requester: 'arn:aws:iam::1:user/a', expiresAt: '2030-01-01T00:00:00Z' },
      { dryRun: false },
    );
    const locked = await provider.status(target, policy, ['81.2.69.5/32']);
    expect(locked.lockedDown).toBe(true);
    expect((await provider.listGrants(target))[0]?.rules).toEqual(narrow.rules);
    expect(locked.exposure.map((e) => [e.verdict, e.reason])).toEqual([
      ['locked', 'no rule admits 0.0.0.0/0 or ::/0: only narrow rules and jit grants open it'],
      ['locked', 'no rule admits 0.0.0.0/0 or ::/0: only narrow rules and jit grants open it'],
    ]);

    // A grant open to the whole internet defeats the lock-down while it lasts: it is not an exception.
    await provider.openGrant(
      target,
      { id: 'wwwwwwww', ports: [ssh], source: '0.0.0.0/0', requester: 'arn:aws:iam::1:user/a', expiresAt: '2030-01-01T00:00:00Z' },
      { dryRun: false },
    );
    const after = await provider.status(target, policy, ['81.2.69.5/32']);
    expect(after.exposure.map((e) => e.verdict)).toEqual(['exposed', 'locked']);
    expect(after.exposure[0]?.rules).toEqual([expect.stringMatching(/tcp 22 from 0\.0\.0\.0\/0 "jit-access v1 grant=wwwwwwww/)]);
    expect(after.target.policyTag).toBe('v1;p=22/tcp,3389/tcp;d=3h');
  });

  it('cannot tell for a prefix-list source, and says so', async () => {
    const world = newWorld(endpoint());
    const seeded = await seedInstance(world.ec2);
    const list = await world.ec2.send(
      new CreateManagedPrefixListCommand({
        PrefixListName: 'partners',
        AddressFamily: 'IPv4',
        MaxEntries: 5,
        Entries: [{ Cidr: '198.51.100.0/24' }],
      }),
    );
    const listId = list.PrefixList?.PrefixListId as string;
    await world.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: seeded.groups.ops,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 3389, ToPort: 3389, PrefixListIds: [{ PrefixListId: listId }] }],
      }),
    );
    const provider = world.provider();

    const status = await provider.status(await provider.resolveTarget('vm01'), buildPolicy({ ports: [rdp] }), []);

    expect(status.exposure[0]).toMatchObject({ verdict: 'unknown', rules: [expect.stringContaining(`tcp 3389 from ${listId}`)] });
  });

  it('has no exposure to report without a policy', async () => {
    const world = newWorld(endpoint());
    await seedInstance(world.ec2);
    const provider = world.provider();

    expect(await provider.status(await provider.resolveTarget('vm01'), undefined, [])).toMatchObject({
      exposure: [],
      lockedDown: false,
    });
  });
});

describe('scan', () => {
  it('lists the instances whose 22, 3389, 5985 or 5986 are open to the world, and not once jit locks them down', async () => {
    const world = newWorld(endpoint());
    const seeded = await seedInstance(world.ec2, 'linux');
    const windowsGroup = await createGroup(world.ec2, seeded.vpcId, 'windows', [
      { from: 3389, cidr: '0.0.0.0/0' },
      { from: 5985, to: 5986, cidr: '::/0' },
    ]);
    const windows = await runInstance(world.ec2, seeded, [windowsGroup], { Name: 'win' });
    const quietGroup = await createGroup(world.ec2, seeded.vpcId, 'quiet', [{ from: 22, cidr: '10.0.0.0/8' }]);
    await runInstance(world.ec2, seeded, [quietGroup], { Name: 'quiet' });
    const provider = world.provider();

    const findings = await provider.scan();

    expect(findings.sort((a, b) => a.target.name.localeCompare(b.target.name))).toEqual([
      {
        target: { id: seeded.instanceId, name: 'linux' },
        scope: { account: world.account, region: REGION },
        open: [{ port: 22, rules: [expect.stringContaining('0.0.0.0/0'), expect.stringContaining('::/0')] }],
        managed: false,
      },
      {
        target: { id: windows, name: 'win' },
        scope: { account: world.account, region: REGION },
        open: [
          { port: 3389, rules: [expect.stringContaining('tcp 3389 from 0.0.0.0/0')] },
          { port: 5985, rules: [expect.stringContaining('tcp 5985-5986 from ::/0')] },
          { port: 5986, rules: [expect.stringContaining('tcp 5985-5986 from ::/0')] },
        ],
        managed: false,
      },
    ]);

    await provider.enable(await provider.resolveTarget('linux'), buildPolicy({ ports: [ssh] }), ENABLE_DEFAULTS);
    expect((await provider.scan()).map((f) => f.target.name)).toEqual(['win']);
  });
});

describe('whoami', () => {
  it('answers the caller ARN from STS', async () => {
    expect(await newWorld(endpoint()).provider().whoami()).toMatch(/^arn:aws:sts::\d{12}:user\/moto$/);
  });
});
