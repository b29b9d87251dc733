/**
 * docs/safety.md, "Secrets": no credential, token or secret is printed, logged or written to the
 * state. A whole session on each cloud, --verbose included (stack traces too), with the scheduler
 * running: everything jit printed and every file in its config directory is searched for the
 * credentials.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { armSubprocessEnv, seedLinuxVm, startArmEmulator } from '../emulators/arm/server.js';
import { baseEnv, type CliResult, runBin, tempConfigDir } from '../support/cli.js';
import { awsHarness } from './support/cloud-harness.js';
import { waitFor } from './support/processes.js';

const dirs: ReturnType<typeof tempConfigDir>[] = [];
afterAll(() => {
  for (const d of dirs) d.cleanup();
});

/** Runs a session of commands, lets the scheduler revoke a short grant, and returns all that jit left. */
async function session(env: Record<string, string>, dir: string, vm: string): Promise<string> {
  const results: CliResult[] = [];
  const jit = async (args: string[]) => results.push(await runBin(args, { env }));
  await jit(['enable', vm, '--port', '22', '--allow-source', '198.51.100.0/24', '--verbose']);
  await jit(['request', vm, '-d', '2s', '--source', '198.51.100.5', '--verbose', '--json']);
  await jit(['request', vm, '-p', '3389', '--source', '198.51.100.6', '--verbose']); // refused: exit 3
  await jit(['status', vm, '--verbose']);
  // The scheduler revokes the 2 s grant and logs it: what it logged is searched too.
  const log = path.join(dir, 'scheduler.log');
  const revokedLogged = () => existsSync(log) && /revoked [0-9a-z]{8} on /.test(readFileSync(log, 'utf8'));
  expect(await waitFor(async () => revokedLogged(), 20_000), 'the scheduler never logged the revocation').toBeDefined();
  await jit(['sweep', '--verbose', '--json']);
  await jit(['disable', vm, '--yes', '--verbose']);
  expect(results.map((r) => r.code)).toEqual([0, 0, 3, 0, 0, 0]);
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(path.join(entry.parentPath, entry.name), 'utf8'));
  expect(files.join('\n')).toMatch(/revoked [0-9a-z]{8} on /); // the scheduler's log is among them
  return [...results.flatMap((r) => [r.stdout, r.stderr]), ...files].join('\n');
}

describe('no secret is printed, logged or stored', () => {
  it('Azure: no access token (no JWT at all) in any output, the ledger, the config or the scheduler log', async () => {
    const emu = await startArmEmulator();
    try {
      seedLinuxVm(emu, { vmName: 'vm01' });
      const config = tempConfigDir();
      dirs.push(config);
      const env = { ...baseEnv(config.dir), ...armSubprocessEnv(emu), JIT_CLOUD: 'azure' };
      const everything = await session(env, config.dir, 'vm01');
      // Every JWT starts with the base64 of `{"`; the fake az issues real JWT-shaped tokens.
      expect(everything).not.toMatch(/eyJ[\w-]{10,}/);
      expect(everything).not.toMatch(/Bearer /i);
    } finally {
      await emu.close();
    }
  }, 60_000);

  it('AWS: neither the secret access key nor the session token anywhere', async () => {
    const cloud = await awsHarness();
    try {
      const vm = await cloud.newVm();
      const config = tempConfigDir();
      dirs.push(config);
      const secrets = { AWS_SECRET_ACCESS_KEY: 'jit-test-secret-4f1c9a77e2', AWS_SESSION_TOKEN: 'jit-test-session-77aa09c3d1' };
      const env = { ...cloud.env(config.dir), ...secrets };
      const everything = await session(env, config.dir, vm);
      for (const secret of Object.values(secrets)) expect(everything).not.toContain(secret);
    } finally {
      await cloud.close();
    }
  }, 60_000);
});
