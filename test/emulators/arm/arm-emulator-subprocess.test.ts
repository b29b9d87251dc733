// The ways other processes reach the emulator: a subprocess trusting it through NODE_EXTRA_CA_CERTS and
// authenticating through the fake `az` (what the end-to-end tests of the jit binary do), and the
// standalone launcher used by the demo and the benchmarks.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NetworkManagementClient } from '@azure/arm-network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { armSubprocessEnv, networkClientOptions } from './client-options.js';
import { seedLinuxVm } from './seed.js';
import { type ArmEmulator, startArmEmulator } from './server.js';
import { DEFAULT_SUBSCRIPTION_ID, staticTokenCredential } from './token.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NET_GUARD = fileURLToPath(new URL('../../support/net-guard.mjs', import.meta.url));

let emu: ArmEmulator;
let scratch: string;

beforeAll(async () => {
  emu = await startArmEmulator();
  seedLinuxVm(emu, { vmName: 'vm01' });
  scratch = mkdtempSync(path.join(tmpdir(), 'arm-emulator-test-'));
});

afterAll(async () => {
  await emu?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function run(
  file: string,
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [file],
      { cwd: ROOT, env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('a subprocess', () => {
  it('trusts the emulator through NODE_EXTRA_CA_CERTS and signs in through the fake az', async () => {
    // What a jit subprocess does: DefaultAzureCredential narrowed to the CLI, the endpoint from the env.
    const script = path.join(ROOT, 'test/emulators/arm', `.subprocess-probe-${process.pid}.mjs`);
    writeFileSync(
      script,
      `import { NetworkManagementClient } from '@azure/arm-network';
import { DefaultAzureCredential } from '@azure/identity';
const client = new NetworkManagementClient(new DefaultAzureCredential(), process.argv[2] ?? '${DEFAULT_SUBSCRIPTION_ID}', {
  endpoint: process.env.JIT_AZURE_ENDPOINT,
  credentialScopes: ['https://management.azure.com/.default'],
});
const nsg = await client.networkSecurityGroups.get('rg-jit', 'vm01-nsg');
console.log(JSON.stringify(nsg.securityRules.map((r) => r.name)));
`,
    );
    try {
      const logFile = path.join(scratch, 'az.log');
      const result = await run(script, {
        ...armSubprocessEnv(emu, { user: 'bob@example.com', logFile }),
        NODE_OPTIONS: `--import ${NET_GUARD}`,
      });
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual(['SSH']);
      expect(emu.log.at(-1)?.caller).toBe('bob@example.com');
      const calls = readFileSync(logFile, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).args);
      // The exact command line @azure/identity 4.13 runs.
      expect(calls).toEqual([
        ['account', 'get-access-token', '--output', 'json', '--resource', 'https://management.azure.com'],
      ]);
    } finally {
      rmSync(script, { force: true });
    }
  });
});

describe('launch.ts', () => {
  it('starts a seeded emulator, prints its URL and CA, and stops on SIGTERM', async () => {
    const seed = path.join(scratch, 'seed.json');
    writeFileSync(seed, JSON.stringify({ linuxVms: [{ vmName: 'demo01', publicIp: '203.0.113.50' }] }));
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/emulators/arm/launch.ts', seed, '--lro-polls', '0'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout?.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const newline = out.indexOf('\n');
          if (newline >= 0) resolve(out.slice(0, newline));
        });
        child.once('exit', (code) => reject(new Error(`launcher exited early with ${code}`)));
      });
      const info = JSON.parse(line) as {
        url: string;
        caCertPath: string;
        subscriptionId: string;
        vms: string[];
      };
      expect(info.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(info.vms).toEqual([
        `/subscriptions/${DEFAULT_SUBSCRIPTION_ID}/resourceGroups/rg-jit/providers/Microsoft.Compute/virtualMachines/demo01`,
      ]);
      const client = new NetworkManagementClient(
        staticTokenCredential(),
        info.subscriptionId,
        networkClientOptions({ url: info.url, caCert: readFileSync(info.caCertPath, 'utf8') }),
      );
      const pip = await client.publicIPAddresses.get('rg-jit', 'demo01-ip');
      expect(pip.ipAddress).toBe('203.0.113.50');
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
