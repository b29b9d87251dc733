/** The ledger writes the use cases share: insert or replace a grant, and change one grant's state. */
import type { GrantRecord, GrantStore } from '../ports.js';

export function putGrant(ledger: GrantStore, record: GrantRecord): Promise<void> {
  return ledger.transact((grants) => ({
    grants: [...grants.filter((g) => g.id !== record.id), record],
    result: undefined,
  }));
}

/** Applies `change` to the grant with `id` if the ledger has it; a grant made elsewhere is not added. */
export function updateGrant(ledger: GrantStore, id: string, change: Partial<GrantRecord>): Promise<boolean> {
  return ledger.transact((grants) => {
    const found = grants.some((g) => g.id === id);
    return { grants: grants.map((g) => (g.id === id ? { ...g, ...change } : g)), result: found };
  });
}
