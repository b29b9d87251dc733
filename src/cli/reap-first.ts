/**
 * Before a command runs, revoke the caller's grants that are past due (docs/expiry.md), so a scheduler
 * that died is repaired by the next use. Bounded, and never fatal: the command carries on, with a
 * note for each grant revoked and a warning for each that could not be; what is left is handed to a
 * scheduler, started if none runs.
 */
import { loadProvider } from '../clouds/registry.js';
import { configDir } from '../config/paths.js';
import { closeRecordedInCloud } from '../core/lifecycle.js';
import { providerCache } from '../scheduler/providers.js';
import { printable } from '../core/printable.js';
import { openLedger } from '../scheduler/ledger.js';
import { reapOverdue } from '../scheduler/reap.js';
import type { Io } from './io.js';

export async function reapFirst(io: Io): Promise<void> {
  // The names and errors quoted here come from the ledger and the cloud: printable, as everywhere.
  const say = (text: string) => io.stderr.write(`${printable(text)}\n`);
  try {
    const providerFor = providerCache(loadProvider, io.env);
    const result = await reapOverdue({
      ledger: openLedger(configDir(io.env)),
      clock: { now: () => new Date() },
      close: async (grant) => closeRecordedInCloud(await providerFor(grant), grant),
    });
    for (const g of result.reaped) say(`note: revoked overdue grant ${g.id} on ${g.target.name} (expired ${g.expiresAt})`);
    for (const f of result.failed) say(`warning: could not revoke overdue grant ${f.grant.id} on ${f.grant.target.name}: ${f.error}`);
    for (const g of result.unfinished) say(`warning: still revoking overdue grant ${g.id} on ${g.target.name}; carrying on`);
    // What the reaper could not finish in its budget (or could not close) is left to a scheduler:
    // the one that died is replaced now, not at the next request.
    if (result.failed.length > 0 || result.unfinished.length > 0) {
      const { ensureScheduler } = await import('../scheduler/spawn.js');
      await ensureScheduler(configDir(io.env), io.env as NodeJS.ProcessEnv);
    }
  } catch (error) {
    say(`warning: could not check for overdue grants: ${error instanceof Error ? error.message : String(error)}`);
  }
}
