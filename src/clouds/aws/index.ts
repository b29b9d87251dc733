/**
 * The AWS provider's composition root: the SDK clients are built here, once, from the resolved
 * settings, and everything else gets the narrow seam over them (ec2-api.ts).
 *
 * - Region: --region / AWS_REGION / AWS_DEFAULT_REGION / `jit config` arrive as settings.region;
 *   without it the SDK's own chain still applies (the profile's `region` in ~/.aws/config).
 * - Credentials: the SDK's default chain (environment, SSO, profiles, web identity, IMDS), with
 *   the named profile.
 * - Endpoint: the SDK reads AWS_ENDPOINT_URL_<SERVICE> then AWS_ENDPOINT_URL from process.env
 *   and `endpoint_url` from the shared config (@smithy/core getEndpointUrlConfig); jit passes the
 *   same variables from the environment it was handed, so an injected environment is honoured too.
 *   AWS_ENDPOINT_URL_STS matters as much as _EC2: the requester is STS's caller ARN.
 */
import { UserError } from '../../core/errors.js';
import type { CloudProvider, ProviderContext } from '../../core/ports.js';
import { ec2ApiOver, stsApiOver } from './ec2-api.js';
import { EC2Client, STSClient } from './sdk.js';
import { createAwsProvider } from './provider.js';
import { roleDocuments } from './role.js';

/**
 * Attempts per call, first one included. The SDK's standard retry mode backs off on throttling
 * (RequestLimitExceeded) and transient errors; EC2 throttles per account and API, so a burst from
 * other automation is ridden out rather than failing a half-made change.
 */
export const MAX_ATTEMPTS = 5;

interface AwsClientOptions {
  region?: string | undefined;
  profile?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  maxAttempts?: number;
}

function endpointFor(service: 'EC2' | 'STS', env: AwsClientOptions['env']): { endpoint?: string } {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true') return {};
  const endpoint = env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL;
  return endpoint ? { endpoint } : {};
}

export function buildAwsClients(options: AwsClientOptions): { ec2: EC2Client; sts: STSClient } {
  // The SDK warns Node 20 users on every client construction that later SDK releases will need
  // Node 22. The version jit pins supports Node 20, so the notice is noise on every jit command;
  // a user who sets the variable themselves keeps their choice.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const common = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    maxAttempts: options.maxAttempts ?? MAX_ATTEMPTS,
    // Without timeouts an unreachable endpoint would hang the command.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
  };
  return {
    ec2: new EC2Client({ ...common, ...endpointFor('EC2', options.env) }),
    sts: new STSClient({ ...common, ...endpointFor('STS', options.env) }),
  };
}

/** The region the client will use, or a usage error naming every way to set one. */
async function regionOf(client: EC2Client): Promise<string | UserError> {
  try {
    return await client.config.region();
  } catch (error) {
    return new UserError('JIT_AWS_NO_REGION', 'No AWS region is set, so jit does not know where to look.', {
      hint: 'Pass --region eu-west-1, set AWS_REGION, run `jit config set region eu-west-1`, or give the profile a region in ~/.aws/config.',
      cause: error,
    });
  }
}

const NO_REGION_NOTE =
  'No AWS region is set: the policies name ARNs in the commercial partition (arn:aws:…). ' +
  'For GovCloud or China, pass the region (--region us-gov-west-1, --region cn-north-1) to get arn:aws-us-gov / arn:aws-cn.';

/**
 * Without a region only `jit role` can work (it calls nothing; the ARNs need a partition, and
 * `aws` is the one most accounts are in, so it is used and said). Every other command refuses
 * with the usage error before any call to AWS.
 */
function regionlessProvider(progress: ProviderContext['progress'], noRegion: UserError): CloudProvider {
  const refuse = () => Promise.reject(noRegion);
  return {
    cloud: 'aws',
    whoami: refuse,
    resolveTarget: refuse,
    enable: refuse,
    disable: refuse,
    openGrant: refuse,
    closeGrant: refuse,
    listGrants: refuse,
    status: refuse,
    scan: refuse,
    listEnabled: refuse,
    scopeInEffect: refuse,
    role: () => {
      progress.warn(NO_REGION_NOTE, 'JIT_AWS_PARTITION_ASSUMED');
      return roleDocuments('aws');
    },
  };
}

export async function createProvider(ctx: ProviderContext): Promise<CloudProvider> {
  const { region, profile } = ctx.settings;
  const clients = buildAwsClients({ region, profile, env: ctx.env });
  const resolved = await regionOf(clients.ec2);
  if (resolved instanceof UserError) return regionlessProvider(ctx.progress, resolved);
  return createAwsProvider({
    ec2: ec2ApiOver(clients.ec2),
    sts: stsApiOver(clients.sts),
    region: resolved,
    profile,
    progress: ctx.progress,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
}
