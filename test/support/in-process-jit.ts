/**
 * jit run in the test's own process (`main()` through runCli), with the real SDKs, against the same
 * emulator and config directory a bin/jit.js subprocess would use. A jit process costs ~0.5-0.8 s of
 * CPU to start, most of it loading a cloud SDK (docs/testing.md, "What a test costs"); here the SDK
 * is loaded once per test worker. Tests of what only a process shows (the built bundle, exit on a
 * signal, concurrent processes, expiry after jit has exited) keep running bin/jit.js.
 */
import path from 'node:path';
import { createProvider as createAzureProvider } from '../../src/clouds/azure/index.js';
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
 * The Azure provider as jit builds it, trusting the emulator's CA per client (NODE_EXTRA_CA_CERTS
 * is only read when a process starts). @azure/identity takes its own settings from process.env
 * (AZURE_TOKEN_CREDENTIALS, PATH to find `az`): set them with setProcessEnv(fakeAzEnv()).
 */
export function azureProviderTrusting(caCert: string): ProviderFactory {
  return (_cloud, context) => createAzureProvider(context, { pipeline: { tlsOptions: { ca: caCert } } });
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
