/**
 * Account scale on AWS (moto): `jit sweep` over 1,000 expired rules in 20 jit groups removes every
 * expired rule and keeps every unexpired grant, every user rule and a decoy outside jit's groups,
 * with write calls that grow with groups (one RevokeSecurityGroupIngress per group), not rules.
 * The command runs in-process (`main`), its calls counted by a proxy in front of moto.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildAwsClients } from '../../../src/clouds/aws/index.js';
import { type Moto, startMoto } from '../../emulators/moto/moto.js';
import { grantIdIn, ingressOf, seedScale } from '../../support/aws-scale.js';
import { type CallLogProxy, startCallLogProxy } from '../../support/call-log-proxy.js';
import { baseEnv, runCli, tempConfigDir } from '../../support/cli.js';

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
  return { ec2, proxy, env };
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
});
