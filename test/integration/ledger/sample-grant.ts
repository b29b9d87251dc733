import type { GrantRecord } from '../../../src/core/ports.js';

/** A grant as the request use case writes it; `overrides` changes what a test is about. */
export function sampleGrant(id: string, overrides: Partial<GrantRecord> = {}): GrantRecord {
  return {
    id,
    cloud: 'azure',
    target: {
      id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm01',
      name: 'vm01',
    },
    scope: { subscription: '00000000-0000-0000-0000-000000000000' },
    ports: [{ from: 22, to: 22, protocol: 'tcp' }],
    source: '203.0.113.7/32',
    requester: 'alice@example.com',
    createdAt: '2030-01-01T00:00:00.000Z',
    expiresAt: '2030-01-01T01:00:00.000Z',
    state: 'pending',
    rules: [{ nsg: 'nsg-vm01', name: `jit-allow-vm01-${id}` }],
    ...overrides,
  };
}
