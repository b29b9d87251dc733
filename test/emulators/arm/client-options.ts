// How to point the real SDK clients at the emulator.
//
// In-process: NODE_EXTRA_CA_CERTS is read once at process start, so it cannot be set from a test. The SDKs'
// pipeline takes `tlsOptions` (core-rest-pipeline's PipelineOptions → tlsPolicy → the https.Agent's `ca`),
// which trusts the emulator's CA for that client only, without touching process-wide TLS settings.
// Subprocesses: NODE_EXTRA_CA_CERTS=caCertPath, the fake `az` first on PATH, AzureCliCredential selected
// through AZURE_TOKEN_CREDENTIALS (so DefaultAzureCredential never probes IMDS), JIT_AZURE_ENDPOINT=url.
import { delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComputeManagementClientOptionalParams } from '@azure/arm-compute';
import type { NetworkManagementClientOptionalParams } from '@azure/arm-network';
import type { ArmEmulator } from './server.js';
import { DEFAULT_SUBSCRIPTION_ID, DEFAULT_TENANT_ID } from './token.js';

/** Directory holding the fake `az` executable. */
const FAKE_AZ_BIN_DIR = fileURLToPath(new URL('./bin/', import.meta.url));

/** ARM's token scope; the emulator accepts any audience, but real clients ask for this one. */
const ARM_SCOPE = 'https://management.azure.com/.default';

// Fast client-side retries: the exponential strategy (500s) waits retryDelayInMs·2^n; throttling (429)
// waits what `retry-after-ms` says, whatever these are.
const FAST_RETRIES = { maxRetries: 3, retryDelayInMs: 20, maxRetryDelayInMs: 200 };

export function networkClientOptions(
  emu: Pick<ArmEmulator, 'url' | 'caCert'>,
  overrides: NetworkManagementClientOptionalParams = {},
): NetworkManagementClientOptionalParams {
  // v36 builds request URLs from `endpoint`; without `credentialScopes` it would ask for `${endpoint}/.default`.
  return {
    endpoint: emu.url,
    credentialScopes: [ARM_SCOPE],
    tlsOptions: { ca: emu.caCert },
    retryOptions: FAST_RETRIES,
    ...overrides,
  };
}

export function computeClientOptions(
  emu: Pick<ArmEmulator, 'url' | 'caCert'>,
  overrides: ComputeManagementClientOptionalParams = {},
): ComputeManagementClientOptionalParams {
  // v24 (TypeSpec-generated) takes its scopes from `credentials.scopes`, not `credentialScopes`.
  return {
    endpoint: emu.url,
    credentials: { scopes: [ARM_SCOPE] },
    tlsOptions: { ca: emu.caCert },
    retryOptions: FAST_RETRIES,
    ...overrides,
  };
}

export interface FakeAzOptions {
  /** FAKE_AZ_USER (default alice@example.com). */
  user?: string;
  /** FAKE_AZ_APPID: the token is a service principal's. */
  appId?: string;
  subscriptionId?: string;
  tenantId?: string;
  /** FAKE_AZ_FAIL=1: behave like `az` when nobody is logged in. */
  fail?: boolean;
  /** FAKE_AZ_EXPIRES_IN, seconds. */
  expiresInSeconds?: number;
  /** FAKE_AZ_LOG: append one JSON line per invocation to this file. */
  logFile?: string;
}

/** Environment variables for the fake `az` (merge into process.env or a subprocess env). */
export function fakeAzEnv(
  options: FakeAzOptions = {},
  basePath = process.env.PATH ?? '',
): Record<string, string> {
  return {
    PATH: `${FAKE_AZ_BIN_DIR}${delimiter}${basePath}`,
    AZURE_TOKEN_CREDENTIALS: 'AzureCliCredential',
    FAKE_AZ_USER: options.user ?? 'alice@example.com',
    FAKE_AZ_SUBSCRIPTION: options.subscriptionId ?? DEFAULT_SUBSCRIPTION_ID,
    FAKE_AZ_TENANT: options.tenantId ?? DEFAULT_TENANT_ID,
    ...(options.appId ? { FAKE_AZ_APPID: options.appId } : {}),
    ...(options.fail ? { FAKE_AZ_FAIL: '1' } : {}),
    ...(options.expiresInSeconds !== undefined
      ? { FAKE_AZ_EXPIRES_IN: String(options.expiresInSeconds) }
      : {}),
    ...(options.logFile ? { FAKE_AZ_LOG: options.logFile } : {}),
  };
}

/** The whole environment a jit subprocess needs to reach the emulator through the fake `az`. */
export function armSubprocessEnv(
  emu: Pick<ArmEmulator, 'url' | 'caCertPath'>,
  options: FakeAzOptions = {},
): Record<string, string> {
  return {
    ...fakeAzEnv(options),
    NODE_EXTRA_CA_CERTS: emu.caCertPath,
    JIT_AZURE_ENDPOINT: emu.url,
  };
}
