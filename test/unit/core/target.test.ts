import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import { parseCloud, parseTarget } from '../../../src/core/target.js';

const VM_ID =
  '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod/providers/Microsoft.Compute/virtualMachines/vm01';

describe('parseTarget', () => {
  it.each([
    ['i-0123456789abcdef0', undefined, 'aws'],
    ['i-0123abcd', undefined, 'aws'],
    [VM_ID, undefined, 'azure'],
    [VM_ID.toLowerCase(), undefined, 'azure'],
    ['vm01', 'azure', 'azure'],
    ['web-01.prod', 'aws', 'aws'],
    ['i-0123abcd', 'azure', 'azure'], // an explicit --cloud wins over the form
  ] as const)('%s (cloud %s) → %s', (ref, cloud, expected) => {
    expect(parseTarget(ref, cloud)).toEqual({ cloud: expected, ref });
  });

  it.each([
    ['i-3215ab9f3432bebbd', 'azure', 'aws'], // the form beats a configured default
    [VM_ID, 'aws', 'azure'],
    ['vm01', 'aws', 'aws'], // a bare name takes the default
  ] as const)('%s (default %s) → %s', (ref, fallback, expected) => {
    expect(parseTarget(ref, undefined, fallback)).toEqual({ cloud: expected, ref });
  });

  it.each([
    ['vm01', undefined, 'JIT_CLOUD_UNKNOWN'],
    ['/subscriptions/x', 'azure', 'JIT_INVALID_TARGET'],
    ['vm 01', 'azure', 'JIT_INVALID_TARGET'],
    ['-vm', 'azure', 'JIT_INVALID_TARGET'],
    ['a'.repeat(65), 'azure', 'JIT_INVALID_TARGET'],
    ['i-0123', undefined, 'JIT_CLOUD_UNKNOWN'],
  ] as const)('refuses %s (cloud %s) with %s', (ref, cloud, code) => {
    try {
      parseTarget(ref, cloud);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).code).toBe(code);
    }
  });
});

describe('parseCloud', () => {
  it.each([
    ['azure', 'azure'],
    ['AWS', 'aws'],
  ])('%s → %s', (input, cloud) => {
    expect(parseCloud(input, '--cloud')).toBe(cloud);
  });
  it('refuses gcp naming the flag', () => {
    expect(() => parseCloud('gcp', '--cloud')).toThrow('--cloud "gcp" is not a cloud: use azure or aws.');
  });
});
