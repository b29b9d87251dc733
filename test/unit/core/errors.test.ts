import { describe, expect, it } from 'vitest';
import {
  AuthError,
  exitCodeOf,
  JitError,
  PolicyError,
  ProviderError,
  UserError,
} from '../../../src/core/errors.js';

describe('error hierarchy', () => {
  it.each([
    [new UserError('JIT_USAGE', 'm'), 2],
    [new PolicyError('JIT_POLICY_PORT_NOT_ALLOWED', 'm'), 3],
    [new ProviderError('JIT_UNEXPECTED', 'm'), 1],
    [new AuthError('JIT_AWS_UNAUTHORIZED', 'm'), 4],
    [new Error('plain'), 1],
    ['a string', 1],
  ])('%o exits %i', (error, code) => {
    expect(exitCodeOf(error)).toBe(code);
  });

  it('keeps code, hint, details and cause', () => {
    const cause = new Error('root');
    const error = new PolicyError('JIT_POLICY_PORT_NOT_ALLOWED', 'no', {
      hint: 'h',
      cause,
      details: { a: 1 },
    });
    expect(error).toBeInstanceOf(JitError);
    expect(error.name).toBe('PolicyError');
    expect(error.code).toBe('JIT_POLICY_PORT_NOT_ALLOWED');
    expect(error.hint).toBe('h');
    expect(error.cause).toBe(cause);
    expect(error.details).toEqual({ a: 1 });
  });
});
