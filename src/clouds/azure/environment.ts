/**
 * Where Azure is: the Resource Manager endpoint, the token scope and the Entra ID authority of the
 * chosen cloud (`azure-cloud`: AzurePublicCloud, AzureChinaCloud, AzureUSGovernment), the endpoint
 * override JIT_AZURE_ENDPOINT (an emulator, a proxy in front of ARM), and which subscription to use
 * when none was configured: the Azure CLI's current account, as `az` itself would use.
 *
 * Endpoints: `az cloud show --name <cloud>` (endpoints.resourceManager, activeDirectory) and
 * @azure/identity's AzureAuthorityHosts. An overridden endpoint keeps the cloud's token scope: the
 * token is for Resource Manager, whatever address it is sent to.
 */
import { execFile } from 'node:child_process';
import { AuthError, UserError } from '../../core/errors.js';

export interface AzureCloud {
  name: string;
  resourceManager: string;
  /** The scope to ask tokens for (ARM's audience + /.default). */
  scope: string;
  authorityHost: string;
}

const CLOUDS: Record<string, Omit<AzureCloud, 'name'>> = {
  AzurePublicCloud: {
    resourceManager: 'https://management.azure.com',
    scope: 'https://management.azure.com/.default',
    authorityHost: 'https://login.microsoftonline.com',
  },
  AzureChinaCloud: {
    resourceManager: 'https://management.chinacloudapi.cn',
    scope: 'https://management.chinacloudapi.cn/.default',
    authorityHost: 'https://login.chinacloudapi.cn',
  },
  AzureUSGovernment: {
    resourceManager: 'https://management.usgovcloudapi.net',
    scope: 'https://management.usgovcloudapi.net/.default',
    authorityHost: 'https://login.microsoftonline.us',
  },
};

const DEFAULT_AZURE_CLOUD = 'AzurePublicCloud';

export function azureCloud(name: string | undefined, endpointOverride: string | undefined): AzureCloud {
  const chosen = name ?? DEFAULT_AZURE_CLOUD;
  const known = Object.entries(CLOUDS).find(([key]) => key.toLowerCase() === chosen.toLowerCase());
  if (!known) {
    throw new UserError('JIT_INVALID_CONFIG', `azure-cloud "${chosen}" is not one of ${Object.keys(CLOUDS).join(', ')}.`);
  }
  const [cloudName, endpoints] = known;
  const resourceManager = endpointOverride ? parseEndpoint(endpointOverride) : endpoints.resourceManager;
  return { name: cloudName, ...endpoints, resourceManager };
}

/** The bearer-token policy refuses plain HTTP (core-rest-pipeline), so the override must be https. */
function parseEndpoint(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value.trim());
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:') {
    throw new UserError('JIT_INVALID_CONFIG', `JIT_AZURE_ENDPOINT "${value}" is not an https:// URL.`, {
      hint: 'Give the Resource Manager endpoint, e.g. https://management.azure.com, or unset JIT_AZURE_ENDPOINT.',
    });
  }
  return url.href.replace(/\/+$/, '');
}

const NO_SUBSCRIPTION_HINT =
  'Pass --subscription, set AZURE_SUBSCRIPTION_ID, run `jit config set subscription <id>`, or pick one with `az login` / `az account set`.';

/**
 * Why `az account show` gave no subscription. Nobody signed in and no Azure CLI at all are
 * authentication failures (exit 4, docs/cli.md "Exit codes"): without a subscription setting the
 * Azure CLI is jit's credential too. `az` answers "ERROR: Please run 'az login' to setup account."
 * with exit 1 when nobody is signed in (Azure/azure-cli#33414, #23750).
 */
function cliFailure(error: Error & { code?: unknown }, stderr: string): Error {
  if (error.code === 'ENOENT') {
    return new AuthError('JIT_AZURE_CLI_MISSING', 'No Azure subscription is configured, and the Azure CLI (az), which would name one and sign in, is not installed.', {
      hint: 'Install the Azure CLI and run `az login`, or set AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and --subscription for a service principal.',
    });
  }
  const why = stderr.trim().split('\n')[0] || error.message;
  if (/az login/i.test(why)) {
    return new AuthError('JIT_AZURE_NOT_SIGNED_IN', `Nobody is signed in to the Azure CLI (${why}).`, {
      hint: 'Sign in with `az login` (then `az account set --subscription …`), or pass --subscription with another credential.',
    });
  }
  return new UserError('JIT_AZURE_NO_SUBSCRIPTION', `No Azure subscription is configured, and the Azure CLI gave none: ${why}.`, { hint: NO_SUBSCRIPTION_HINT });
}

/**
 * The Azure CLI's current subscription (`az account show`). `execFile` passes the arguments without
 * a shell; on Windows `az` is a .cmd script, which needs one.
 */
export function cliSubscription(env: Readonly<Record<string, string | undefined>>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'az',
      ['account', 'show', '--output', 'json'],
      { env: { ...env }, timeout: 15_000, shell: process.platform === 'win32', windowsHide: true },
      (error, stdout, stderr) => {
        if (error) {
          reject(cliFailure(error, String(stderr)));
          return;
        }
        let id: unknown;
        try {
          id = (JSON.parse(String(stdout)) as { id?: unknown }).id;
        } catch {
          id = undefined;
        }
        if (typeof id !== 'string' || id === '') {
          reject(new UserError('JIT_AZURE_NO_SUBSCRIPTION', 'No Azure subscription is configured, and `az account show` named none.', { hint: NO_SUBSCRIPTION_HINT }));
          return;
        }
        resolve(id);
      },
    );
  });
}
