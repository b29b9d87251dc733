/**
 * The Azure provider against the ARM emulator, in-process, through createProvider with the real
 * SDKs and the real DefaultAzureCredential (narrowed to AzureCliCredential, answered by the fake
 * `az`). The emulator's CA is trusted per client (tlsOptions): NODE_EXTRA_CA_CERTS is only read at
 * process start.
 */
import { afterAll, beforeAll, beforeEach, vi } from 'vitest';
import type { SecurityRuleInput } from '../../emulators/arm/state.js';
import { createProvider } from '../../../src/clouds/azure/index.js';
import { sharedAzureCredential } from '../../support/in-process-jit.js';
import type { CloudProvider, Progress } from '../../../src/core/ports.js';
import {
  type ArmEmulator,
  DEFAULT_SUBSCRIPTION_ID,
  fakeAzEnv,
  type RequestLogEntry,
  type SeededVm,
  seedLinuxVm,
  startArmEmulator,
} from '../../emulators/arm/server.js';

export const SUB = DEFAULT_SUBSCRIPTION_ID;
export const RG = 'rg-jit';

export interface Harness {
  emu: ArmEmulator;
  warnings: string[];
  /** A provider as `jit` builds one; `env` adds to the environment it sees (e.g. FAKE_AZ_FAIL). */
  provider(settings?: Partial<Record<string, string>>, env?: Record<string, string>): Promise<CloudProvider>;
  close(): Promise<void>;
}

/** A deterministic stand-in for Math.random, so retried priority choices replay the same way. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

export async function startHarness(): Promise<Harness> {
  const emu = await startArmEmulator();
  const azEnv = fakeAzEnv();
  for (const [name, value] of Object.entries(azEnv)) vi.stubEnv(name, value);
  const warnings: string[] = [];
  const progress: Progress = { step: () => {}, warn: (message) => warnings.push(message) };
  return {
    emu,
    warnings,
    provider: (settings = {}, env = {}) =>
      createProvider(
        {
          settings: { 'azure-cloud': 'AzurePublicCloud', ...settings },
          env: { ...process.env, ...azEnv, JIT_AZURE_ENDPOINT: emu.url, ...env },
          progress,
        },
        {
          pipeline: {
            tlsOptions: { ca: emu.caCert },
            retryOptions: { maxRetries: 3, retryDelayInMs: 20, maxRetryDelayInMs: 200 },
          },
          runtime: { sleep: async () => {}, random: seeded(7) },
          credential: sharedAzureCredential,
        },
      ),
    close: async () => {
      vi.unstubAllEnvs();
      await emu.close();
    },
  };
}

/**
 * One emulator for the test file, a fresh world before each test, closed after the file. The
 * harness returned is filled in by `beforeAll`, so tests use it as they would a started one.
 */
export function useHarness(): Harness {
  const harness = {} as Harness;
  beforeAll(async () => {
    Object.assign(harness, await startHarness());
  });
  afterAll(async () => harness.close?.());
  beforeEach(() => resetWorld(harness.emu));
  return harness;
}

/** A fresh world: no resources, faults or log, default LRO behaviour. */
function resetWorld(emu: ArmEmulator): void {
  emu.state.reset();
  emu.faults.clear();
  emu.clearLog();
  emu.options.lroPolls.network = 1;
  emu.options.lroPolls.compute = 0;
}

export const writes = (emu: ArmEmulator): RequestLogEntry[] =>
  emu.log.filter((entry) => ['PUT', 'PATCH', 'DELETE', 'POST'].includes(entry.method));

/** `PUT vm01-nsg/jit-deny-…` or `PATCH virtualMachines/vm01` for each write, in order. */
export const writeTargets = (emu: ArmEmulator): string[] =>
  writes(emu).map((entry) => {
    const parts = entry.path.split('/');
    const [owner, kind, name] = parts.slice(-3);
    return `${entry.method} ${kind === 'securityRules' ? `${owner}/${name}` : parts.slice(-2).join('/')}`;
  });

export function seedVm01(emu: ArmEmulator, options: Partial<Parameters<typeof seedLinuxVm>[1]> = {}): SeededVm {
  return seedLinuxVm(emu, { vmName: 'vm01', privateIp: '10.0.0.4', publicIp: '20.50.60.70', ...options });
}

export const rulesOf = (emu: ArmEmulator, nsg: string, group = RG) => emu.state.ruleSummary(SUB, group, nsg);
export const ruleNames = (emu: ArmEmulator, nsg: string, group = RG) =>
  rulesOf(emu, nsg, group).map((rule) => rule.name);

/** A user's inbound Allow rule, any source to any destination over TCP, with `fields` on top. */
export const rule = (name: string, priority: number, fields: Partial<SecurityRuleInput> = {}): SecurityRuleInput => ({
  name,
  priority,
  direction: 'Inbound',
  access: 'Allow',
  protocol: 'Tcp',
  sourceAddressPrefix: '*',
  sourcePortRange: '*',
  destinationAddressPrefix: '*',
  ...fields,
});
