/**
 * Before a command runs, revoke the caller's grants that are past due (docs/expiry.md), so a scheduler
 * that died is repaired by the next use. Bounded, and never fatal: the command carries on, with a
 * note for each grant revoked and a warning for each that could not be; the reaper hands what is
 * left to a scheduler (scheduler/reap.ts).
 */
import { printable } from '../core/printable.js';
import { reapOverdue } from '../scheduler/reap.js';
import type { NoteCode, WarningCode } from '../core/codes.js';
import type { AppContext } from './app-context.js';

/** What is said here also goes to the run's notices, for the command's --json document (docs/json.md). */
export async function reapFirst(ctx: AppContext): Promise<void> {
  const { notices } = ctx.run;
  // The names and errors quoted here come from the ledger and the cloud: printable, as everywhere.
  const write = (text: string) => ctx.io.stderr.write(`${printable(text)}\n`);
  const note = (code: NoteCode, message: string) => {
    notices.notes.push({ code, message });
    write(`note: ${message}`);
  };
  const warn = (code: WarningCode, message: string) => {
    notices.warnings.push({ code, message });
    write(`warning: ${message}`);
  };
  try {
    const { ledger, clock, closeRecorded: close, scheduler } = ctx;
    const result = await reapOverdue({ ledger, clock, close, scheduler });
    for (const g of result.reaped) note('JIT_GRANT_REAPED', `revoked overdue grant ${g.id} on ${g.target.name} (expired ${g.expiresAt})`);
    for (const f of result.failed) warn('JIT_REAP_FAILED', `could not revoke overdue grant ${f.grant.id} on ${f.grant.target.name}: ${f.error}`);
    for (const g of result.unfinished) warn('JIT_REAP_UNFINISHED', `still revoking overdue grant ${g.id} on ${g.target.name}; carrying on`);
    if (result.schedulerError !== undefined) throw new Error(result.schedulerError);
  } catch (error) {
    warn('JIT_REAP_UNCHECKED', `could not check for overdue grants: ${error instanceof Error ? error.message : String(error)}`);
  }
}
