/**
 * The lifecycle's closeGrants: with a provider that closes in bulk, each grant's own outcome is
 * reported (one failure keeps only its grant open), the ledger marks every closed grant revoked in
 * one write, and progress counts rules removed; a dry run writes and reports nothing.
 */
import { describe, expect, it } from 'vitest';
import { closeGrants } from '../../../src/core/lifecycle.js';
import type { CloseGrantsOptions, CloudGrant, CloudProvider, GrantRecord, GrantStore } from '../../../src/core/ports.js';

function grant(id: string, rules: number): CloudGrant {
  return {
    grantId: id,
    target: { id: 'i-1', name: 'vm01' },
    scope: {},
    source: '198.51.100.7/32',
    ports: [{ from: 22, to: 22, protocol: 'tcp' }],
    expiresAt: '2026-01-01T00:00:00.000Z',
    requester: 'alice',
    rules: Array.from({ length: rules }, (_, i) => ({ rule: i })),
  };
}

function record(id: string): GrantRecord {
  const g = grant(id, 1);
  return { ...g, id, cloud: 'aws', createdAt: g.expiresAt, state: 'active' };
}

function ledgerOf(records: GrantRecord[]): GrantStore & { writes: number; records: GrantRecord[] } {
  const store = {
    writes: 0,
    records,
    list: async () => store.records,
    get: async (id: string) => store.records.find((r) => r.id === id),
    transact: async <T>(fn: (g: GrantRecord[]) => { grants: GrantRecord[]; result: T }) => {
      store.writes++;
      const next = fn(store.records);
      store.records = next.grants;
      return next.result;
    },
  };
  return store;
}

function bulkProvider(failing: string): CloudProvider & { calls: CloseGrantsOptions[] } {
  const calls: CloseGrantsOptions[] = [];
  return {
    calls,
    closeGrant: () => Promise.reject(new Error('closeGrant must not be called when closeGrants exists')),
    closeGrants: async (grants: CloudGrant[], options: CloseGrantsOptions) => {
      calls.push(options);
      const total = grants.reduce((n, g) => n + g.rules.length, 0);
      let removed = 0;
      return grants.map((g) => {
        if (g.grantId === failing) return { grant: g, error: new Error('throttled') };
        removed += g.rules.length;
        options.progress?.(removed, total);
        return { grant: g, report: { changes: [], applied: !options.dryRun, notes: [] } };
      });
    },
  } as unknown as CloudProvider & { calls: CloseGrantsOptions[] };
}

describe('closeGrants with a bulk provider', () => {
  it('reports each grant, marks the closed ones revoked in one ledger write, and counts rules removed', async () => {
    const ledger = ledgerOf([record('aaaaaaaa'), record('bbbbbbbb'), record('cccccccc')]);
    const provider = bulkProvider('bbbbbbbb');
    const steps: string[] = [];
    const progress = { step: (m: string) => steps.push(m), warn: () => undefined };
    const grants = [grant('aaaaaaaa', 2), grant('bbbbbbbb', 1), grant('cccccccc', 3)];
    const { closed, failed } = await closeGrants(grants, false, { provider, ledger, progress });
    expect(closed.map((c) => c.grant.grantId)).toEqual(['aaaaaaaa', 'cccccccc']);
    expect(failed.map((f) => [f.grant.grantId, (f.error as Error).message])).toEqual([['bbbbbbbb', 'throttled']]);
    expect(ledger.writes).toBe(1);
    expect(ledger.records.map((r) => [r.id, r.state])).toEqual([
      ['aaaaaaaa', 'revoked'],
      ['bbbbbbbb', 'active'],
      ['cccccccc', 'revoked'],
    ]);
    expect(steps).toEqual(['2/6 rules removed…', '5/6 rules removed…']);
  });

  it('a dry run writes no ledger and shows no removal progress', async () => {
    const ledger = ledgerOf([record('aaaaaaaa')]);
    const provider = bulkProvider('');
    const steps: string[] = [];
    const progress = { step: (m: string) => steps.push(m), warn: () => undefined };
    const { closed } = await closeGrants([grant('aaaaaaaa', 1)], true, { provider, ledger, progress });
    expect(closed).toHaveLength(1);
    expect(provider.calls).toEqual([{ dryRun: true }]);
    expect(ledger.writes).toBe(0);
    expect(steps).toEqual([]);
  });
});
