// The one mapping from AWS failures to JitErrors: codes, exit codes, hints, and what passes through.
import { type EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { ec2ApiOver } from '../../../src/clouds/aws/ec2-api.js';
import { awsCodeOf, toJitError } from '../../../src/clouds/aws/errors.js';
import { isJitError, UserError } from '../../../src/core/errors.js';

function serviceError(name: string, message = `${name}: from EC2`): EC2ServiceException {
  return new EC2ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });
}

describe('toJitError', () => {
  it.each([
    ['SecurityGroupsPerInterfaceLimitExceeded', 'JIT_AWS_GROUP_LIMIT', 1, 'Security groups per network interface'],
    ['RulesPerSecurityGroupLimitExceeded', 'JIT_AWS_RULE_LIMIT', 1, 'jit sweep'],
    ['InvalidPermission.Duplicate', 'JIT_AWS_RULE_DUPLICATE', 1, 'jit status'],
    ['InvalidPermission.NotFound', 'JIT_AWS_RULE_NOT_FOUND', 1, undefined],
    ['InvalidSecurityGroupRuleId.NotFound', 'JIT_AWS_RULE_NOT_FOUND', 1, undefined],
    ['InvalidGroup.NotFound', 'JIT_AWS_GROUP_NOT_FOUND', 1, 'deleted'],
    ['InvalidGroup.Duplicate', 'JIT_AWS_GROUP_NAME_TAKEN', 1, undefined],
    ['DependencyViolation', 'JIT_AWS_GROUP_IN_USE', 1, 'detach it'],
    ['InvalidInstanceID.NotFound', 'JIT_TARGET_NOT_FOUND', 1, '--region'],
    ['InvalidInstanceID.Malformed', 'JIT_INVALID_TARGET', 2, 'i-0123456789abcdef0'],
    ['TagLimitExceeded', 'JIT_AWS_TAG_LIMIT', 1, undefined],
    ['UnauthorizedOperation', 'JIT_AWS_UNAUTHORIZED', 4, 'jit role --cloud aws'],
    ['AccessDenied', 'JIT_AWS_UNAUTHORIZED', 4, 'jit role --cloud aws'],
    ['AuthFailure', 'JIT_AWS_AUTH_FAILED', 4, 'aws sso login'],
    ['InvalidClientTokenId', 'JIT_AWS_AUTH_FAILED', 4, 'aws configure'],
    ['SignatureDoesNotMatch', 'JIT_AWS_AUTH_FAILED', 4, 'AWS_PROFILE'],
    ['ExpiredToken', 'JIT_AWS_CREDENTIALS_EXPIRED', 4, 'aws sso login'],
    ['RequestExpired', 'JIT_AWS_CREDENTIALS_EXPIRED', 4, 'aws sso login'],
    ['RequestLimitExceeded', 'JIT_AWS_THROTTLED', 1, 'try again'],
    ['Throttling', 'JIT_AWS_THROTTLED', 1, 'try again'],
    ['SomethingNewFromAws', 'JIT_AWS_ERROR', 1, undefined],
  ])('maps %s to %s (exit %i)', (name, code, exitCode, hint) => {
    const original = serviceError(name);
    const mapped = toJitError(original);

    expect(isJitError(mapped)).toBe(true);
    if (!isJitError(mapped)) return;
    expect([mapped.code, mapped.exitCode]).toEqual([code, exitCode]);
    expect(mapped.cause).toBe(original);
    expect(mapped.details).toMatchObject({ awsCode: name });
    expect(awsCodeOf(mapped)).toBe(name);
    if (hint) expect(mapped.hint).toContain(hint);
  });

  it('keeps AWS\'s code and message for an unknown service error', () => {
    const mapped = toJitError(serviceError('Unsupported', 'The requested configuration is not supported.'));

    expect(isJitError(mapped) && mapped.message).toBe(
      'AWS refused the request (Unsupported): The requested configuration is not supported.',
    );
  });

  it('maps the SDK\'s missing-credentials error to an auth failure with a hint', () => {
    const error = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    const mapped = toJitError(error);

    expect(isJitError(mapped) && [mapped.code, mapped.exitCode]).toEqual(['JIT_AWS_NO_CREDENTIALS', 4]);
    expect(isJitError(mapped) && mapped.hint).toContain('AWS_ACCESS_KEY_ID');
  });

  it.each(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT'])('maps the socket error %s to JIT_AWS_UNREACHABLE', (code) => {
    const mapped = toJitError(Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code }));

    expect(isJitError(mapped) && [mapped.code, mapped.exitCode, mapped.details?.awsCode]).toEqual(['JIT_AWS_UNREACHABLE', 1, code]);
  });

  it('lets JitErrors and programming errors through unchanged', () => {
    const jit = new UserError('JIT_INVALID_TARGET', 'x');
    const bug = new TypeError('undefined is not a function');

    expect(toJitError(jit)).toBe(jit);
    expect(toJitError(bug)).toBe(bug);
    expect(toJitError('a string')).toBe('a string');
    expect(awsCodeOf(bug)).toBeUndefined();
  });
});

describe('the EC2 seam', () => {
  it('maps what client.send throws, so the provider never sees an SDK class', async () => {
    const client = { send: async () => Promise.reject(serviceError('InvalidPermission.Duplicate')) } as unknown as EC2Client;

    await expect(ec2ApiOver(client).authorizeSecurityGroupIngress({ GroupId: 'sg-1' })).rejects.toMatchObject({
      code: 'JIT_AWS_RULE_DUPLICATE',
      exitCode: 1,
    });
  });
});
