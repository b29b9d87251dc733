/**
 * The Azure provider's composition root (loaded by clouds/registry.ts only when a command needs
 * Azure). It resolves, once per process:
 * - where Resource Manager is: the `azure-cloud` setting, or JIT_AZURE_ENDPOINT (environment.ts);
 * - the credential: DefaultAzureCredential (environment, workload identity, managed identity, Azure
 *   CLI, …; AZURE_TOKEN_CREDENTIALS narrows the chain, e.g. to AzureCliCredential, so nothing probes
 *   the instance-metadata endpoint), shared by every client (identity.ts);
 * - the subscription: `subscription` (flag, AZURE_SUBSCRIPTION_ID, config), else `az account show`.
 *
 * Everything is lazy: the SDKs are imported, the credential built and the subscription looked up on
 * the first cloud call, so `jit role` (which needs none of it) stays instant and `jit --help` never
 * reaches this file at all. A resource ID names its own subscription, so `jit request /subscriptions/…`
 * needs neither a configured subscription nor the CLI's.
 */
import type { TokenCredential } from '@azure/identity';
import { AuthError } from '../../core/errors.js';
import type { CloudProvider, ProviderContext } from '../../core/ports.js';
import { type ArmSend, type AzureApi, createAzureApi } from './arm-api.js';
import { type AzureCloud, azureCloud, cliSubscription } from './environment.js';
import { toJitError } from './errors.js';
import { SharedTokenCredential } from './identity.js';
import { AzureProvider, type AzureSession } from './provider.js';
import type { EditRuntime } from './write-retry.js';

/** Pipeline options for both clients; tests pass the emulator's CA and fast retries. */
interface AzurePipelineOptions {
  tlsOptions?: { ca?: string };
  retryOptions?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
}

export interface AzureProviderOptions {
  pipeline?: AzurePipelineOptions;
  /** Sleep and randomness of the conflict retries (tests make them instant and deterministic). */
  runtime?: EditRuntime;
  /**
   * The credential, instead of a DefaultAzureCredential of the provider's own. jit never sets it:
   * tests that build many providers in one process share one, as a jit process shares one across
   * its clients (identity.ts).
   */
  credential?: TokenCredential;
}

const USER_AGENT = { userAgentPrefix: 'jit-access' };

class LazySession implements AzureSession {
  private credential?: Promise<SharedTokenCredential>;
  private subscription?: Promise<string>;
  private readonly apis = new Map<string, Promise<AzureApi>>();

  constructor(
    readonly cloud: AzureCloud,
    private readonly context: ProviderContext,
    private readonly pipeline: AzurePipelineOptions,
    private readonly given?: TokenCredential,
  ) {}

  defaultSubscription(): Promise<string> {
    this.subscription ??= (() => {
      const configured = this.context.settings.subscription;
      if (configured) return Promise.resolve(configured);
      // Every command that asks is about to call ARM: fetch the token while `az account show` runs.
      void this.token().catch(() => undefined);
      return cliSubscription(this.context.env);
    })();
    return this.subscription;
  }

  api(subscriptionId: string): Promise<AzureApi> {
    const key = subscriptionId.toLowerCase();
    let api = this.apis.get(key);
    if (!api) {
      api = this.buildApi(subscriptionId);
      this.apis.set(key, api);
    }
    return api;
  }

  async token(): Promise<string> {
    try {
      const token = await (await this.getCredential()).getToken(this.cloud.scope);
      if (!token) throw new AuthError('JIT_AZURE_NOT_SIGNED_IN', 'The Azure credential returned no token.', { hint: 'Sign in with `az login`.' });
      return token.token;
    } catch (error) {
      throw toJitError(error, { action: 'signing in to Azure' });
    }
  }

  private getCredential(): Promise<SharedTokenCredential> {
    if (this.given) this.credential ??= Promise.resolve(new SharedTokenCredential(this.given));
    this.credential ??= import('@azure/identity').then(({ DefaultAzureCredential }) => {
      const chain = new DefaultAzureCredential({ authorityHost: this.cloud.authorityHost });
      return new SharedTokenCredential(chain);
    });
    return this.credential;
  }

  private async buildApi(subscriptionId: string): Promise<AzureApi> {
    const [sdk, credential] = await Promise.all([import('./sdk.js'), this.getCredential()]);
    const { NetworkManagementClient, ComputeManagementClient } = sdk;
    const { createHttpHeaders, createPipelineRequest, formDataPolicyName } = sdk;
    const { resourceManager: endpoint, scope } = this.cloud;
    // arm-network (core-client) takes `credentialScopes`; arm-compute (TypeSpec) takes
    // `credentials.scopes`; both build request URLs from `endpoint` (test/emulators/arm/SPEC.md, verified
    // in the SDK sources).
    const network = new NetworkManagementClient(credential, subscriptionId, {
      endpoint,
      credentialScopes: [scope],
      userAgentOptions: USER_AGENT,
      ...this.pipeline,
    });
    const compute = new ComputeManagementClient(credential, subscriptionId, {
      endpoint,
      credentials: { scopes: [scope] },
      userAgentOptions: USER_AGENT,
      ...this.pipeline,
    });
    // jit sends no form data. The pipelines' formDataPolicy asks `body instanceof FormData` on every
    // request, and on Node the first read of the global FormData loads Node's bundled undici (and on
    // Node 20 compiles its llhttp WebAssembly): ~80 ms of CPU per command, for nothing.
    for (const client of [network, compute]) client.pipeline.removePolicy({ name: formDataPolicyName });
    // Plain REST calls (locks, the tags API) go through the network client's pipeline: the same
    // credential and scope, TLS settings, retry policy and user agent as every SDK call.
    const send: ArmSend = async (request) => {
      const next = 'nextLink' in request ? request.nextLink : undefined;
      const call = 'nextLink' in request ? undefined : request;
      // A nextLink is absolute and keeps its query (api-version included), as ARM returns it.
      const url = new URL(next ?? `${endpoint.replace(/\/+$/, '')}${call?.path ?? ''}`);
      for (const [name, value] of Object.entries(call?.query ?? {})) url.searchParams.set(name, value);
      const response = await network.sendRequest(
        createPipelineRequest({
          url: url.toString(),
          method: call?.method ?? 'GET',
          headers: createHttpHeaders({ accept: 'application/json', 'content-type': 'application/json' }),
          ...(call?.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
        }),
      );
      const parsed = parseJson(response.bodyAsText);
      if (response.status < 400) return parsed;
      const { code, message } = (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)?.error ?? {};
      // Shaped like the SDKs' RestError, which errors.ts recognises by name, statusCode and code.
      throw Object.assign(new Error(typeof message === 'string' ? message : `HTTP ${response.status}`), {
        name: 'RestError',
        statusCode: response.status,
        ...(typeof code === 'string' ? { code } : {}),
        response: { headers: response.headers },
      });
    };
    return createAzureApi({ network, compute, send }, subscriptionId);
  }
}

function parseJson(text: string | null | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export async function createProvider(
  context: ProviderContext,
  options: AzureProviderOptions = {},
): Promise<CloudProvider> {
  const cloud = azureCloud(context.settings['azure-cloud'], context.env.JIT_AZURE_ENDPOINT);
  const session = new LazySession(cloud, context, options.pipeline ?? {}, options.credential);
  return new AzureProvider(session, context.settings, context.progress, options.runtime);
}
