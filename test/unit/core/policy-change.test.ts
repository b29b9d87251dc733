import { describe, expect, it } from 'vitest';
import { buildPolicy, decodePolicy } from '../../../src/core/policy.js';
import { policyChanges } from '../../../src/core/policy-change.js';

const weakened = (from: string, to: string) =>
  policyChanges(decodePolicy(from), decodePolicy(to)).filter((l) => l.weakens).map((l) => l.what);

describe('policyChanges', () => {
  it.each([
    ['v1;p=22/tcp;d=3h;j=1', 'v1;p=22/tcp,3389/tcp;d=1h', ['ports', 'justification']],
    ['v1;p=22/tcp;d=1h', 'v1;p=22/tcp;d=3h', ['longest request']],
    ['v1;p=22/tcp;d=1h;s=10.0.0.0/8', 'v1;p=22/tcp;d=1h;s=0.0.0.0/0', ['sources']],
    ['v1;p=22/tcp;d=1h;s=10.0.0.0/8', 'v1;p=22/tcp;d=1h', ['sources']],
    ['v1;p=22/tcp;d=1h', 'v1;p=22/tcp;d=1h;s=10.0.0.0/8', ['sources']],
    ['v1;p=1000-2000/tcp;d=1h', 'v1;p=1500/tcp;d=1h', []],
    ['v1;p=22/tcp,3389/tcp;d=3h', 'v1;p=22/tcp;d=1h;j=1', []],
    ['v1;p=22/tcp;d=1h;s=10.0.0.0/8', 'v1;p=22/tcp;d=1h;s=10.1.0.0/16', []],
    ['v1;p=22/tcp;d=1h', 'v1;p=22/tcp;d=1h;s=81.2.69.0/24', []],
  ])('%s → %s weakens %j', (from, to, expected) => {
    expect(weakened(from, to)).toEqual(expected);
  });

  it('an equal policy has no changes', () => {
    const policy = buildPolicy({ ports: [{ from: 22, to: 22, protocol: 'tcp' }] });
    expect(policyChanges(policy, policy)).toEqual([]);
  });
});
