/**
 * Management locks as jit reads them (src/clouds/azure/locks.ts): which levels block it, how a lock's
 * scope is named, and that a malformed entry (cloud metadata someone else wrote) is never trusted.
 */
import { describe, expect, it } from 'vitest';
import { blockingLocks, describeScope } from '../../../src/clouds/azure/locks.js';

const RG = '/subscriptions/s1/resourceGroups/rg-net';
const lockId = (scope: string, name: string) => `${scope}/providers/Microsoft.Authorization/locks/${name}`;

describe('blockingLocks', () => {
  it('keeps CanNotDelete and ReadOnly (any casing), with the scope taken from the id', () => {
    expect(
      blockingLocks([
        { id: lockId(RG, 'keep'), name: 'keep', properties: { level: 'CanNotDelete', notes: 'platform' } },
        { id: lockId('/subscriptions/s1', 'ro'), name: 'ro', properties: { level: 'readonly' } },
      ]),
    ).toEqual([
      { name: 'keep', level: 'CanNotDelete', scope: RG, notes: 'platform' },
      { name: 'ro', level: 'ReadOnly', scope: '/subscriptions/s1' },
    ]);
  });

  it('leaves out NotSpecified, unknown levels and entries without an id', () => {
    expect(
      blockingLocks([
        { id: lockId(RG, 'a'), name: 'a', properties: { level: 'NotSpecified' } },
        { id: lockId(RG, 'b'), name: 'b', properties: { level: 'Everything' } },
        { name: 'c', properties: { level: 'CanNotDelete' } },
        { id: 42, properties: { level: 'ReadOnly' } },
      ]),
    ).toEqual([]);
  });

  it('names a lock without a name from its id, and bounds what it shows', () => {
    const [lock] = blockingLocks([{ id: lockId(RG, 'from-id'), properties: { level: 'CanNotDelete', notes: 'n'.repeat(2000) } }]);
    expect(lock).toMatchObject({ name: 'from-id' });
    expect(lock?.notes).toHaveLength(512);
  });
});

describe('describeScope', () => {
  it.each([
    ['/subscriptions/s1', 'subscription s1'],
    [RG, 'resource group rg-net'],
    [`${RG}/providers/Microsoft.Network/networkSecurityGroups/vm01-nsg`, 'network security group vm01-nsg'],
    [`${RG}/providers/Microsoft.Network/virtualNetworks/vnet`, 'Microsoft.Network/virtualNetworks vnet'],
  ])('%s → %s', (scope, words) => {
    expect(describeScope(scope)).toBe(words);
  });
});
