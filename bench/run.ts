/**
 * npm run bench: whole-process timings (medians of repeated runs) and call counts, each against a
 * baseline measured in the same invocation, all against the package as a user gets it (`npm pack`,
 * then installed from the tarball into an empty project with an empty npm cache):
 *   0. package: packed and installed size, file and package counts; `npm install` of the tarball on
 *      an empty cache, and `npx` cold (empty cache) and warm, each against the same for a one-file
 *      package with no dependencies (npm's own cost)
 *   1. start-up: `jit --help` and `jit ip --source … --json` against `node -e 0`
 *   2. Azure: one `jit request` on a VM with one NIC and two NSGs (ARM emulator): ARM calls by kind,
 *      wall time against a script making only the unavoidable calls with the same SDK
 *   3. AWS: one `jit request` (moto): EC2/STS calls by kind, wall time against one
 *      `aws ec2 describe-security-groups` call of the AWS CLI
 *   4. expiry: lag from a grant's expiry to its rule's removal by the scheduler, 20 grants per cloud
 * Everything runs on 127.0.0.1 except npm, which fetches from the registry. NODE_EXTRA_CA_CERTS (set
 * machine-wide, ~130 ms per Node start) is unset for the start-up figures; the Azure section sets it
 * to the emulator's CA for jit and its baseline alike. BENCH_PROJECT packs another built checkout
 * (the "before" figures); BENCH_ONLY=package,startup,… runs some sections.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeSecurityGroupRulesCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { build } from 'esbuild';
import { buildAwsClients } from '../src/clouds/aws/index.js';
import { armSubprocessEnv, seedLinuxVm, startArmEmulator } from '../test/emulators/arm/server.js';
import { startMoto } from '../test/emulators/moto/moto.js';
import { createGroup, createVpc, runInstance } from '../test/integration/aws/support.js';
import { startCallLogProxy } from '../test/support/call-log-proxy.js';
import {
  installedPackages,
  installTarball,
  npmEnv,
  pack,
  type Packed,
  tempRoot,
  treeSize,
  trivialPackage,
} from './package.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PROJECT = path.resolve(process.env.BENCH_PROJECT ?? ROOT);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const INSTALL_RUNS = Number(process.env.BENCH_INSTALL_RUNS ?? 3);
const LAG_GRANTS = Number(process.env.BENCH_LAG_GRANTS ?? 20);
const WORK = tempRoot('jit-bench-');
const tempDir = () => mkdtempSync(path.join(WORK, 'd-'));
/** The installed package's bin/jit.js, set by section 0 (which every other section needs). */
let JIT = '';
const baseEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', AWS_EC2_METADATA_DISABLED: 'true' };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.CI;
  return env;
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const ms = (x: number) => `${x.toFixed(1).padStart(7)} ms`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;

function timed(command: string, args: string[], env: NodeJS.ProcessEnv): { ms: number; stdout: string } {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { env, cwd: WORK, stdio: ['ignore', 'pipe', 'pipe'] });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return { ms: elapsed, stdout: result.stdout.toString() };
}

/** Async variant, so the in-process emulator keeps serving while jit runs. */
function timedAsync(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { env, cwd: WORK, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => {
      const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
      if (code === 0) resolve({ ms: elapsed, stdout });
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

function stopScheduler(dir: string): void {
  try {
    process.kill(Number(readFileSync(path.join(dir, 'scheduler.pid'), 'utf8').split('\n')[0]), 'SIGTERM');
  } catch {
    // not running
  }
}

function countBy(items: string[]): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].map(([k, n]) => `      ${String(n).padStart(3)} × ${k}`).join('\n');
}

// ---- 0. package ---------------------------------------------------------------------------------

function packageSection(measure: boolean): void {
  const packed: Packed = pack(PROJECT, WORK);
  const name = (JSON.parse(readFileSync(path.join(PROJECT, 'package.json'), 'utf8')) as { name: string }).name;
  if (!measure) {
    JIT = installTarball(packed.tarball, WORK, name).bin;
    return;
  }
  const trivial = trivialPackage(WORK);
  // Fresh project and fresh empty cache each time: what a CI runner that starts empty pays.
  const installs = Array.from({ length: INSTALL_RUNS }, () => {
    const base = installTarball(trivial, WORK, 'jit-bench-trivial');
    return { base, jit: installTarball(packed.tarball, WORK, name) };
  });
  const installed = installs[0]!.jit;
  JIT = installed.bin;
  const tree = treeSize(path.join(installed.dir, 'node_modules'));
  const own = treeSize(installed.packageDir);
  const packages = installedPackages(installed.dir);
  const [j, b] = [median(installs.map((i) => i.jit.ms)), median(installs.map((i) => i.base.ms))];
  console.log(`\n0. package: ${path.basename(packed.tarball)} from ${PROJECT}`);
  console.log(`   packed ${mb(packed.size)}, ${packed.entryCount} files, ${mb(packed.unpackedSize)} unpacked`);
  console.log(`   installed: ${packages.length} package(s), ${mb(tree.bytes)} (${mb(tree.disk)} on disk) in ${tree.files} files ` +
    `(jit itself ${mb(own.bytes)} in ${own.files} files)   goal <= 3 packages, <= 20 MB: ` +
    `${packages.length <= 3 && tree.bytes <= 20e6 ? 'met' : 'NOT MET'}`);
  console.log(`   npm install <tarball>, empty cache, ${installs.length} runs: ${ms(j)}   ` +
    `one-file package: ${ms(b)}   ratio ${(j / b).toFixed(2)}x   goal <= 3 s: ${j <= 3000 ? 'met' : 'NOT MET'}`);
  // npx as a CI job uses it (`npx -y jit-access …`), with the tarball standing in for the registry's copy.
  const npx = (tarball: string, bin: string, cache: string) => {
    const env = npmEnv(cache);
    delete env.NODE_EXTRA_CA_CERTS;
    return timed('npx', ['-y', '-p', tarball, bin, '--version'], env);
  };
  const cold: number[] = [];
  const coldBase: number[] = [];
  const warm: number[] = [];
  const warmBase: number[] = [];
  for (let i = 0; i < INSTALL_RUNS; i++) {
    const [cache, cacheBase] = [tempDir(), tempDir()];
    cold.push(npx(packed.tarball, 'jit', cache).ms);
    coldBase.push(npx(trivial, 'jit-bench-trivial', cacheBase).ms);
    warm.push(npx(packed.tarball, 'jit', cache).ms);
    warmBase.push(npx(trivial, 'jit-bench-trivial', cacheBase).ms);
  }
  const row = (label: string, x: number[], base: number[]) =>
    console.log(`   ${label.padEnd(40)} ${ms(median(x))}   one-file package: ${ms(median(base))}   ratio ${(median(x) / median(base)).toFixed(2)}x`);
  row(`npx jit --version, cold (${INSTALL_RUNS} runs)`, cold, coldBase);
  row(`npx jit --version, warm (${INSTALL_RUNS} runs)`, warm, warmBase);
}

// ---- 1. start-up ---------------------------------------------------------------------------------

function startup(): void {
  const env = { ...baseEnv(), JIT_CONFIG_DIR: tempDir() };
  const cases = [
    { name: 'node -e 0 (baseline)', args: ['-e', '0'], goal: 0 },
    { name: 'jit --help', args: [JIT, '--help'], goal: 1.8 },
    { name: 'jit ip --source 203.0.113.9 --json', args: [JIT, 'ip', '--source', '203.0.113.9', '--json'], goal: 0 },
  ];
  for (const c of cases) timed(process.execPath, c.args, env); // warm the file cache
  const samples = cases.map(() => [] as number[]);
  for (let i = 0; i < RUNS; i++) cases.forEach((c, j) => samples[j]!.push(timed(process.execPath, c.args, env).ms));
  const base = median(samples[0]!);
  console.log(`\n1. start-up: ${RUNS} cold runs each, interleaved, median wall time (node ${process.version})`);
  cases.forEach((c, j) => {
    const m = median(samples[j]!);
    const goal = c.goal ? `  goal <= ${c.goal}x: ${m / base <= c.goal ? 'met' : 'NOT MET'}` : '';
    console.log(`   ${c.name.padEnd(40)} ${ms(m)}  ${(m / base).toFixed(2)}x${goal}`);
  });
}

// ---- 2. Azure request ----------------------------------------------------------------------------

/** "GET virtualMachines", "PUT securityRules", "GET operations (LRO poll)". */
function armKind(method: string, p: string): string {
  const segments = p.split('/').filter(Boolean);
  const type = segments.length % 2 === 0 ? segments[segments.length - 2] : segments[segments.length - 1];
  return `${method} ${type}${type === 'operations' ? ' (long-running operation poll)' : ''}`;
}

/**
 * The bench's Azure baseline loads the same SDK code jit ships, bundled the same way (one ES module,
 * tree-shaken), so that the ratio measures jit's own overhead and not the cost of loading the SDK.
 */
async function azureSdkBundle(): Promise<string> {
  const outfile = path.join(WORK, 'azure-sdk.mjs');
  await build({
    stdin: {
      contents: "export * from './src/clouds/azure/sdk.ts'; export { AzureCliCredential } from '@azure/identity';",
      resolveDir: ROOT,
      loader: 'ts',
    },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    mainFields: ['module', 'main'],
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'error',
  });
  return outfile;
}

async function azure(): Promise<void> {
  const sdk = await azureSdkBundle();
  const emu = await startArmEmulator();
  const dir = tempDir();
  try {
    const vm = seedLinuxVm(emu, { vmName: 'vm01', publicIp: '20.61.15.4' });
    const env = { ...baseEnv(), ...armSubprocessEnv(emu), JIT_CONFIG_DIR: dir, JIT_CLOUD: 'azure' };
    await timedAsync(process.execPath, [JIT, 'enable', 'vm01', '--port', '22', '--allow-source', '198.51.100.0/24'], env);
    const jit: number[] = [];
    const minimal: number[] = [];
    let calls: string[] = [];
    let repeated: string[] = [];
    const runs = Math.min(RUNS, 10);
    for (let i = 1; i <= runs; i++) {
      emu.clearLog();
      const args = [JIT, 'request', 'vm01', '-p', '22', '-d', '1h', '--source', `198.51.100.${i}`, '--json'];
      jit.push((await timedAsync(process.execPath, args, env)).ms);
      const entries = emu.log.filter((e) => !e.path.includes('/operations/'));
      calls = emu.log.map((e) => armKind(e.method, e.path));
      repeated = entries.map((e) => `${e.method} ${e.path}`).filter((k, idx, all) => all.indexOf(k) !== idx);
      const script = [path.join(ROOT, 'bench', 'azure-minimal.mjs'), sdk, emu.url, vm.subscriptionId, 'vm01', `198.51.100.${100 + i}`, String(200 + i)];
      minimal.push((await timedAsync(process.execPath, script, env)).ms);
    }
    const [j, b] = [median(jit), median(minimal)];
    console.log(`\n2. Azure: one \`jit request\` on a VM with one NIC and two NSGs (ARM emulator), ${runs} runs`);
    console.log(`   ARM calls of one request, by kind:\n${countBy(calls)}`);
    console.log(`   calls repeated within one request (LRO polls aside): ${repeated.length === 0 ? 'none' : repeated.join(', ')}`);
    console.log(`   jit request (whole process)                 ${ms(j)}`);
    console.log(`   unavoidable calls only (minimal SDK script)  ${ms(b)}`);
    console.log(`   ratio ${(j / b).toFixed(2)}x   goal <= 1.5x: ${j / b <= 1.5 ? 'met' : 'NOT MET'}`);
  } finally {
    stopScheduler(dir);
    await emu.close();
  }
}

// ---- 3. AWS request ------------------------------------------------------------------------------

const AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: 'eu-west-1',
  AWS_DEFAULT_REGION: 'eu-west-1', // the AWS CLI's name for it
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

async function seedAwsVm(endpoint: string, name: string) {
  Object.assign(process.env, AWS_ENV);
  const { ec2 } = buildAwsClients({ region: 'eu-west-1', env: { AWS_ENDPOINT_URL: endpoint }, maxAttempts: 1 });
  const place = await createVpc(ec2);
  const app = await createGroup(ec2, place.vpcId, `app-${name}`, [{ from: 22, cidr: '0.0.0.0/0', description: 'SSH' }]);
  const instanceId = await runInstance(ec2, place, [app], { Name: name });
  return { ec2, instanceId, vpcId: place.vpcId };
}

async function aws(): Promise<void> {
  const moto = await startMoto();
  const proxy = await startCallLogProxy(moto.endpoint);
  const dir = tempDir();
  try {
    await seedAwsVm(moto.endpoint, 'vm01');
    const env = { ...baseEnv(), ...AWS_ENV, AWS_ENDPOINT_URL: proxy.url, JIT_CONFIG_DIR: dir, JIT_CLOUD: 'aws' };
    await timedAsync(process.execPath, [JIT, 'enable', 'vm01', '--port', '22', '--allow-source', '198.51.100.0/24'], env);
    const jit: number[] = [];
    const cli: number[] = [];
    let actions: string[] = [];
    const runs = Math.min(RUNS, 10);
    const cliEnv = { ...baseEnv(), ...AWS_ENV };
    for (let i = 1; i <= runs; i++) {
      proxy.clear();
      const args = [JIT, 'request', 'vm01', '-p', '22', '-d', '1h', '--source', `198.51.100.${i}`, '--json'];
      jit.push((await timedAsync(process.execPath, args, env)).ms);
      actions = [...proxy.actions];
      cli.push((await timedAsync('aws', ['ec2', 'describe-security-groups', '--endpoint-url', moto.endpoint], cliEnv)).ms);
    }
    const [j, c] = [median(jit), median(cli)];
    console.log(`\n3. AWS: one \`jit request\` (moto), ${runs} runs`);
    console.log(`   EC2/STS calls of one request, by kind:\n${countBy(actions)}`);
    console.log(`   jit request (whole process)                  ${ms(j)}`);
    console.log(`   aws ec2 describe-security-groups (AWS CLI)   ${ms(c)}`);
    console.log(`   ratio ${(j / c).toFixed(2)}x   goal <= 0.5x: ${j <= 0.5 * c ? 'met' : 'NOT MET'}`);
  } finally {
    stopScheduler(dir);
    await proxy.close();
    await moto.stop();
  }
}

// ---- 4. expiry lag -------------------------------------------------------------------------------

async function lag(
  cloud: string,
  env: NodeJS.ProcessEnv,
  sourcesPresent: () => Promise<Set<string>>,
): Promise<void> {
  await timedAsync(process.execPath, [JIT, 'enable', 'vm01', '--port', '22', '--allow-source', '198.51.100.0/24'], env);
  const expiries = new Map<string, number>();
  const seen = new Set<string>();
  const removed = new Map<string, number>();
  // The cloud is watched from the first request on: grants start expiring while later ones are
  // still being requested, and a removal must be timed when it happens, not when requesting ends.
  let requesting = true;
  const watch = (async () => {
    while (requesting || removed.size < expiries.size) {
      const present = await sourcesPresent();
      const now = Date.now();
      for (const source of present) seen.add(source);
      for (const source of seen) if (!present.has(source) && !removed.has(source)) removed.set(source, now);
      if (!requesting && now > Math.max(...expiries.values()) + 30_000) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  for (let i = 1; i <= LAG_GRANTS; i++) {
    const source = `198.51.100.${i}/32`;
    const { stdout } = await timedAsync(
      process.execPath,
      [JIT, 'request', 'vm01', '-p', '22', '-d', '4s', '--source', source.replace('/32', ''), '--json'],
      env,
    );
    expiries.set(source, Date.parse(JSON.parse(stdout).grant.expiresAt));
  }
  requesting = false;
  await watch;
  const lags = [...expiries].map(([source, at]) => (removed.get(source) ?? Number.POSITIVE_INFINITY) - at);
  const worst = Math.max(...lags);
  if (process.env.BENCH_DEBUG) {
    console.log(`   lags (ms, in request order): ${lags.map((l) => Math.round(l)).join(' ')}`);
    console.log(readFileSync(path.join(env.JIT_CONFIG_DIR!, 'scheduler.log'), 'utf8'));
  }
  const goal = `goal worst < 2 s: ${worst < 2000 ? 'met' : 'NOT MET'}`;
  console.log(`   ${cloud.padEnd(6)} ${LAG_GRANTS} grants: median ${ms(median(lags))}, worst ${ms(worst)}   ${goal}`);
}

async function expiry(): Promise<void> {
  console.log(`\n4. expiry: lag from a grant's expiry to its rule's removal by the scheduler (polled every 50 ms)`);
  const emu = await startArmEmulator();
  const azureDir = tempDir();
  try {
    const vm = seedLinuxVm(emu, { vmName: 'vm01' });
    const env = { ...baseEnv(), ...armSubprocessEnv(emu), JIT_CONFIG_DIR: azureDir, JIT_CLOUD: 'azure' };
    await lag('azure', env, async () => {
      const rules = [vm.nicNsgName!, vm.subnetNsgName!].flatMap((nsg) =>
        emu.state.listRules(vm.subscriptionId, vm.resourceGroup, nsg),
      );
      return new Set(
        rules
          .filter((r) => r.name.startsWith('jit-allow-'))
          .map((r) => String((r.properties as { sourceAddressPrefix?: string }).sourceAddressPrefix))
          .map((s) => (s.includes('/') ? s : `${s}/32`)),
      );
    });
  } finally {
    stopScheduler(azureDir);
    await emu.close();
  }
  const moto = await startMoto();
  const awsDir = tempDir();
  try {
    const { ec2, vpcId } = await seedAwsVm(moto.endpoint, 'vm01');
    const env = { ...baseEnv(), ...AWS_ENV, AWS_ENDPOINT_URL: moto.endpoint, JIT_CONFIG_DIR: awsDir, JIT_CLOUD: 'aws' };
    await lag('aws', env, async () => {
      const groups = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })))
        .SecurityGroups ?? [];
      const jitGroup = groups.find((g) => g.GroupName?.startsWith('jit-access-'));
      if (!jitGroup) return new Set();
      const filter = { Filters: [{ Name: 'group-id', Values: [jitGroup.GroupId!] }] };
      const rules = (await ec2.send(new DescribeSecurityGroupRulesCommand(filter))).SecurityGroupRules ?? [];
      return new Set(rules.filter((r) => !r.IsEgress && r.CidrIpv4).map((r) => r.CidrIpv4!));
    });
  } finally {
    stopScheduler(awsDir);
    await moto.stop();
  }
}

/** BENCH_ONLY=package,startup,azure,aws,expiry runs some sections (the package is always installed). */
const only = process.env.BENCH_ONLY?.split(',');
const wanted = (section: string) => !only || only.includes(section);
try {
  packageSection(wanted('package'));
  if (wanted('startup')) startup();
  if (wanted('azure')) await azure();
  if (wanted('aws')) await aws();
  if (wanted('expiry')) await expiry();
} finally {
  rmSync(WORK, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
}
