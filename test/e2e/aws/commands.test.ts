/**
 * Every command on AWS, run in this process with the real SDK (test/support/in-process-jit.ts),
 * against moto, asserting moto's security-group state after each step. A call-log proxy in front of
 * moto proves that dry runs and refused requests write nothing. A request starts the built scheduler
 * (run `npm run build` first). The built bin/jit.js runs the same commands in the expiry and fault
 * suites.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAwsClients } from '../../../src/clouds/aws/index.js';
import { type Moto, startMoto } from '../../emulators/moto/moto.js';
import {
  createGroup,
  createVpc,
  groupRules,
  instanceGroups,
  instanceTags,
  runInstance,
  snapshot,
} from '../../integration/aws/support.js';
import { type CallLogProxy, startCallLogProxy } from '../../support/call-log-proxy.js';
import { baseEnv, tempConfigDir } from '../../support/cli.js';
import { inProcessJit } from '../../support/in-process-jit.js';
import { endSchedulers } from '../support/processes.js';

const AWS = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: 'eu-west-1',
  JIT_CLOUD: 'aws',
};

let moto: Moto;
let proxy: CallLogProxy;
let ec2: EC2Client;
let config: ReturnType<typeof tempConfigDir>;
let web: { id: string; app: string };
let db: string;
let before: unknown;

async function jit(args: string[], extraEnv: Record<string, string> = {}) {
  const env = { ...baseEnv(config.dir), ...AWS, AWS_ENDPOINT_URL: proxy.url, ...extraEnv };
  const result = await inProcessJit(config.dir, env)([...args, '--json']);
  return { ...result, json: result.stdout ? JSON.parse(result.stdout) : undefined };
}

const ingress = async (groupId: string) =>
  (await groupRules(ec2, groupId))
    .filter((r) => !r.IsEgress)
    .map((r) => `${r.IpProtocol} ${r.FromPort} ${r.CidrIpv4 ?? r.CidrIpv6} ${r.Description ?? ''}`.trim())
    .sort();
const jitGroupOf = async (instanceId: string) => (await instanceGroups(ec2, instanceId)).find((g) => g !== web.app);

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startCallLogProxy(moto.endpoint);
  config = tempConfigDir();
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
  ec2 = buildAwsClients({ region: 'eu-west-1', env: { AWS_ENDPOINT_URL: moto.endpoint }, maxAttempts: 1 }).ec2;
  const place = await createVpc(ec2);
  // The example instance of docs/aws.md: a broad SSH rule, a narrow VPN rule on the same port, an unrelated 443 rule.
  const app = await createGroup(ec2, place.vpcId, 'app', [
    { from: 22, cidr: '0.0.0.0/0', description: 'SSH from anywhere' },
    { from: 22, cidr: '10.8.0.0/16', description: 'VPN' },
    { from: 443, cidr: '0.0.0.0/0', description: 'HTTPS' },
  ]);
  web = { id: await runInstance(ec2, place, [app], { Name: 'web01' }), app };
  const dbGroup = await createGroup(ec2, place.vpcId, 'db', [{ from: 22, cidr: '0.0.0.0/0', description: 'SSH' }]);
  db = await runInstance(ec2, place, [dbGroup], { Name: 'db01' });
  await runInstance(ec2, place, [await createGroup(ec2, place.vpcId, 'bare', [])], { Name: 'bare01' });
  before = await snapshot(ec2, [web.id, db]);
});

afterAll(async () => {
  await proxy?.close();
  // The scheduler a request started (disable closed its grants, so it is normally gone already).
  if (config) await endSchedulers([config.dir]);
  await moto?.stop();
  config?.cleanup();
});

describe('jit on AWS, end to end', () => {
  let grantId = '';

  it('scan: names the instances whose management ports the world reaches, and the rules', async () => {
    const scan = await jit(['scan']);
    expect(scan.code, scan.stderr).toBe(0);
    const names = scan.json.findings.map((f: { target: { name: string } }) => f.target.name).sort();
    expect(names).toEqual(['db01', 'web01']);
    expect(proxy.writes()).toEqual([]);
  });

  it('enable --dry-run: reports the exact changes and writes nothing', async () => {
    proxy.clear();
    const dry = await jit(['enable', 'web01', '-p', '22', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json.applied).toBe(false);
    expect(dry.json.changes.map((c: { op: string }) => c.op)).toEqual(
      expect.arrayContaining(['create-group', 'attach-group', 'remove-rule', 'set-tag']),
    );
    expect(proxy.writes()).toEqual([]);
    expect(await snapshot(ec2, [web.id, db])).toEqual(before);
  });

  it('enable: attaches the jit group, revokes the broad SSH rule only, stores the policy', async () => {
    const enabled = await jit(['enable', 'web01', '-p', '22']);
    expect(enabled.code, enabled.stderr).toBe(0);
    expect(await ingress(web.app)).toEqual(['tcp 22 10.8.0.0/16 VPN', 'tcp 443 0.0.0.0/0 HTTPS']);
    const jitGroup = await jitGroupOf(web.id);
    expect(jitGroup).toBeDefined();
    expect(await ingress(jitGroup!)).toEqual([]);
    expect((await instanceTags(ec2, web.id))['jit-access']).toBe('v1;p=22/tcp;d=3h');
    const status = await jit(['status', 'web01']);
    expect(status.json).toMatchObject({ lockedDown: true, exposure: [{ verdict: 'locked' }] });
  });

  it('every refused request exits 3 and writes nothing', async () => {
    const enabled = await jit([
      'enable', 'db01', '-p', '22', '--max-duration', '1h', '--allow-source', '81.2.69.0/24', '--require-justification',
    ]);
    expect(enabled.code, enabled.stderr).toBe(0);
    proxy.clear();
    const refusals = await Promise.all([
      jit(['request', 'db01', '-p', '3389', '--source', '81.2.69.9', '--justification', 'INC-1']),
      jit(['request', 'db01', '-d', '2h', '--source', '81.2.69.9', '--justification', 'INC-1']),
      jit(['request', 'db01', '--source', '20.30.40.50', '--justification', 'INC-1']),
      jit(['request', 'db01', '--source', '81.2.69.9']),
      jit(['request', 'bare01', '--source', '81.2.69.9']),
    ]);
    expect(refusals.map((r) => [r.code, r.json.error.code])).toEqual([
      [3, 'JIT_POLICY_PORT_NOT_ALLOWED'],
      [3, 'JIT_POLICY_DURATION_TOO_LONG'],
      [3, 'JIT_POLICY_SOURCE_NOT_ALLOWED'],
      [3, 'JIT_POLICY_JUSTIFICATION_REQUIRED'],
      [3, 'JIT_NOT_ENABLED'],
    ]);
    expect(proxy.writes()).toEqual([]);
  });

  it('request: one rule for the source on the jit group; repeating it extends the same grant', async () => {
    const first = await jit(['request', 'web01', '-p', '22', '-d', '30m', '--source', '81.2.69.77']);
    expect(first.code, first.stderr).toBe(0);
    grantId = first.json.grant.grantId;
    const jitGroup = (await jitGroupOf(web.id))!;
    const rules = await ingress(jitGroup);
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatch(new RegExp(`^tcp 22 81\\.2\\.69\\.77/32 jit-access v1 grant=${grantId} expires=`));
    // In a CI job, where the scheduler ends with the job, the request says so in its notes.
    const again = await jit(['request', 'web01', '-p', '22', '-d', '1h', '--source', '81.2.69.77'], { CI: 'true' });
    expect(again.json).toMatchObject({ outcome: 'extended', extended: true, grant: { grantId } });
    expect(again.json.notes).toEqual([
      { code: 'JIT_CI_SCHEDULER_ENDS', message: expect.stringMatching(/In CI the background scheduler ends with the job.*jit sweep.*-- CMD/) },
    ]);
    expect(again.stderr).toContain('note: In CI the background scheduler ends with the job');
    expect(await ingress(jitGroup)).toHaveLength(1);
    expect(Date.parse(again.json.grant.expiresAt)).toBeGreaterThan(Date.parse(first.json.grant.expiresAt));
    const shorter = await jit(['request', 'web01', '-p', '22', '-d', '10m', '--source', '81.2.69.77']);
    expect(shorter.json).toMatchObject({ outcome: 'unchanged', extended: false, changes: [], grant: { grantId } });
    expect(shorter.json.grant.expiresAt).toBe(again.json.grant.expiresAt);
  });

  it('revoke <grant-id>: removes exactly that rule', async () => {
    const revoked = await jit(['revoke', grantId]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.json.revoked.map((g: { grantId: string }) => g.grantId)).toEqual([grantId]);
    expect(await ingress((await jitGroupOf(web.id))!)).toEqual([]);
  });

  it('disable: every group of both instances is exactly as before enable (rules, descriptions, attachments)', async () => {
    await jit(['request', 'web01', '-p', '22', '-d', '30m', '--source', '81.2.69.78']);
    const disabled = await jit(['disable', 'web01', '--yes']);
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(disabled.json.revoked).toHaveLength(1);
    expect((await jit(['disable', 'db01', '--yes'])).code).toBe(0);
    expect(await snapshot(ec2, [web.id, db])).toEqual(before);
  });

  it('role: prints the IAM policies for requesters and admins without calling AWS', async () => {
    proxy.clear();
    const role = await jit(['role']);
    expect(role.code, role.stderr).toBe(0);
    expect(role.json.requester.Statement.length).toBeGreaterThan(0);
    expect(role.json.admin.Statement.length).toBeGreaterThan(0);
    expect(proxy.actions).toEqual([]);
  });
});
