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
import type { NoteCode, WarningCode } from '../core/codes.js';
import type { Io } from './io.js';
import type { RunNotices } from './run.js';

/** `notices` collects what is said here for the command's --json document (docs/json.md). */
export async function reapFirst(io: Io, notices: RunNotices): Promise<void> {
  // The names and errors quoted here come from the ledger and the cloud: printable, as everywhere.
  const write = (text: string) => io.stderr.write(`${printable(text)}\n`);
  const note = (code: NoteCode, message: string) => {
    notices.notes.push({ code, message });
    write(`note: ${message}`);
  };
  const warn = (code: WarningCode, message: string) => {
    notices.warnings.push({ code, message });
    write(`warning: ${message}`);
  };
  try {
    const providerFor = providerCache(loadProvider, io.env);
    const result = await reapOverdue({
      ledger: openLedger(configDir(io.env)),
      clock: { now: () => new Date() },
      close: async (grant) => closeRecordedInCloud(await providerFor(grant), grant),
    });
    for (const g of result.reaped) note('JIT_GRANT_REAPED', `revoked overdue grant ${g.id} on ${g.target.name} (expired ${g.expiresAt})`);
    for (const f of result.failed) warn('JIT_REAP_FAILED', `could not revoke overdue grant ${f.grant.id} on ${f.grant.target.name}: ${f.error}`);
    for (const g of result.unfinished) warn('JIT_REAP_UNFINISHED', `still revoking overdue grant ${g.id} on ${g.target.name}; carrying on`);
    // What the reaper could not finish in its budget (or could not close) is left to a scheduler:
    // the one that died is replaced now, not at the next request.
    if (result.failed.length > 0 || result.unfinished.length > 0) {
      const { ensureScheduler } = await import('../scheduler/spawn.js');
      await ensureScheduler(configDir(io.env), io.env as NodeJS.ProcessEnv);
    }
  } catch (error) {
    warn('JIT_REAP_UNCHECKED', `could not check for overdue grants: ${error instanceof Error ? error.message : String(error)}`);
  }
}
