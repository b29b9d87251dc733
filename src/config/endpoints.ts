/**
 * The endpoint overrides jit honours, checked before anything is built from them: a malformed one
 * is a usage error naming the variable and the accepted form (exit 2), not an SDK failure deep in
 * the first cloud call (`AWS_ENDPOINT_URL='::::'` used to end in JIT_UNEXPECTED).
 *
 * Where they are read: clouds/aws/index.ts `endpointFor` (AWS_ENDPOINT_URL_EC2 / _STS, then
 * AWS_ENDPOINT_URL, ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true, as the SDK's own
 * getEndpointUrlConfig in @smithy/core does) and clouds/azure/index.ts → environment.ts
 * `azureCloud` (JIT_AZURE_ENDPOINT).
 *
 * Accepted forms:
 * - AWS: an absolute http:// or https:// URL. The SDK parses the value with `new URL()` (@smithy/core
 *   transport `parseUrl`) and its Node handler speaks only those two protocols; plain http is what
 *   local endpoints (moto, LocalStack) use.
 * - Azure: an https:// URL: the bearer-token policy of @azure/core-rest-pipeline refuses to send a
 *   token over plain http.
 * An empty variable counts as unset, as for every other variable jit reads.
 */
import { UserError } from '../core/errors.js';
import { quoted } from '../core/printable.js';

type Env = Readonly<Record<string, string | undefined>>;

const AWS_VARIABLES = ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_EC2', 'AWS_ENDPOINT_URL_STS'] as const;

function parsedUrl(value: string): URL | undefined {
  try {
    return new URL(value.trim());
  } catch {
    return undefined;
  }
}

function check(name: string, value: string | undefined, protocols: string[], example: string): void {
  if (!value) return;
  const url = parsedUrl(value);
  if (url !== undefined && protocols.includes(url.protocol) && url.hostname !== '') return;
  const form = protocols.map((p) => `${p}//`).join(' or ');
  throw new UserError('JIT_INVALID_CONFIG', `${name} ${quoted(value)} is not an ${form} URL.`, {
    hint: `Give the endpoint as a URL, e.g. ${example}, or unset ${name}.`,
  });
}

export function checkEndpointVariables(env: Env): void {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS !== 'true') {
    for (const name of AWS_VARIABLES) check(name, env[name], ['http:', 'https:'], 'https://ec2.eu-west-1.amazonaws.com');
  }
  check('JIT_AZURE_ENDPOINT', env.JIT_AZURE_ENDPOINT, ['https:'], 'https://management.azure.com');
}
