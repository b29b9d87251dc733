/**
 * Account scale: whole-process timings of `bin/jit.js` and their cloud calls, on 127.0.0.1 only.
 *   1. AWS (moto): `jit status` without a VM, then `jit sweep`, over 100, 300 and 1,000 expired
 *      grant rules in 2, 6 and 20 jit groups of 50 (each group also holds 3 unexpired grants and 2
 *      user rules, which must stay)
 *   2. Azure (ARM emulator): `jit sweep` over 10 NSGs × 10 expired grant rules, each DELETE a
 *      long-running operation of about 1 s (as the issue measured it)
 *   3. `jit scan` of 200 instances (moto) and of 200 VMs (ARM emulator)
 * Each run is capped (BENCH_CAP_S, default 300 s) and reported as not finished past it. Every sweep
 * is checked: no expired rule left, every other rule kept.
 *
 * BENCH_JIT_ROOT runs another build's bin/jit.js (the "before" figures: a checkout of an older
 * commit with `npm run build`); BENCH_ONLY=aws|azure|scan runs one section; BENCH_AWS_GROUPS=2,6
 * picks the AWS sizes.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { buildAwsClients } from '../src/clouds/aws/index.js';
import { armSubprocessEnv, startArmEmulator } from '../test/emulators/arm/server.js';
import { startMoto } from '../test/emulators/moto/moto.js';
import { createVpc } from '../test/integration/aws/support.js';
import { grantIdIn, ingressOf, seedScale } from '../test/support/aws-scale.js';
import { seedAzureScale } from '../test/support/azure-scale.js';
import { startCallLogProxy } from '../test/support/call-log-proxy.js';

const HERE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = path.resolve(process.env.BENCH_JIT_ROOT ?? HERE);
const JIT = path.join(ROOT, 'bin', 'jit.js');
const CAP_MS = Number(process.env.BENCH_CAP_S ?? 300) * 1000;
const AWS_GROUPS = (process.env.BENCH_AWS_GROUPS ?? '2,6,20').split(',').map(Number);

const AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: 'eu-west-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

const dirs: string[] = [];
function baseEnv(): NodeJS.ProcessEnv {
  const dir = mkdtempSync(path.join(tmpdir(), 'jit-bench-scale-'));
  dirs.push(dir);
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', JIT_CONFIG_DIR: dir, HOME: dir };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.CI;
  return env;
}

interface Run {
  ms: number;
  finished: boolean;
  stdout: string;
}

/** Runs jit as its own process, killed at the cap; the in-process emulators keep serving meanwhile. */
function jit(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [JIT, ...args], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let capped = false;
    const timer = setTimeout(() => {
      capped = true;
      child.kill('SIGKILL');
    }, CAP_MS);
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (capped) resolve({ ms, finished: false, stdout });
      else if (code === 0) resolve({ ms, finished: true, stdout });
      else reject(new Error(`jit ${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

function countBy(items: string[]): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} ${k}`).join(', ');
}

const secs = (run: Run) => (run.finished ? `${(run.ms / 1000).toFixed(1)} s` : `not finished in ${CAP_MS / 1000} s`);
const row = (cells: (string | number)[]) => console.log(`| ${cells.join(' | ')} |`);

// ---- 1. AWS sweep --------------------------------------------------------------------------------

async function awsSweep(): Promise<void> {
  console.log(`\n1. AWS (moto), ${ROOT === HERE ? 'this build' : ROOT}: groups of 50 expired + 3 live grants + 2 user rules`);
  row(['expired rules', 'groups', '`status` (no VM)', 'its calls', '`sweep`', 'its calls', 'Revoke calls', 'state after']);
  row(['---:', '---:', '---:', '---', '---:', '---', '---:', '---']);
  for (const groups of AWS_GROUPS) {
    const moto = await startMoto();
    const proxy = await startCallLogProxy(moto.endpoint);
    try {
      Object.assign(process.env, AWS_ENV);
      const { ec2 } = buildAwsClients({ region: 'eu-west-1', env: { AWS_ENDPOINT_URL: moto.endpoint }, maxAttempts: 1 });
      const seed = await seedScale(ec2, { groups, expired: 50, live: 3, user: 2 });
      const env = { ...baseEnv(), ...AWS_ENV, AWS_ENDPOINT_URL: proxy.url, JIT_CLOUD: 'aws' };
      proxy.clear();
      const status = await jit(['status', '--json'], env);
      const statusCalls = proxy.actions.length;
      proxy.clear();
      const sweep = await jit(['sweep', '--json'], env);
      const calls = [...proxy.actions];
      const left = await ingressOf(ec2, [...seed.jitGroupIds, seed.decoyGroupId]);
      const ids = new Set(left.map(grantIdIn));
      const expiredLeft = seed.expired.filter((id) => ids.has(id)).length;
      const kept = seed.live.every((id) => ids.has(id)) && left.length >= seed.live.length + seed.userRules.length + 1;
      const state = `${expiredLeft} expired left, ${kept ? 'all others kept' : 'SOME OTHER RULE GONE'}`;
      row([seed.expired.length, groups, secs(status), statusCalls, secs(sweep), countBy(calls), calls.filter((a) => a === 'RevokeSecurityGroupIngress').length, state]);
    } finally {
      await proxy.close();
      await moto.stop();
    }
  }
}

// ---- 2. Azure sweep ------------------------------------------------------------------------------

function armKind(method: string, p: string): string {
  if (p.includes('/operations/')) return 'LRO poll';
  const segments = p.split('/').filter(Boolean);
  const type = segments.length % 2 === 0 ? segments[segments.length - 2] : segments[segments.length - 1];
  return `${method} ${type}`;
}

async function azureSweep(): Promise<void> {
  const emu = await startArmEmulator();
  try {
    const seed = seedAzureScale(emu, { vms: 10, expired: 10, live: 1 });
    // Each rule DELETE answers InProgress to two polls: the network SDK polls once at once, then
    // waits jit's poll interval (1 s) before the next, so an operation takes about a second, as on
    // Azure (where it takes seconds). The emulator's default would measure little but start-up.
    emu.options.lroPolls.network = 2;
    const env = { ...baseEnv(), ...armSubprocessEnv(emu), JIT_CLOUD: 'azure' };
    emu.clearLog();
    const sweep = await jit(['sweep', '--json'], env);
    const calls = emu.log.map((e) => armKind(e.method, e.path));
    const left = seed.nsgs.flatMap((nsg) => emu.state.ruleSummary(emu.state.listSubscriptions()[0]!.subscriptionId, 'rg-jit', nsg));
    const expiredLeft = left.filter((r) => seed.expired.some((id) => r.name.endsWith(id))).length;
    const liveKept = seed.live.every((id) => left.some((r) => r.name.endsWith(id)));
    console.log(`\n2. Azure (ARM emulator), ${ROOT === HERE ? 'this build' : ROOT}: 10 NSGs × 10 expired rules (+1 live, +1 user rule each)`);
    row(['expired rules', 'NSGs', '`sweep`', 'its calls', 'state after']);
    row(['---:', '---:', '---:', '---', '---']);
    row([seed.expired.length, seed.nsgs.length, secs(sweep), countBy(calls), `${expiredLeft} expired left, ${liveKept ? 'live kept' : 'LIVE GONE'}`]);
  } finally {
    await emu.close();
  }
}

// ---- 3. scan -------------------------------------------------------------------------------------

async function scans(): Promise<void> {
  console.log(`\n3. \`jit scan\` of 200 VMs, ${ROOT === HERE ? 'this build' : ROOT}`);
  row(['cloud', 'VMs', '`scan`', 'its calls', 'findings']);
  row(['---', '---:', '---:', '---', '---:']);
  const moto = await startMoto();
  const proxy = await startCallLogProxy(moto.endpoint);
  try {
    Object.assign(process.env, AWS_ENV);
    const { ec2 } = buildAwsClients({ region: 'eu-west-1', env: { AWS_ENDPOINT_URL: moto.endpoint }, maxAttempts: 1 });
    const place = await createVpc(ec2);
    // 4 groups open to the internet on 22, 50 instances each.
    for (let g = 0; g < 4; g++) {
      const group = await ec2.send(new CreateSecurityGroupCommand({ GroupName: `app-${g}`, Description: 'app', VpcId: place.vpcId }));
      await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: group.GroupId,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
        }),
      );
      await ec2.send(
        new RunInstancesCommand({ ImageId: 'ami-12345678', MinCount: 50, MaxCount: 50, SubnetId: place.subnetId, SecurityGroupIds: [group.GroupId as string] }),
      );
    }
    const env = { ...baseEnv(), ...AWS_ENV, AWS_ENDPOINT_URL: proxy.url, JIT_CLOUD: 'aws' };
    proxy.clear();
    const run = await jit(['scan', '--json'], env);
    const findings = run.finished ? (JSON.parse(run.stdout) as { findings?: unknown[] }).findings?.length : '-';
    row(['AWS (moto)', 200, secs(run), countBy(proxy.actions), findings ?? '?']);
  } finally {
    await proxy.close();
    await moto.stop();
  }
  const emu = await startArmEmulator();
  try {
    seedAzureScale(emu, { vms: 200, expired: 0 });
    const env = { ...baseEnv(), ...armSubprocessEnv(emu), JIT_CLOUD: 'azure' };
    emu.clearLog();
    const run = await jit(['scan', '--json'], env);
    const findings = run.finished ? (JSON.parse(run.stdout) as { findings?: unknown[] }).findings?.length : '-';
    row(['Azure (emulator)', 200, secs(run), countBy(emu.log.map((e) => armKind(e.method, e.path))), findings ?? '?']);
  } finally {
    await emu.close();
  }
}

const only = process.env.BENCH_ONLY;
try {
  if (!only || only === 'aws') await awsSweep();
  if (!only || only === 'azure') await azureSweep();
  if (!only || only === 'scan') await scans();
} finally {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
}
