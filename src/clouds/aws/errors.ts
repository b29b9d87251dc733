/**
 * The one place where AWS SDK failures become JitErrors. Every call through the client seam
 * (ec2-api.ts) passes its error through `toJitError`, so the rest of the provider sees codes, not
 * SDK classes, and the user sees a sentence and a hint, not a stack trace (docs/aws.md, "Quotas and
 * errors").
 *
 * The AWS error code is kept in `details.awsCode` so provider logic can branch on it
 * (`awsCodeOf`) and `--json` shows it. Codes are from the EC2 API error reference
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html) and the SDK's
 * retry classification (throttling codes of @smithy/service-error-classification).
 */
import { AuthError, isJitError, type JitError, ProviderError, UserError } from '../../core/errors.js';

interface AwsFailure {
  name: string;
  message: string;
  code?: string;
}

type Mapper = (failure: AwsFailure, options: { cause: unknown; details: Record<string, unknown> }) => JitError;

const ROLE_HINT = '`jit role --cloud aws` prints the IAM policy jit needs.';
const CREDENTIALS_HINT =
  'Set credentials the AWS CLI way: `aws configure`, `aws sso login --profile NAME` with --profile/AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.';

function authFailed(failure: AwsFailure, options: { cause: unknown; details: Record<string, unknown> }): JitError {
  return new AuthError('JIT_AWS_AUTH_FAILED', `AWS did not accept the credentials (${failure.name}).`, {
    ...options,
    hint: CREDENTIALS_HINT,
  });
}

function expired(failure: AwsFailure, options: { cause: unknown; details: Record<string, unknown> }): JitError {
  return new AuthError('JIT_AWS_CREDENTIALS_EXPIRED', `The AWS credentials have expired (${failure.name}).`, {
    ...options,
    hint: 'Refresh them (`aws sso login --profile NAME`, or new temporary keys) and try again.',
  });
}

function throttled(failure: AwsFailure, options: { cause: unknown; details: Record<string, unknown> }): JitError {
  return new ProviderError(
    'JIT_AWS_THROTTLED',
    `EC2 kept throttling the requests (${failure.name}) after jit's retries; nothing more was attempted.`,
    {
      ...options,
      hint: 'Other automation in the account is using the EC2 API rate; try again in a minute. Anything written was rolled back.',
    },
  );
}

function unreachable(failure: AwsFailure, options: { cause: unknown; details: Record<string, unknown> }): JitError {
  return new ProviderError('JIT_AWS_UNREACHABLE', `Could not reach AWS (${failure.code ?? failure.name}).`, {
    ...options,
    hint: 'Check the network or proxy, and AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL if you set one.',
  });
}

const TABLE: Record<string, Mapper> = {
  // The quota is EC2's (5 by default, adjustable up to 16: "Security groups per network interface",
  // https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups),
  // so jit does not count groups itself: it maps EC2's refusal.
  SecurityGroupsPerInterfaceLimitExceeded: (_f, options) =>
    new ProviderError(
      'JIT_AWS_GROUP_LIMIT',
      "EC2 refused another security group on the instance's network interface: it already has as many as the account's quota allows (5 by default).",
      {
        ...options,
        hint: 'Detach a group the instance does not need, or raise the "Security groups per network interface" quota (Service Quotas, Amazon VPC; adjustable up to 16).',
      },
    ),
  RulesPerSecurityGroupLimitExceeded: (_f, options) =>
    new ProviderError(
      'JIT_AWS_RULE_LIMIT',
      'EC2 refused the rule: the security group already has as many inbound rules as the quota allows (60 by default).',
      {
        ...options,
        hint: 'Run `jit sweep` to remove expired grants, revoke grants no longer needed, or raise the "Inbound or outbound rules per security group" quota.',
      },
    ),
  'InvalidPermission.Duplicate': (failure, options) =>
    new ProviderError('JIT_AWS_RULE_DUPLICATE', `EC2 already has that rule: ${failure.message}`, {
      ...options,
      hint: '`jit status <vm>` shows the grants on the instance; an active grant for the same source and port is extended, not duplicated.',
    }),
  'InvalidPermission.NotFound': (failure, options) =>
    new ProviderError('JIT_AWS_RULE_NOT_FOUND', `EC2 has no such rule: ${failure.message}`, options),
  'InvalidSecurityGroupRuleId.NotFound': (failure, options) =>
    new ProviderError('JIT_AWS_RULE_NOT_FOUND', `EC2 has no such rule: ${failure.message}`, options),
  'InvalidGroup.NotFound': (failure, options) =>
    new ProviderError('JIT_AWS_GROUP_NOT_FOUND', `Security group not found: ${failure.message}`, {
      ...options,
      hint: 'It may have been deleted by someone else; `jit status <vm>` shows what is left.',
    }),
  'InvalidGroup.Duplicate': (failure, options) =>
    new ProviderError('JIT_AWS_GROUP_NAME_TAKEN', `A security group with that name already exists: ${failure.message}`, options),
  'InvalidGroup.InUse': (failure, options) =>
    new ProviderError('JIT_AWS_GROUP_IN_USE', `The security group is still in use: ${failure.message}`, options),
  DependencyViolation: (failure, options) =>
    new ProviderError('JIT_AWS_GROUP_IN_USE', `The security group is still in use: ${failure.message}`, {
      ...options,
      hint: 'Another network interface or rule still references it; detach it there and run the command again.',
    }),
  'InvalidInstanceID.NotFound': (failure, options) =>
    new ProviderError('JIT_TARGET_NOT_FOUND', `EC2 instance not found: ${failure.message}`, {
      ...options,
      hint: 'Check the instance id and the region (--region, AWS_REGION, `jit config set region`).',
    }),
  'InvalidInstanceID.Malformed': (failure, options) =>
    new UserError('JIT_INVALID_TARGET', `<vm> is not an EC2 instance id: ${failure.message}`, {
      ...options,
      hint: 'An instance id looks like i-0123456789abcdef0.',
    }),
  TagLimitExceeded: (_f, options) =>
    new ProviderError('JIT_AWS_TAG_LIMIT', 'EC2 refused the tags: the resource already has 50 tags, the most EC2 allows.', options),
  UnauthorizedOperation: (failure, options) =>
    new AuthError(
      'JIT_AWS_UNAUTHORIZED',
      `The AWS identity is not allowed to do this (${failure.name}).`,
      {
        ...options,
        hint: `${ROLE_HINT} \`aws sts decode-authorization-message --encoded-message …\` decodes the refusal in details.awsMessage.`,
      },
    ),
  AccessDenied: (failure, options) =>
    new AuthError('JIT_AWS_UNAUTHORIZED', `The AWS identity is not allowed to do this (${failure.name}).`, {
      ...options,
      hint: ROLE_HINT,
    }),
  AuthFailure: authFailed,
  InvalidClientTokenId: authFailed,
  SignatureDoesNotMatch: authFailed,
  UnrecognizedClientException: authFailed,
  ExpiredToken: expired,
  ExpiredTokenException: expired,
  RequestExpired: expired,
  CredentialsProviderError: (failure, options) =>
    new AuthError('JIT_AWS_NO_CREDENTIALS', `No AWS credentials were found (${failure.message}).`, {
      ...options,
      hint: CREDENTIALS_HINT,
    }),
  RequestLimitExceeded: throttled,
  Throttling: throttled,
  ThrottlingException: throttled,
  RequestThrottled: throttled,
  RequestThrottledException: throttled,
  TooManyRequestsException: throttled,
  TimeoutError: unreachable,
};

/** Node socket errors: the endpoint could not be reached at all. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH']);

function asFailure(error: unknown): AwsFailure | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
}

/** Whether the error came from AWS (a modelled service exception carries `$metadata`). */
function isServiceError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && '$metadata' in error && '$fault' in error;
}

/**
 * Maps an SDK failure to a JitError; JitErrors and programming errors pass through unchanged.
 * An AWS error without a table entry becomes JIT_AWS_ERROR carrying AWS's own code and message.
 */
export function toJitError(error: unknown): unknown {
  if (isJitError(error)) return error;
  const failure = asFailure(error);
  if (!failure) return error;
  const details: Record<string, unknown> = { awsCode: failure.name, awsMessage: failure.message };
  const mapper = TABLE[failure.name];
  if (mapper) return mapper(failure, { cause: error, details });
  if (failure.code && NETWORK_CODES.has(failure.code)) {
    return unreachable(failure, { cause: error, details: { awsCode: failure.code } });
  }
  if (isServiceError(error)) {
    return new ProviderError('JIT_AWS_ERROR', `AWS refused the request (${failure.name}): ${failure.message}`, {
      cause: error,
      details,
    });
  }
  return error;
}

/** The AWS error code behind a mapped error (`InvalidPermission.Duplicate` …), if any. */
export function awsCodeOf(error: unknown): string | undefined {
  if (!isJitError(error)) return undefined;
  const code = error.details?.awsCode;
  return typeof code === 'string' ? code : undefined;
}
