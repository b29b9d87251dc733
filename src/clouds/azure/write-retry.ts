/**
 * The one retry policy of every ARM write jit makes: a rule PUT or DELETE, an NSG edit (a set of them
 * planned from one read) and the policy tag. A write that lost a race with another writer is worth a
 * fresh read and another try; anything else is not.
 *
 * What counts as a lost race (errors.ts `isRetryableWrite`): 400 SecurityRuleConflict (a priority taken
 * meanwhile), 409 AnotherOperationInProgress / 429 RetryableError (another write to the same NSG), 412
 * (an If-Match that lost), and an operation that ended `Canceled`: Azure cancels the earlier of two
 * writes to one NSG (CanceledAndSupersededDueToAnotherOperation, Azure/azure-cli#21156) and core-lro
 * then throws a bare `Error("Operation was canceled")`. The SDK retries none of these itself (only 408,
 * 5xx, and 429 with a retry header). A management lock (409 ScopeLocked) is never retried: it does not
 * go away by waiting.
 *
 * Attempts are bounded (MAX_ATTEMPTS) with jittered exponential backoff, never shorter than what ARM
 * asked for in retry-after-ms / Retry-After (capped at 30 s).
 */
import { isRetryableWrite, retryAfterMsOf } from './errors.js';

export const MAX_ATTEMPTS = 8;
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 3_000;
const RETRY_AFTER_CAP_MS = 30_000;

/** Sleep and randomness of the retries (tests make them instant and deterministic). */
export interface EditRuntime {
  sleep(ms: number): Promise<void>;
  random(): number;
}

export const realRuntime: EditRuntime = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

export function backoffMs(attempt: number, random: () => number, retryAfterMs?: number): number {
  const jitter = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt) * random();
  return Math.max(jitter, Math.min(retryAfterMs ?? 0, RETRY_AFTER_CAP_MS));
}

/**
 * Runs `write(attempt)` until it succeeds, fails with something other than a lost race, or has been
 * tried MAX_ATTEMPTS times. `attempt` is 0 the first time: a write that planned from a read re-reads
 * when it is not.
 */
export async function retryWrite<T>(runtime: EditRuntime, write: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write(attempt);
    } catch (error) {
      if (!isRetryableWrite(error) || attempt + 1 >= MAX_ATTEMPTS) throw error;
      await runtime.sleep(backoffMs(attempt, runtime.random, retryAfterMsOf(error)));
    }
  }
}
