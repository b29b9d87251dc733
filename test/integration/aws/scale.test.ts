/**
 * Account scale on AWS (moto): `jit sweep` over 1,000 expired rules in 20 jit groups removes every
 * expired rule and keeps every unexpired grant, every user rule and a decoy outside jit's groups,
 * with write calls that grow with groups (one RevokeSecurityGroupIngress per group), not rules.
 * The command runs in-process (`main`), its calls counted by a proxy in front of moto.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import type { Ec2Api } from '../../../src/clouds/aws/ec2-api.js';
import { buildAwsClients } from '../../../src/clouds/aws/index.js';
import { type Moto, startMoto } from '../../emulators/moto/moto.js';
import { grantIdIn, ingressOf, seedScale } from '../../support/aws-scale.js';
import { type CallLogProxy, startCallLogProxy } from '../../support/call-log-proxy.js';
import { baseEnv, runCli, tempConfigDir } from '../../support/cli.js';
import { createVpc, newWorld } from './support.js';

const AWS = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'eu-west-1', JIT_CLOUD: 'aws' };

const open: { moto?: Moto; proxy?: CallLogProxy; config?: ReturnType<typeof tempConfigDir> }[] = [];
afterEach(async () => {
  for (const world of open.splice(0)) {
    await world.proxy?.close();
    await world.moto?.stop();
    world.config?.cleanup();
  }
});

async function world() {
  const moto = await startMoto();
  const proxy = await startCallLogProxy(moto.endpoint);
  const config = tempConfigDir();
  open.push({ moto, proxy, config });
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  const { ec2 } = buildAwsClients({ region: 'eu-west-1', env: { AWS_ENDPOINT_URL: moto.endpoint }, maxAttempts: 1 });
  const env = { ...baseEnv(config.dir), ...AWS, AWS_ENDPOINT_URL: proxy.url };
  return { ec2, proxy, env, endpoint: moto.endpoint };
}

/**
 * The seam with small pages: DescribeInstances is asked for `size` at a time (moto pages it with a
 * real NextToken); moto answers DescribeSecurityGroups/-Rules in one page whatever MaxResults
 * says, so those are cut into pages here the way EC2 cuts them (an opaque NextToken). `pages`
 * names each call, so a test proves more than one page was read.
 */
function pagingSeam(api: Ec2Api, size: number): { seam: Ec2Api; pages: string[] } {
  const pages: string[] = [];
  const cut = <T>(items: T[], token: string | undefined) => {
    const offset = Number(token ?? 0);
    const next = offset + size < items.length ? String(offset + size) : undefined;
    return { page: items.slice(offset, offset + size), next };
  };
  const seam: Ec2Api = {
    ...api,
    describeInstances: async (input) => {
      pages.push(`DescribeInstances ${input.NextToken ? 'next' : 'first'}`);
      return api.describeInstances({ ...input, MaxResults: size });
    },
    describeSecurityGroups: async (input) => {
      pages.push(`DescribeSecurityGroups ${input.NextToken ? 'next' : 'first'}`);
      const all = await api.describeSecurityGroups({ ...input, NextToken: undefined });
      const { page, next } = cut(all.SecurityGroups ?? [], input.NextToken);
      return { ...all, SecurityGroups: page, NextToken: next };
    },
    describeSecurityGroupRules: async (input) => {
      pages.push(`DescribeSecurityGroupRules ${input.NextToken ? 'next' : 'first'}`);
      const all = await api.describeSecurityGroupRules({ ...input, NextToken: undefined });
      const { page, next } = cut(all.SecurityGroupRules ?? [], input.NextToken);
      return { ...all, SecurityGroupRules: page, NextToken: next };
    },
  };
  return { seam, pages };
}

describe('sweep at account scale (moto)', () => {
  it('removes 1,000 expired rules in 20 groups with one revoke per group, and keeps every other rule', async () => {
    const { ec2, proxy, env } = await world();
    const seed = await seedScale(ec2, { groups: 20, expired: 50, live: 3, user: 2 });
    expect(seed.expired).toHaveLength(1000);
    const before = await ingressOf(ec2, [...seed.jitGroupIds, seed.decoyGroupId]);
    expect(before).toHaveLength(1000 + 60 + 40 + 1);

    proxy.clear();
    const result = await runCli(['sweep', '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    const body = JSON.parse(result.stdout) as { removed: unknown[]; kept: unknown[]; failed: unknown[] };
    expect(body.removed).toHaveLength(1000);
    expect(body.failed).toEqual([]);
    expect(body.kept).toHaveLength(60);

    const after = await ingressOf(ec2, [...seed.jitGroupIds, seed.decoyGroupId]);
    const ids = new Set(after.map(grantIdIn));
    expect(seed.expired.filter((id) => ids.has(id))).toEqual([]);
    expect(seed.live.filter((id) => !ids.has(id))).toEqual([]);
    const descriptions = new Set(after.map((rule) => rule.Description));
    expect(seed.userRules.filter((d) => !descriptions.has(d))).toEqual([]);
    expect(after.filter((rule) => rule.GroupId === seed.decoyGroupId)).toHaveLength(1);
    expect(after).toHaveLength(60 + 40 + 1);

    // O(groups) writes: one revoke per group carries its 50 rule ids.
    expect(proxy.writes().filter((a) => a === 'RevokeSecurityGroupIngress')).toHaveLength(20);
    expect(proxy.writes().filter((a) => a !== 'RevokeSecurityGroupIngress')).toEqual([]);
    expect(proxy.actions.length).toBeLessThan(40);
  }, 120_000);

  it('shows "n/total rules removed" as it goes (--verbose without a terminal), and nothing of it with --json', async () => {
    const { ec2, env } = await world();
    const seed = await seedScale(ec2, { groups: 2, expired: 5 });
    expect(await ingressOf(ec2, seed.jitGroupIds)).toHaveLength(10);
    const dry = await runCli(['sweep', '--json', '--dry-run'], { env });
    expect(dry.stderr).not.toMatch(/rules removed/);
    const verbose = await runCli(['sweep', '--verbose'], { env });
    expect(verbose.code, verbose.stderr).toBe(0);
    expect(verbose.stderr).toMatch(/^(5|10)\/10 rules removed/m);
    expect(verbose.stderr).toMatch(/^10\/10 rules removed/m);
    expect(await ingressOf(ec2, seed.jitGroupIds)).toEqual([]);
  }, 60_000);

  it('reads every page: scan and list of 12 instances and status of 3 groups\' grants, 5 items a page', async () => {
    const { endpoint } = await world();
    const w = newWorld(endpoint);
    const place = await createVpc(w.ec2);
    const open = await w.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'app', Description: 'app', VpcId: place.vpcId }));
    await w.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: open.GroupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );
    // One reservation each: moto pages DescribeInstances by reservation, as EC2 does.
    for (let i = 0; i < 12; i++) {
      await w.ec2.send(
        new RunInstancesCommand({
          ImageId: 'ami-12345678', MinCount: 1, MaxCount: 1, SubnetId: place.subnetId, SecurityGroupIds: [open.GroupId as string],
          TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: `open-${String(i).padStart(2, '0')}` }, { Key: 'jit-access', Value: 'v1;p=22/tcp;d=1h' }] }],
        }),
      );
    }
    const seed = await seedScale(w.ec2, { groups: 3, expired: 4, live: 1 });

    const scanned = pagingSeam(w.api, 5);
    const findings = await w.provider(scanned.seam).scan();
    expect(findings).toHaveLength(12);
    expect(scanned.pages.filter((p) => p === 'DescribeInstances next').length).toBeGreaterThanOrEqual(2);

    // listEnabled (`jit list`) pages the tag-key-filtered DescribeInstances the same way.
    const enabled = pagingSeam(w.api, 5);
    const vms = (await w.provider(enabled.seam).listEnabled()).filter((vm) => vm.name.startsWith('open-'));
    expect(vms.map((vm) => vm.name).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `open-${String(i).padStart(2, '0')}`));
    expect(enabled.pages.filter((p) => p === 'DescribeInstances next').length).toBeGreaterThanOrEqual(2);

    const listed = pagingSeam(w.api, 5);
    const grants = await w.provider(listed.seam).listGrants();
    expect(grants.map((g) => g.grantId).sort()).toEqual([...seed.expired, ...seed.live].sort());
    expect(new Set(grants.map((g) => g.target.name))).toEqual(new Set(['vm000', 'vm001', 'vm002']));
    expect(listed.pages).toContain('DescribeSecurityGroupRules next');
  }, 60_000);
});

describe('closing many grants at once: the safety rules hold (moto)', () => {
  it('leaves rules outside the jit group, rides out a rule gone meanwhile, fails only the group that failed', async () => {
    const { endpoint } = await world();
    const w = newWorld(endpoint);
    const seed = await seedScale(w.ec2, { groups: 3, expired: 4 });
    const provider = w.provider();
    const grants = await provider.listGrants();
    expect(grants).toHaveLength(12);
    const decoy = (await ingressOf(w.ec2, [seed.decoyGroupId]))[0];
    // A grant whose references (as a forged ledger might have them) also name the decoy's rule.
    const first = grants.find((g) => g.target.id === seed.instanceIds[0]) as (typeof grants)[number];
    first.rules.push({ groupId: seed.decoyGroupId, ruleId: decoy?.SecurityGroupRuleId });
    // Group 1's revoke fails; in group 2, someone removes one rule just before jit's revoke.
    const [, failing, racing] = seed.jitGroupIds;
    const raced = (await ingressOf(w.ec2, [racing as string]))[0]?.SecurityGroupRuleId as string;
    const seam: Ec2Api = {
      ...w.api,
      revokeSecurityGroupIngress: async (input) => {
        if (input.GroupId === failing) throw new Error('injected failure');
        if (input.GroupId === racing && (input.SecurityGroupRuleIds ?? []).includes(raced)) {
          await w.api.revokeSecurityGroupIngress({ GroupId: racing, SecurityGroupRuleIds: [raced] });
        }
        return w.api.revokeSecurityGroupIngress(input);
      },
    };
    const outcomes = await (w.provider(seam).closeGrants?.(grants, { dryRun: false }) ?? []);
    const failedTargets = outcomes.filter((o) => 'error' in o).map((o) => o.grant.target.id);
    expect(failedTargets).toEqual(Array(4).fill(seed.instanceIds[1]));
    const notes = outcomes.flatMap((o) => ('report' in o ? o.report.notes : []));
    expect(notes.some((n) => n.includes('left alone'))).toBe(true);

    const left = await ingressOf(w.ec2, [...seed.jitGroupIds, seed.decoyGroupId]);
    expect(left.filter((r) => r.GroupId === seed.decoyGroupId)).toHaveLength(1);
    expect(left.filter((r) => r.GroupId === failing)).toHaveLength(4);
    expect(left.filter((r) => r.GroupId === racing || r.GroupId === seed.jitGroupIds[0])).toEqual([]);
  }, 60_000);
});
