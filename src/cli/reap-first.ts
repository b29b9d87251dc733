/**
 * Before a command runs, revoke the caller's grants that are past due (docs/expiry.md), so a scheduler
 * that died is repaired by the next use. Bounded, and never fatal: the command carries on, with a
 * note for each grant revoked and a warning for each that could not be; the reaper hands what is
 * left to a scheduler (scheduler/reap.ts).
 */
import { printable } from '../core/printable.js';
import { reapOverdue } from '../scheduler/reap.js';
import type { AppContext } from './app-context.js';

export async function reapFirst(ctx: AppContext): Promise<void> {
  // The names and errors quoted here come from the ledger and the cloud: printable, as everywhere.
  const say = (text: string) => ctx.io.stderr.write(`${printable(text)}\n`);
  try {
    const { ledger, clock, closeRecorded: close, scheduler } = ctx;
    const result = await reapOverdue({ ledger, clock, close, scheduler });
    for (const g of result.reaped) say(`note: revoked overdue grant ${g.id} on ${g.target.name} (expired ${g.expiresAt})`);
    for (const f of result.failed) say(`warning: could not revoke overdue grant ${f.grant.id} on ${f.grant.target.name}: ${f.error}`);
    for (const g of result.unfinished) say(`warning: still revoking overdue grant ${g.id} on ${g.target.name}; carrying on`);
    if (result.schedulerError !== undefined) throw new Error(result.schedulerError);
  } catch (error) {
    say(`warning: could not check for overdue grants: ${error instanceof Error ? error.message : String(error)}`);
  }
}
