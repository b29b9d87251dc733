/**
 * The one place where Azure failures become JitErrors. Every call through the client seam
 * (arm-api.ts) passes its error through `toJitError`, so the rest of the provider sees codes, not
 * SDK classes, and the user sees a sentence and a hint, not a stack trace.
 *
 * What reaches us, and in which shape (checked in the SDK sources):
 * - HTTP errors are `RestError`s (name "RestError", `statusCode`, `code` = ARM's `error.code`), from
 *   @azure/core-client (arm-network) and @typespec/ts-http-runtime's `createRestError` (arm-compute).
 *   They are recognised by shape, so this module loads no SDK.
 * - A long-running operation that ends `Failed` is a plain `Error` whose message is
 *   "The long-running operation has failed. <code>. <message>" (@azure/core-lro
 *   `poller/operation.js`, `processOperationStatus`): the code is parsed out of the text.
 * - One that ends `Canceled` is a bare `Error("Operation was canceled")` (core-lro `poller/poller.js`):
 *   Azure cancels a write superseded by another one to the same resource
 *   (CanceledAndSupersededDueToAnotherOperation, Azure/azure-cli#21156). It becomes the code `Canceled`,
 *   a lost race like SecurityRuleConflict.
 * - A write under a management lock is 409 `ScopeLocked` ("The scope … cannot perform delete operation
 *   because following scope(s) are locked: …", Azure/azure-cli#16958, #20232): its own error, never a
 *   conflict to retry, since waiting does not lift a lock.
 * - Credential failures are @azure/identity errors named CredentialUnavailableError,
 *   AggregateAuthenticationError (DefaultAzureCredential's chain), AuthenticationRequiredError or
 *   AuthenticationError; they reach us unchanged through the bearer-token policy.
 *
 * ARM's error codes: https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/common-deployment-errors
 * The ARM code, status and message are kept in `details` (`armCode`, `status`, `armMessage`) so the
 * provider can branch on them (`armCodeOf`, `isRetryableWrite`) and `--json` shows them.
 */
import { AuthError, isJitError, type JitError, ProviderError } from '../../core/errors.js';

export interface ArmFailure {
  status?: number;
  code?: string;
  message: string;
  /** What a throttling answer asked us to wait (retry-after-ms, x-ms-retry-after-ms or Retry-After). */
  retryAfterMs?: number;
}

/** What the failed call was doing, in words that fit "… while <action>", and what it was about. */
export interface CallContext {
  action: string;
  /** Set when the call reads the VM itself: a 404 then means the target does not exist. */
  vm?: { name: string; resourceGroup?: string; subscriptionId: string };
}

const LRO_FAILED = /^The long-running operation has failed\. ([^.\s]+)\. ([\s\S]*)$/;
const LRO_CANCELED = 'Operation was canceled';
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'REQUEST_SEND_ERROR']);
const CREDENTIAL_UNAVAILABLE = new Set(['CredentialUnavailableError', 'AggregateAuthenticationError', 'AuthenticationRequiredError']);

/**
 * Codes of a concurrent writer: the Network RP answers a priority clash with 400
 * SecurityRuleConflict, a write racing another on the same NSG with 409 AnotherOperationInProgress
 * or 429 RetryableError; an If-Match that lost a race is 412. None is retried by the SDK (only 408,
 * 429 with a retry header, and 5xx are), so jit retries them itself, on a fresh read.
 */
const CONFLICT_CODES = new Set([
  'SecurityRuleConflict',
  'AnotherOperationInProgress',
  'RetryableError',
  'Conflict',
  'PreconditionFailed',
  'Canceled',
]);

const ROLE_HINT = '`jit role --cloud azure` prints the custom role jit needs; an admin can assign it on the VM\'s resource group.';
const SIGN_IN_HINT =
  'Sign in with `az login` (then `az account set --subscription …`), or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service principal.';

function retryAfterOf(headers: unknown): number | undefined {
  const get = (headers as { get?: (name: string) => string | undefined } | undefined)?.get;
  if (typeof get !== 'function') return undefined;
  const read = (name: string) => get.call(headers, name);
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const ms = Number(read(name));
    if (read(name) !== undefined && Number.isFinite(ms)) return ms;
  }
  const seconds = Number(read('retry-after'));
  return read('retry-after') !== undefined && Number.isFinite(seconds) ? seconds * 1000 : undefined;
}

/** The ARM failure inside an SDK error, or undefined for anything else (credentials, bugs). */
export function armFailureOf(error: unknown): ArmFailure | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.name === 'RestError') {
    type RestErrorShape = Error & { statusCode?: unknown; code?: unknown; response?: { headers?: unknown } };
    const { statusCode, code, response } = error as RestErrorShape;
    const retryAfterMs = retryAfterOf(response?.headers);
    return {
      ...(typeof statusCode === 'number' ? { status: statusCode } : {}),
      ...(typeof code === 'string' ? { code } : {}),
      message: error.message,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  if (error.message === LRO_CANCELED) {
    return { code: 'Canceled', message: 'Azure cancelled the operation: another write to the same resource superseded it.' };
  }
  const lro = LRO_FAILED.exec(error.message);
  if (lro) return { code: lro[1] ?? 'Failed', message: lro[2] ?? '' };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return { code, message: error.message };
  return undefined;
}

/** The permission ARM says is missing, from an AuthorizationFailed message. */
function missingAction(failure: ArmFailure): string | undefined {
  const actions = [...failure.message.matchAll(/action(?:\(s\))? '([^']+)'/g)].map((m) => m[1]);
  // LinkedAuthorizationFailed names the action it has first and the one it lacks last.
  return failure.code === 'LinkedAuthorizationFailed' ? actions.at(-1) : actions[0];
}

function mapFailure(failure: ArmFailure, context: CallContext, cause: unknown): JitError {
  const details: Record<string, unknown> = {
    ...(failure.code ? { armCode: failure.code } : {}),
    ...(failure.status !== undefined ? { status: failure.status } : {}),
    armMessage: failure.message,
    ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
  };
  const options = { cause, details };
  const code = failure.code ?? '';
  const label = [failure.status, failure.code].filter((part) => part !== undefined).join(' ');

  if (NETWORK_CODES.has(code)) {
    return new ProviderError('JIT_AZURE_UNREACHABLE', `Could not reach Azure Resource Manager while ${context.action} (${code}).`, {
      ...options,
      hint: 'Check the network or proxy, and JIT_AZURE_ENDPOINT / the azure-cloud setting if you changed them.',
    });
  }
  if (failure.status === 401 || /^(InvalidAuthenticationToken|ExpiredAuthenticationToken|AuthenticationFailed)/.test(code)) {
    return new AuthError('JIT_AZURE_AUTH_FAILED', `Azure did not accept the credential while ${context.action} (${label}).`, {
      ...options,
      hint: SIGN_IN_HINT,
    });
  }
  if (failure.status === 403 || code === 'AuthorizationFailed' || code === 'LinkedAuthorizationFailed') {
    const action = missingAction(failure);
    const what = action ? `: the identity lacks the permission ${action}` : '';
    return new AuthError('JIT_AZURE_FORBIDDEN', `Azure refused ${context.action}${what} (${label}).`, {
      ...options,
      hint: ROLE_HINT,
    });
  }
  if (code === 'SubscriptionNotFound') {
    return new ProviderError('JIT_AZURE_SUBSCRIPTION_NOT_FOUND', `Azure does not know the subscription while ${context.action}: ${failure.message}`, {
      ...options,
      hint: 'Check --subscription, AZURE_SUBSCRIPTION_ID or `jit config get subscription`, and that the signed-in identity can see it.',
    });
  }
  if (failure.status === 404 && context.vm) {
    const { vm } = context;
    const where = vm.resourceGroup ? `resource group ${vm.resourceGroup} of subscription ${vm.subscriptionId}` : `subscription ${vm.subscriptionId}`;
    return new ProviderError('JIT_TARGET_NOT_FOUND', `There is no VM ${vm.name} in ${where}.`, {
      ...options,
      hint: 'Check the name, --resource-group and --subscription (`jit config list` shows the defaults).',
    });
  }
  if (code === 'ScopeLocked') {
    return new ProviderError('JIT_AZURE_SCOPE_LOCKED', `A management lock stopped jit while ${context.action}: ${failure.message}`, {
      ...options,
      hint: 'A lock blocks deletes (CanNotDelete) or every write (ReadOnly) under its scope. Ask its owner to remove it (`az lock list` shows it), then run the command again; a rule jit could not delete stays open until then.',
    });
  }
  if (CONFLICT_CODES.has(code) || failure.status === 409 || failure.status === 412) {
    return new ProviderError('JIT_AZURE_CONFLICT', `Other writers kept changing the same rules while ${context.action} (${label}): ${failure.message}`, {
      ...options,
      hint: 'jit retried on a fresh read several times and rolled back what it wrote; run the command again in a moment.',
    });
  }
  if (failure.status === 429) {
    return new ProviderError('JIT_AZURE_THROTTLED', `Azure Resource Manager is throttling requests (${label}) while ${context.action}.`, {
      ...options,
      hint: 'Other automation in the subscription is using its ARM request budget; wait a minute and run the command again.',
    });
  }
  if (failure.status === 404) {
    return new ProviderError('JIT_AZURE_NOT_FOUND', `Azure found nothing while ${context.action}: ${failure.message}`, {
      ...options,
      hint: 'It may have been deleted or moved meanwhile; run the command again.',
    });
  }
  if (failure.status !== undefined && failure.status >= 500) {
    return new ProviderError('JIT_AZURE_UNAVAILABLE', `Azure failed while ${context.action} (${label}): ${failure.message}`, {
      ...options,
      hint: 'A service-side failure (the SDK already retried); try again in a moment.',
    });
  }
  return new ProviderError('JIT_AZURE_ERROR', `Azure refused ${context.action} (${label || 'operation failed'}): ${failure.message}`, options);
}

/**
 * Maps any failure of an Azure call to a JitError; JitErrors pass through, programming errors too
 * (a TypeError is a bug to see with --verbose, not an "Azure error").
 */
export function toJitError(error: unknown, context: CallContext): unknown {
  if (isJitError(error)) return error;
  if (error instanceof Error && CREDENTIAL_UNAVAILABLE.has(error.name)) {
    return new AuthError('JIT_AZURE_NOT_SIGNED_IN', 'No Azure credential is available (tried the DefaultAzureCredential chain).', {
      cause: error,
      hint: SIGN_IN_HINT,
    });
  }
  if (error instanceof Error && error.name === 'AuthenticationError') {
    return new AuthError('JIT_AZURE_AUTH_FAILED', `Microsoft Entra ID refused to issue a token: ${error.message.split('\n')[0] ?? ''}`, {
      cause: error,
      hint: SIGN_IN_HINT,
    });
  }
  const failure = armFailureOf(error);
  return failure ? mapFailure(failure, context, error) : error;
}

/** The ARM error code behind a mapped error (`SecurityRuleConflict` …), if any. */
function armCodeOf(error: unknown): string | undefined {
  const code = isJitError(error) ? error.details?.armCode : undefined;
  return typeof code === 'string' ? code : undefined;
}

function statusOf(error: unknown): number | undefined {
  const status = isJitError(error) ? error.details?.status : undefined;
  return typeof status === 'number' ? status : undefined;
}

/** How long ARM asked us to wait before trying again, when it said. */
export function retryAfterMsOf(error: unknown): number | undefined {
  const ms = isJitError(error) ? error.details?.retryAfterMs : undefined;
  return typeof ms === 'number' ? ms : undefined;
}

/** A write that lost a race with another writer, or was throttled: worth a fresh read and a retry. */
export function isRetryableWrite(error: unknown): boolean {
  const code = armCodeOf(error);
  if (code === 'ScopeLocked') return false;
  const status = statusOf(error);
  return (code !== undefined && CONFLICT_CODES.has(code)) || status === 409 || status === 412 || status === 429;
}

/** ARM refused the request itself (4xx), so nothing was written; a failed operation or no answer may have. */
export function refusedBeforeWriting(error: unknown): boolean {
  const status = statusOf(error);
  return status !== undefined && status >= 400 && status < 500;
}

/** A 404: the thing to delete (a rule, its NSG) is already gone. */
export function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404;
}
