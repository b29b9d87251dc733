/**
 * The expiry loop: sleep until the next expiry, revoke what is due, retry failures with backoff,
 * re-read the ledger whenever another jit process changes it, re-check the wall clock on every
 * wake (a laptop that slept, a clock that jumped), stop when nothing is open.
 *
 * The ledger is read often and may be unreadable for a moment (an editor saving it in place, a file
 * moved away and back). The loop never forgets an open grant it has seen: a grant missing from a
 * read, or every grant when the read fails, stays scheduled from the copy in memory until it is
 * closed or the ledger shows it closed. While the ledger stays unreadable, `fallback` (when given)
 * lists this user's grants from the cloud's metadata in the scopes seen, and the due ones are
 * closed too. The loop never exits while a grant it knows of may be open. See docs/expiry.md.
 */
import { dueAt, isOpen, markRevoked, updateGrant } from '../core/lifecycle.js';
import type { Clock, GrantRecord, GrantStore } from '../core/ports.js';

export interface SchedulerDeps {
  ledger: GrantStore;
  clock: Clock;
  /** Removes the grant's rules from the cloud (the ledger is the loop's business). */
  close: (grant: GrantRecord) => Promise<void>;
  /** Resolves after `ms`, or earlier when the ledger changes. */
  sleep: (ms: number) => Promise<void>;
  log: (line: string) => void;
  /** Whether this process still holds the scheduler lock; another scheduler may have taken over. */
  stillHolder?: () => Promise<boolean>;
  /**
   * Called once for each open grant the loop learns of, long before it is due: readies the cloud
   * client, so a close at expiry is not slowed by loading an SDK or signing in on a busy machine.
   */
  prepare?: (grant: GrantRecord) => void;
  /** This user's grants in the cloud's metadata, in the scopes of `known` (used while the ledger is unreadable). */
  fallback?: (known: GrantRecord[]) => Promise<GrantRecord[]>;
}

export interface SchedulerOptions {
  /** Longest single sleep: bounds how late a clock jump or a missed ledger change is noticed. */
  maxSleepMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How soon an unreadable ledger is read again. */
  rereadMs?: number;
  /** How long an unreadable ledger may stay so before the cloud fallback is asked. */
  fallbackAfterMs?: number;
  /** How long a scheduler that knows of no open grant keeps reading an unreadable ledger. */
  giveUpAfterMs?: number;
}

function describe(grant: GrantRecord): string {
  return `${grant.id} on ${grant.target.name} (${grant.source}, expired ${grant.expiresAt})`;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Runs until no grant is open; returns the number of grants it revoked. */
export async function runScheduler(deps: SchedulerDeps, options: SchedulerOptions = {}): Promise<number> {
  const {
    maxSleepMs = 10_000,
    retryBaseMs = 1_000,
    retryMaxMs = 60_000,
    rereadMs = 250,
    fallbackAfterMs = 5_000,
    giveUpAfterMs = 60_000,
  } = options;
  const retries = new Map<string, { attempts: number; at: number }>();
  // Each due grant is closed on its own: one that falls due while others are being closed (an
  // Azure DELETE is awaited to completion) starts at once instead of waiting for that batch.
  const inFlight = new Set<string>();
  // Closed grants, by id and the expiry acted on: a ledger read racing a close's own update must not
  // close them twice (an extended grant has a new expiry, so it is not in here).
  const closed = new Set<string>();
  const key = (g: GrantRecord) => `${g.id}@${g.expiresAt}`;
  // Every open grant seen and not yet closed, by id: the ledger may be unreadable next time.
  const known = new Map<string, GrantRecord>();
  // Closed grants the ledger could not be told about yet (it was unreadable): told once it reads again.
  const unrecorded = new Map<string, GrantRecord>();
  let unreadableSince: number | undefined;
  let lastFallback = 0;
  let settled: () => void = () => {};
  let revoked = 0;

  const close = async (grant: GrantRecord) => {
    try {
      await deps.close(grant);
      closed.add(key(grant));
      if (known.get(grant.id)?.expiresAt === grant.expiresAt) known.delete(grant.id);
      retries.delete(grant.id);
      revoked += 1;
      deps.log(`revoked ${describe(grant)}`);
      // The rules are gone; a ledger that cannot be written now is told later.
      await markRevoked(deps.ledger, grant).catch((error: unknown) => {
        unrecorded.set(key(grant), grant);
        deps.log(`revoked ${grant.id}, but could not record it in the ledger yet: ${messageOf(error)}`);
      });
    } catch (error) {
      const attempts = (retries.get(grant.id)?.attempts ?? 0) + 1;
      const delay = Math.min(retryBaseMs * 2 ** (attempts - 1), retryMaxMs);
      retries.set(grant.id, { attempts, at: deps.clock.now().getTime() + delay });
      const message = messageOf(error);
      deps.log(`failed to revoke ${describe(grant)} (attempt ${attempts}, next in ${delay} ms): ${message}`);
      await updateGrant(deps.ledger, grant.id, { lastError: message }).catch(() => undefined);
    } finally {
      inFlight.delete(grant.id);
      settled();
    }
  };

  const learn = (grants: GrantRecord[]) => {
    for (const grant of grants) {
      if (isOpen(grant) && !closed.has(key(grant))) {
        if (!known.has(grant.id)) deps.prepare?.(grant);
        known.set(grant.id, grant);
      } else if (known.get(grant.id)?.expiresAt === grant.expiresAt || grant.state === 'revoked') known.delete(grant.id);
    }
  };

  for (;;) {
    const now = deps.clock.now().getTime();
    try {
      learn(await deps.ledger.list());
      if (unreadableSince !== undefined) deps.log('the ledger is readable again');
      unreadableSince = undefined;
      for (const [closedKey, grant] of unrecorded) {
        await markRevoked(deps.ledger, grant).then(() => unrecorded.delete(closedKey), () => undefined);
      }
    } catch (error) {
      if (unreadableSince === undefined) {
        unreadableSince = now;
        deps.log(`cannot read the ledger (${messageOf(error)}); carrying on with the ${known.size} grant(s) known`);
      }
      const fallbackDue = now - unreadableSince >= fallbackAfterMs && now - lastFallback >= maxSleepMs;
      if (deps.fallback && known.size > 0 && fallbackDue) {
        lastFallback = now;
        try {
          const found = (await deps.fallback([...known.values()]))
            .filter((g) => !known.has(g.id) && !closed.has(key(g)));
          for (const grant of found) {
            deps.prepare?.(grant);
            known.set(grant.id, grant);
          }
          if (found.length > 0) deps.log(`found ${found.length} more grant(s) of yours in the cloud's metadata`);
        } catch (fallbackError) {
          deps.log(`could not list your grants in the cloud: ${messageOf(fallbackError)}`);
        }
      }
    }
    const unreadable = unreadableSince !== undefined;
    if (known.size === 0 && inFlight.size === 0) {
      // Nothing known to be open. An unreadable ledger may still hold a grant not seen yet (an
      // editor's save half done): keep reading it for a while before leaving.
      if (!unreadable || now - (unreadableSince as number) >= giveUpAfterMs) {
        if (unreadable) deps.log('the ledger stayed unreadable and no grant is known to be open; exiting (the next jit command reaps what is due)');
        return revoked;
      }
    }
    if (deps.stillHolder && !(await deps.stillHolder())) {
      deps.log('another scheduler holds the lock; leaving the grants to it');
      while (inFlight.size > 0) await new Promise<void>((resolve) => (settled = resolve));
      return revoked;
    }
    const readyAt = (g: GrantRecord) => Math.max(dueAt(g), retries.get(g.id)?.at ?? 0);
    const waiting = [...known.values()].filter((g) => !inFlight.has(g.id));
    const aClose = new Promise<void>((resolve) => (settled = resolve));
    for (const grant of waiting.filter((g) => readyAt(g) <= now)) {
      inFlight.add(grant.id);
      void close(grant);
    }
    const later = waiting.filter((g) => readyAt(g) > now);
    const cap = unreadable ? rereadMs : maxSleepMs;
    if (later.length === 0) {
      // Only closes in flight: wait for one to end (or re-read a ledger that was unreadable).
      if (inFlight.size > 0) await (unreadable ? Promise.race([aClose, deps.sleep(cap)]) : aClose);
      else if (unreadable) await deps.sleep(cap);
      continue;
    }
    const nap = deps.sleep(Math.max(0, Math.min(Math.min(...later.map(readyAt)) - now, cap)));
    await (inFlight.size > 0 ? Promise.race([nap, aClose]) : nap);
  }
}
