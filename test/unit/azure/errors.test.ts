/**
 * Azure failures → JitErrors (src/clouds/azure/errors.ts). The SDK errors are stand-ins with the
 * shapes the SDKs throw (RestError: name, statusCode, code, response.headers; a failed long-running
 * operation: a plain Error with core-lro's message; identity errors by name); the real ones are met
 * in test/integration/azure/errors.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { isJitError, type JitError } from '../../../src/core/errors.js';
import {
  armFailureOf,
  isNotFound,
  isRetryableWrite,
  refusedBeforeWriting,
  retryAfterMsOf,
  toJitError,
} from '../../../src/clouds/azure/errors.js';

function restError(
  statusCode: number | undefined,
  code: string | undefined,
  message: string,
  headers: Record<string, string> = {},
): Error {
  const error = new Error(message) as Error & { statusCode?: number; code?: string; response: unknown };
  error.name = 'RestError';
  if (statusCode !== undefined) error.statusCode = statusCode;
  if (code !== undefined) error.code = code;
  error.response = { headers: { get: (name: string) => headers[name] } };
  return error;
}

function named(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

const context = { action: 'writing rule r1 on network security group vm01-nsg' };
const vmContext = { action: 'reading VM vm01', vm: { name: 'vm01', resourceGroup: 'rg-jit', subscriptionId: 'sub-1' } };

function mapped(error: unknown, ctx: Parameters<typeof toJitError>[1] = context): JitError {
  const result = toJitError(error, ctx);
  if (!isJitError(result)) throw new Error(`not mapped: ${String(result)}`);
  return result;
}

const FORBIDDEN =
  "The client 'alice@example.com' with object id '0000' does not have authorization to perform action 'Microsoft.Network/networkSecurityGroups/securityRules/write' over scope '/subscriptions/s/…' or the scope is invalid.";

describe('toJitError', () => {
  it.each([
    ['403 AuthorizationFailed', restError(403, 'AuthorizationFailed', FORBIDDEN), context, 'JIT_AZURE_FORBIDDEN', 4],
    ['401 expired token', restError(401, 'ExpiredAuthenticationToken', 'The access token expiry …'), context, 'JIT_AZURE_AUTH_FAILED', 4],
    ['404 on the VM', restError(404, 'ResourceNotFound', "The Resource 'Microsoft.Compute/virtualMachines/vm01' …"), vmContext, 'JIT_TARGET_NOT_FOUND', 1],
    ['404 resource group of the VM', restError(404, 'ResourceGroupNotFound', "Resource group 'rg-x' could not be found."), vmContext, 'JIT_TARGET_NOT_FOUND', 1],
    ['404 elsewhere', restError(404, 'NotFound', 'Resource … not found.'), context, 'JIT_AZURE_NOT_FOUND', 1],
    ['unknown subscription', restError(404, 'SubscriptionNotFound', "The subscription 'x' could not be found."), vmContext, 'JIT_AZURE_SUBSCRIPTION_NOT_FOUND', 1],
    ['throttled', restError(429, 'TooManyRequests', 'Too many requests'), context, 'JIT_AZURE_THROTTLED', 1],
    ['priority clash', restError(400, 'SecurityRuleConflict', 'Security rule a conflicts with rule b.'), context, 'JIT_AZURE_CONFLICT', 1],
    ['another operation', restError(409, 'AnotherOperationInProgress', 'busy'), context, 'JIT_AZURE_CONFLICT', 1],
    ['429 RetryableError', restError(429, 'RetryableError', 'retry'), context, 'JIT_AZURE_CONFLICT', 1],
    ['5xx after the SDK retries', restError(503, 'ServiceUnavailable', 'down'), context, 'JIT_AZURE_UNAVAILABLE', 1],
    ['other 400', restError(400, 'SecurityRuleInvalidPortRange', 'bad port'), context, 'JIT_AZURE_ERROR', 1],
    ['unreachable', restError(undefined, 'REQUEST_SEND_ERROR', 'connect ECONNREFUSED'), context, 'JIT_AZURE_UNREACHABLE', 1],
    ['failed long-running operation', new Error('The long-running operation has failed. InternalServerError. NRP broke'), context, 'JIT_AZURE_ERROR', 1],
    ['failed operation, conflict', new Error('The long-running operation has failed. RetryableError. try later'), context, 'JIT_AZURE_CONFLICT', 1],
    ['not signed in', named('CredentialUnavailableError', "ERROR: Please run 'az login' to setup account."), context, 'JIT_AZURE_NOT_SIGNED_IN', 4],
    ['chain exhausted', named('AggregateAuthenticationError', 'ChainedTokenCredential authentication failed.'), context, 'JIT_AZURE_NOT_SIGNED_IN', 4],
    ['token refused', named('AuthenticationError', 'AADSTS7000215: Invalid client secret provided.\nTrace ID: …'), context, 'JIT_AZURE_AUTH_FAILED', 4],
  ])('%s → %s', (_label, error, ctx, code, exitCode) => {
    const result = mapped(error, ctx);
    expect(result.code).toBe(code);
    expect(result.exitCode).toBe(exitCode);
    expect(result.message).not.toMatch(/undefined/);
  });

  it('names the missing permission from ARM\'s message, and points at `jit role`', () => {
    const result = mapped(restError(403, 'AuthorizationFailed', FORBIDDEN));
    expect(result.message).toContain('Microsoft.Network/networkSecurityGroups/securityRules/write');
    expect(result.hint).toMatch(/jit role --cloud azure/);
    expect(result.details).toMatchObject({ armCode: 'AuthorizationFailed', status: 403 });
  });

  it('names the permission missing on the linked scope for LinkedAuthorizationFailed', () => {
    const message =
      "The client 'x' has permission to perform action 'Microsoft.Compute/virtualMachines/write' on scope 'vm'; however, it does not have permission to perform action(s) 'Microsoft.Network/networkInterfaces/join/action' on the linked scope(s) 'nic'.";
    expect(mapped(restError(403, 'LinkedAuthorizationFailed', message)).message).toContain('Microsoft.Network/networkInterfaces/join/action');
  });

  it('names the VM and where it looked when the VM does not exist', () => {
    const result = mapped(restError(404, 'ResourceNotFound', 'gone'), vmContext);
    expect(result.message).toBe('There is no VM vm01 in resource group rg-jit of subscription sub-1.');
  });

  it('hints at az login when no credential is available', () => {
    expect(mapped(named('CredentialUnavailableError')).hint).toMatch(/az login/);
  });

  it('keeps only the first line of an Entra ID refusal in the message', () => {
    const result = mapped(named('AuthenticationError', 'AADSTS7000215: Invalid client secret provided.\nTrace ID: 123'));
    expect(result.message).not.toContain('Trace ID');
  });

  it('passes JitErrors and programming errors through unchanged', () => {
    const bug = new TypeError('x is undefined');
    expect(toJitError(bug, context)).toBe(bug);
    const jit = mapped(restError(429, 'TooManyRequests', 'slow down'));
    expect(toJitError(jit, context)).toBe(jit);
  });
});

describe('armFailureOf', () => {
  it('reads the retry hint ARM sends with throttling, in ms or seconds', () => {
    expect(armFailureOf(restError(429, 'RetryableError', 'x', { 'retry-after-ms': '250' }))?.retryAfterMs).toBe(250);
    expect(armFailureOf(restError(429, 'RetryableError', 'x', { 'x-ms-retry-after-ms': '40' }))?.retryAfterMs).toBe(40);
    expect(armFailureOf(restError(429, 'RetryableError', 'x', { 'retry-after': '2' }))?.retryAfterMs).toBe(2000);
    expect(armFailureOf(restError(429, 'RetryableError', 'x'))?.retryAfterMs).toBeUndefined();
  });

  it('parses the code out of a failed long-running operation, which is not a RestError', () => {
    expect(armFailureOf(new Error('The long-running operation has failed. SecurityRuleConflict. Rule a conflicts.'))).toEqual({
      code: 'SecurityRuleConflict',
      message: 'Rule a conflicts.',
    });
    expect(armFailureOf(new Error('something else'))).toBeUndefined();
  });
});

describe('classification for jit\'s own retries', () => {
  it.each([
    [restError(400, 'SecurityRuleConflict', 'x'), true],
    [restError(409, 'AnotherOperationInProgress', 'x'), true],
    [restError(429, 'RetryableError', 'x'), true],
    [restError(429, 'TooManyRequests', 'x'), true],
    [restError(412, 'PreconditionFailed', 'x'), true],
    [new Error('The long-running operation has failed. RetryableError. x'), true],
    [new Error('Operation was canceled'), true],
    [restError(409, 'ScopeLocked', 'x'), false],
    [restError(403, 'AuthorizationFailed', FORBIDDEN), false],
    [restError(400, 'SecurityRuleInvalidPriority', 'x'), false],
    [restError(500, 'InternalServerError', 'x'), false],
  ])('%#: retryable %s', (error, retryable) => {
    expect(isRetryableWrite(toJitError(error, context))).toBe(retryable);
  });

  it('tells a refused request (nothing written) from a failed operation (something may be)', () => {
    expect(refusedBeforeWriting(toJitError(restError(403, 'AuthorizationFailed', FORBIDDEN), context))).toBe(true);
    expect(refusedBeforeWriting(toJitError(restError(400, 'SecurityRuleConflict', 'x'), context))).toBe(true);
    expect(refusedBeforeWriting(toJitError(new Error('The long-running operation has failed. InternalServerError. x'), context))).toBe(false);
    expect(refusedBeforeWriting(toJitError(restError(503, 'ServiceUnavailable', 'x'), context))).toBe(false);
  });

  it('keeps the retry hint and tells a 404 apart', () => {
    expect(retryAfterMsOf(toJitError(restError(429, 'RetryableError', 'x', { 'retry-after-ms': '90' }), context))).toBe(90);
    expect(isNotFound(toJitError(restError(404, 'NotFound', 'x'), context))).toBe(true);
    expect(isNotFound(toJitError(restError(403, 'AuthorizationFailed', FORBIDDEN), context))).toBe(false);
  });
});

describe('real-cloud failures (issue 9)', () => {
  it('a cancelled operation (core-lro\'s bare Error) is a lost race, not JIT_UNEXPECTED', () => {
    const result = mapped(new Error('Operation was canceled'));
    expect(result).toMatchObject({ code: 'JIT_AZURE_CONFLICT', details: { armCode: 'Canceled' } });
    expect(refusedBeforeWriting(result)).toBe(false);
  });

  it('ScopeLocked from any call is JIT_AZURE_SCOPE_LOCKED (exit 1) with ARM\'s sentence naming the locked scope', () => {
    const message = "The scope '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n/securityRules/r' cannot perform delete operation because following scope(s) are locked: '/subscriptions/s/resourceGroups/rg'. Please remove the lock and try again.";
    const result = mapped(restError(409, 'ScopeLocked', message));
    expect(result).toMatchObject({ code: 'JIT_AZURE_SCOPE_LOCKED', exitCode: 1 });
    expect(result.message).toContain("following scope(s) are locked: '/subscriptions/s/resourceGroups/rg'");
    expect(isRetryableWrite(result)).toBe(false);
  });
});
