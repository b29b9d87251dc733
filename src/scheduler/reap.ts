/**
 * Reaping: before a command runs, revoke the caller's own grants that are past due (or whose write
 * failed), so a dead scheduler is repaired by the next use. Bounded: after `budgetMs` the command carries on
 * and what is left is handed to a scheduler, started if none runs (docs/expiry.md).
 */
import { dueAt, isOpen, markRevoked } from '../core/lifecycle.js';
import type { Clock, GrantRecord, GrantStore, SchedulerHandle } from '../core/ports.js';

export interface ReapResult {
  reaped: GrantRecord[];
  failed: { grant: GrantRecord; error: string }[];
  /** Grants still being closed when the budget ran out. */
  unfinished: GrantRecord[];
  /** Why the scheduler that should take over the rest could not be started. */
  schedulerError?: string;
}

export async function reapOverdue(
  deps: {
    ledger: GrantStore;
    clock: Clock;
    close: (grant: GrantRecord) => Promise<void>;
    /** Absent: nothing to hand the rest to (the scheduler reaps its own ledger). */
    scheduler?: SchedulerHandle;
  },
  budgetMs = 5_000,
): Promise<ReapResult> {
  const now = deps.clock.now().getTime();
  const overdue = (await deps.ledger.list()).filter((g) => isOpen(g) && dueAt(g) <= now);
  const result: ReapResult = { reaped: [], failed: [], unfinished: [] };
  if (overdue.length === 0) return result;
  const settled = new Set<string>();
  const work = Promise.all(
    overdue.map(async (grant) => {
      try {
        await deps.close(grant);
        await markRevoked(deps.ledger, grant);
        result.reaped.push(grant);
      } catch (error) {
        result.failed.push({ grant, error: error instanceof Error ? error.message : String(error) });
      } finally {
        settled.add(grant.id);
      }
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, budgetMs)))]);
  clearTimeout(timer);
  result.unfinished = overdue.filter((g) => !settled.has(g.id));
  // What could not be closed in the budget is left to a scheduler: one that died is replaced now,
  // not at the next request.
  if (result.failed.length > 0 || result.unfinished.length > 0) {
    await deps.scheduler?.ensure().catch((error: unknown) => {
      result.schedulerError = error instanceof Error ? error.message : String(error);
    });
  }
  return result;
}
