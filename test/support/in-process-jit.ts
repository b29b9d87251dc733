/**
 * jit run in the test's own process (`main()` through runCli), with the real SDKs, against the same
 * emulator and config directory a bin/jit.js subprocess would use. A jit process costs ~0.5-0.8 s of
 * CPU to start, most of it loading a cloud SDK (docs/testing.md, "What a test costs"); here the SDK
 * is loaded once per test worker. Tests of what only a process shows (the built bundle, exit on a
 * signal, concurrent processes, expiry after jit has exited) keep running bin/jit.js.
 */
import path from 'node:path';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { createProvider as createAzureProvider } from '../../src/clouds/azure/index.js';
import { SharedTokenCredential } from '../../src/clouds/azure/identity.js';
import { ensureScheduler } from '../../src/scheduler/spawn.js';
import type { ProviderFactory } from '../../src/scheduler/providers.js';
import { type CliResult, ROOT, runCli } from './cli.js';

/** The scheduler of a request run in this process: the built one, as bin/jit.js starts it. */
const DIST_WORKER = path.join(ROOT, 'dist', 'worker-main.js');
const NET_GUARD = path.join(ROOT, 'test', 'support', 'net-guard.mjs');

/**
 * Runs jit in this process with the environment `env` (what a subprocess would be given). A request
 * starts the real detached scheduler (dist/worker-main.js, with the network guard), so expiry
 * works as it does for bin/jit.js.
 */
export function inProcessJit(
  configDir: string,
  env: Record<string, string>,
  loadProvider?: ProviderFactory,
): (argv: string[]) => Promise<CliResult> {
  const schedulerEnv = { ...env, NODE_OPTIONS: `--import=${NET_GUARD}` };
  return (argv) =>
    runCli(argv, {
      env,
      app: {
        ...(loadProvider ? { loadProvider } : {}),
        scheduler: { ensure: async () => void (await ensureScheduler(configDir, schedulerEnv, DIST_WORKER)) },
      },
    });
}

/**
 * The Azure credential of every provider a test builds in this process: the real
 * DefaultAzureCredential (AZURE_TOKEN_CREDENTIALS narrows it to the Azure CLI, the fake `az`
 * answers), one per identity the fake `az` is set to in process.env (FAKE_AZ_*, AZURE_*, PATH), its
 * token reused while fresh (SharedTokenCredential), as a jit process reuses one across its clients.
 * A jit process asks `az` for its own token; each bin/jit.js run in the tests still does. Without it,
 * every in-process command asked `az` again: ~280 `az` processes per suite run, each forked from a
 * test worker of 200-300 MB (docs/testing.md, "Idle cores and the fake `az`, a third pass").
 */
class OnePerIdentity implements TokenCredential {
  private readonly byIdentity = new Map<string, Promise<SharedTokenCredential>>();

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    const identity = JSON.stringify(
      Object.entries(process.env)
        .filter(([name]) => name.startsWith('FAKE_AZ_') || name.startsWith('AZURE_') || name === 'PATH')
        .sort(([a], [b]) => a.localeCompare(b)),
    );
    let credential = this.byIdentity.get(identity);
    if (!credential) {
      credential = import('@azure/identity').then(({ DefaultAzureCredential }) => new SharedTokenCredential(new DefaultAzureCredential()));
      this.byIdentity.set(identity, credential);
    }
    return (await credential).getToken(scopes, options);
  }
}

export const sharedAzureCredential: TokenCredential = new OnePerIdentity();

/**
 * The Azure provider as jit builds it, trusting the emulator's CA per client (NODE_EXTRA_CA_CERTS
 * is only read when a process starts), with the worker's shared credential (above). @azure/identity
 * takes its own settings from process.env (AZURE_TOKEN_CREDENTIALS, PATH to find `az`): set them
 * with setProcessEnv(fakeAzEnv()).
 */
export function azureProviderTrusting(caCert: string): ProviderFactory {
  return (_cloud, context) =>
    createAzureProvider(context, { pipeline: { tlsOptions: { ca: caCert } }, credential: sharedAzureCredential });
}

/** Sets variables of this process until the returned function puts them back as they were. */
export function setProcessEnv(values: Record<string, string>): () => void {
  const before = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  Object.assign(process.env, values);
  return () => {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
