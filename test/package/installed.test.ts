/**
 * The package as users get it: `npm pack` of the built tree, installed from the tarball into an
 * empty project with an empty npm cache (the registry is asked for nothing when nothing is
 * missing), and run from there, not from the source tree. One AWS flow against moto goes through
 * the installed `jit`, and every module the CLI and its scheduler resolve must come from inside the
 * installed package (or be a Node built-in). Run by `.ci/run` after the build, with
 * `vitest run --config vitest.package.config.ts`; the normal suite leaves this file out.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Installed, installedPackages, installTarball, pack, tempRoot } from '../../bench/package.js';
import { buildAwsClients } from '../../src/clouds/aws/index.js';
import { type Moto, startMoto } from '../emulators/moto/moto.js';
import { createGroup, createVpc, groupRules, instanceGroups, runInstance, snapshot } from '../integration/aws/support.js';
import { ROOT, runBin } from '../support/cli.js';

const RECORD_IMPORTS = path.join(ROOT, 'test', 'support', 'record-imports.mjs');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

let work: string;
let installed: Installed;
let imports: string;

beforeAll(() => {
  work = tempRoot('jit-package-');
  imports = path.join(work, 'imports.txt');
  installed = installTarball(pack(ROOT, work).tarball, work, pkg.name);
}, 180_000);

afterAll(async () => {
  const { rmSync } = await import('node:fs');
  if (work) rmSync(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
});

/** The installed bin, run from the project it was installed into, with only the environment given. */
function jit(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return runBin(args, {
    bin: installed.bin,
    cwd: installed.dir,
    // The scheduler inherits this environment, so its imports are recorded too.
    nodeOptions: `--import=${RECORD_IMPORTS}`,
    env: { PATH: process.env.PATH ?? '', HOME: work, ...env, JIT_TEST_IMPORTS_FILE: imports },
  });
}

async function waitFor(condition: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the installed package', () => {
  it('is jit alone: no other package is installed with it', () => {
    expect(installedPackages(installed.dir)).toEqual([`node_modules/${pkg.name}`]);
    for (const file of ['LICENSE', 'README.md', 'THIRD-PARTY-NOTICES', 'sbom.cdx.json', 'dist/worker-main.js']) {
      expect(existsSync(path.join(installed.packageDir, file)), file).toBe(true);
    }
    expect(existsSync(path.join(installed.packageDir, 'src'))).toBe(false);
  });

  it('jit --version and jit --help run', async () => {
    const version = await jit(['--version'], { JIT_CONFIG_DIR: path.join(work, 'cfg-help') });
    expect(version).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    const help = await jit(['--help'], { JIT_CONFIG_DIR: path.join(work, 'cfg-help') });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: jit /);
    expect(help.stdout).toMatch(/^ {2}request /m);
  });

  it('ships licence notices and an SBOM naming the bundled SDKs, and --version --verbose lists them', async () => {
    const notices = readFileSync(path.join(installed.packageDir, 'THIRD-PARTY-NOTICES'), 'utf8');
    const sbom = JSON.parse(readFileSync(path.join(installed.packageDir, 'sbom.cdx.json'), 'utf8')) as {
      bomFormat: string;
      components: { name: string; group?: string; version: string }[];
    };
    expect(sbom.bomFormat).toBe('CycloneDX');
    const verbose = await jit(['--version', '--verbose', '--json'], { JIT_CONFIG_DIR: path.join(work, 'cfg-help') });
    const bundled = (JSON.parse(verbose.stdout) as { bundled: { name: string; version: string }[] }).bundled;
    for (const name of ['@azure/identity', '@azure/arm-network', '@aws-sdk/client-ec2', 'commander', 'conf']) {
      const entry = bundled.find((p) => p.name === name);
      expect(entry, name).toBeDefined();
      expect(notices).toContain(`\n${name}@${entry!.version} (`);
      expect(sbom.components.map((c) => `${c.group ? `${c.group}/` : ''}${c.name}@${c.version}`)).toContain(
        `${name}@${entry!.version}`,
      );
    }
  });
});

describe('one AWS flow through the installed jit (moto): enable → request → revoke → disable', () => {
  const AWS = {
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'eu-west-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    JIT_CLOUD: 'aws',
  };
  let moto: Moto;
  let ec2: EC2Client;
  let env: Record<string, string>;
  let instance: string;
  let app: string;
  let before: unknown;

  beforeAll(async () => {
    moto = await startMoto();
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    ec2 = buildAwsClients({ region: 'eu-west-1', env: { AWS_ENDPOINT_URL: moto.endpoint }, maxAttempts: 1 }).ec2;
    const place = await createVpc(ec2);
    app = await createGroup(ec2, place.vpcId, 'app', [{ from: 22, cidr: '0.0.0.0/0', description: 'SSH from anywhere' }]);
    instance = await runInstance(ec2, place, [app], { Name: 'web01' });
    before = await snapshot(ec2, [instance]);
    env = { ...AWS, AWS_ENDPOINT_URL: moto.endpoint, JIT_CONFIG_DIR: path.join(work, 'cfg-aws') };
  });

  afterAll(async () => {
    await moto?.stop();
  });

  const ingress = async (groupId: string) =>
    (await groupRules(ec2, groupId)).filter((r) => !r.IsEgress).map((r) => `${r.IpProtocol} ${r.FromPort} ${r.CidrIpv4}`);

  it('runs the whole flow, the cloud changing at each step and ending as it began', async () => {
    const enabled = await jit(['enable', 'web01', '-p', '22', '--json'], env);
    expect(enabled.code, enabled.stdout + enabled.stderr).toBe(0);
    expect(await ingress(app)).toEqual([]);
    const jitGroup = (await instanceGroups(ec2, instance)).find((g) => g !== app)!;
    expect(jitGroup).toBeDefined();

    const requested = await jit(['request', 'web01', '-p', '22', '-d', '30m', '--source', '81.2.69.77', '--json'], env);
    expect(requested.code, requested.stdout + requested.stderr).toBe(0);
    expect(await ingress(jitGroup)).toEqual(['tcp 22 81.2.69.77/32']);
    // The request started the installed package's scheduler.
    const worker = `file://${path.join(installed.packageDir, 'dist', 'worker-main.js')}`;
    await waitFor(() => readFileSync(imports, 'utf8').includes(worker), 15_000);

    const { grant } = JSON.parse(requested.stdout) as { grant: { grantId: string } };
    const revoked = await jit(['revoke', grant.grantId, '--json'], env);
    expect(revoked.code, revoked.stdout + revoked.stderr).toBe(0);
    expect(await ingress(jitGroup)).toEqual([]);

    const disabled = await jit(['disable', 'web01', '--yes', '--json'], env);
    expect(disabled.code, disabled.stdout + disabled.stderr).toBe(0);
    expect(await snapshot(ec2, [instance])).toEqual(before);
  });

  it('resolved every module, in jit and in its scheduler, from inside the installed package', () => {
    const urls = [...new Set(readFileSync(imports, 'utf8').split('\n').filter(Boolean))];
    const inside = `file://${installed.packageDir}/`;
    expect(urls.filter((url) => url.startsWith(inside)).length).toBeGreaterThan(5);
    expect(urls.filter((url) => !url.startsWith('node:') && !url.startsWith(inside))).toEqual([]);
  });
});
