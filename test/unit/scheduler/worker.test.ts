/** The scheduler's loop and the reaper, with a fake clock and the real ledger on disk. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GrantRecord, GrantStore } from '../../../src/core/ports.js';
import { openLedger } from '../../../src/scheduler/ledger.js';
import { reapOverdue } from '../../../src/scheduler/reap.js';
import { runScheduler } from '../../../src/scheduler/worker.js';

const T0 = Date.parse('2026-11-21T10:00:00Z');
let dir: string;
let ledger: GrantStore;
let now: number;
const clock = { now: () => new Date(now) };

function grant(id: string, expiresInS: number, state: GrantRecord['state'] = 'active'): GrantRecord {
  return {
    id,
    cloud: 'azure',
    target: { id: '/vm/vm01', name: 'vm01' },
    scope: { subscription: 'sub' },
    ports: [{ from: 22, to: 22, protocol: 'tcp' }],
    source: '8.8.4.4/32',
    requester: 'alice@example.com',
    createdAt: new Date(T0).toISOString(),
    expiresAt: new Date(T0 + expiresInS * 1000).toISOString(),
    state,
    rules: [`rule-${id}`],
  };
}

async function seed(...grants: GrantRecord[]) {
  await ledger.transact(() => ({ grants, result: undefined }));
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'jit-sched-'));
  ledger = openLedger(dir);
  now = T0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('runScheduler', () => {
  it('sleeps until each expiry, revokes then, and stops when nothing is open', async () => {
    await seed(grant('aaaaaaaa', 5), grant('bbbbbbbb', 12), grant('cccccccc', 1, 'failed'), grant('dddddddd', -1, 'revoked'));
    const closedAt: string[] = [];
    const sleeps: number[] = [];
    const revoked = await runScheduler(
      {
        ledger,
        clock,
        close: async (g) => void closedAt.push(`${g.id}@${(now - T0) / 1000}`),
        sleep: async (ms) => {
          sleeps.push(ms);
          now += ms;
        },
        log: () => {},
      },
      { maxSleepMs: 10_000 },
    );
    // A failed write may have left rules: it is closed at once, by its grant id.
    expect(revoked).toBe(3);
    expect(closedAt).toEqual(['cccccccc@0', 'aaaaaaaa@5', 'bbbbbbbb@12']);
    expect(sleeps).toEqual([5000, 7000]);
    expect((await ledger.list()).map((g) => `${g.id}:${g.state}`)).toEqual([
      'aaaaaaaa:revoked',
      'bbbbbbbb:revoked',
      'cccccccc:revoked',
      'dddddddd:revoked',
    ]);
  });

  it('readies the cloud for each open grant once, when it learns of it, before anything is due', async () => {
    await seed(grant('aaaaaaaa', 5), grant('bbbbbbbb', 12), grant('dddddddd', -1, 'revoked'));
    const events: string[] = [];
    await runScheduler(
      {
        ledger,
        clock,
        prepare: (g) => void events.push(`prepare ${g.id}@${(now - T0) / 1000}`),
        close: async (g) => void events.push(`close ${g.id}@${(now - T0) / 1000}`),
        sleep: async (ms) => {
          now += ms;
        },
        log: () => {},
      },
      { maxSleepMs: 2_000 },
    );
    // Re-read every 2 s, yet each grant is readied once; a revoked grant needs nothing.
    expect(events).toEqual([
      'prepare aaaaaaaa@0',
      'prepare bbbbbbbb@0',
      'close aaaaaaaa@5',
      'close bbbbbbbb@12',
    ]);
  });

  it('starts closing a grant that falls due while another close is still running', async () => {
    await seed(grant('aaaaaaaa', 1), grant('bbbbbbbb', 2));
    const started: string[] = [];
    let finishA: () => void = () => {};
    const run = runScheduler({
      ledger,
      clock,
      close: (g) => {
        started.push(`${g.id}@${(now - T0) / 1000}`);
        // a's close hangs (an Azure DELETE awaited to completion) until b's has started
        return g.id === 'aaaaaaaa' ? new Promise<void>((resolve) => (finishA = resolve)) : Promise.resolve();
      },
      sleep: async (ms) => {
        now += ms;
      },
      log: () => {},
    });
    await vi.waitFor(() => expect(started).toEqual(['aaaaaaaa@1', 'bbbbbbbb@2']));
    finishA();
    expect(await run).toBe(2);
    expect((await ledger.list()).map((g) => g.state)).toEqual(['revoked', 'revoked']);
  });

  it('never sleeps longer than maxSleepMs, so a clock jump is noticed', async () => {
    await seed(grant('aaaaaaaa', 3600));
    const sleeps: number[] = [];
    await runScheduler(
      {
        ledger,
        clock,
        close: async () => {},
        sleep: async (ms) => {
          sleeps.push(ms);
          now += sleeps.length === 2 ? 3_600_000 : ms; // the laptop slept through the second nap
        },
        log: () => {},
      },
      { maxSleepMs: 10_000 },
    );
    expect(sleeps).toEqual([10_000, 10_000]);
  });

  it('retries a failing revoke with backoff and records the error', async () => {
    await seed(grant('aaaaaaaa', 0));
    let calls = 0;
    const sleeps: number[] = [];
    const lines: string[] = [];
    await runScheduler(
      {
        ledger,
        clock,
        close: async () => {
          calls += 1;
          if (calls < 3) {
            const during = (await ledger.list())[0];
            expect(during?.state).toBe('active');
            throw new Error(`throttled ${calls}`);
          }
        },
        sleep: async (ms) => {
          sleeps.push(ms);
          now += ms;
        },
        log: (line) => lines.push(line),
      },
      { retryBaseMs: 1000 },
    );
    expect(calls).toBe(3);
    expect(sleeps).toEqual([1000, 2000]);
    expect(lines.filter((l) => l.startsWith('failed'))).toHaveLength(2);
    expect(lines.at(-1)).toMatch(/^revoked aaaaaaaa on vm01/);
    expect(await ledger.list()).toMatchObject([{ state: 'revoked', lastError: 'throttled 2' }]);
  });

  it('leaves a grant that was extended while it was being closed to the newer request', async () => {
    await seed(grant('aaaaaaaa', 0));
    let once = true;
    await runScheduler({
      ledger,
      clock,
      close: async (g) => {
        if (once) {
          once = false;
          await ledger.transact((grants) => ({
            grants: grants.map((x) => (x.id === g.id ? { ...x, expiresAt: new Date(T0 + 60_000).toISOString() } : x)),
            result: undefined,
          }));
        }
      },
      sleep: async (ms) => {
        now += ms;
      },
      log: () => {},
    });
    // Not marked revoked at the first expiry; revoked at the extended one.
    expect(now).toBe(T0 + 60_000);
    expect((await ledger.list())[0]?.state).toBe('revoked');
  });
});

describe('runScheduler with a ledger that is briefly unreadable', () => {
  /** A ledger whose reads fail (or find no file) while `broken` says so; writes go through. */
  function flaky(mode: 'throws' | 'missing') {
    let broken = false;
    const store: GrantStore = {
      ...ledger,
      list: async () => {
        if (!broken) return ledger.list();
        if (mode === 'missing') return [];
        throw new Error('The grant ledger is not valid JSON (Unexpected end of JSON input).');
      },
      get: ledger.get,
      transact: (fn) => (broken && mode === 'throws' ? Promise.reject(new Error('unreadable')) : ledger.transact(fn)),
    };
    return { store, breakIt: () => (broken = true), mend: () => (broken = false) };
  }

  it.each(['throws', 'missing'] as const)('keeps closing the grants it knows when a read %s, and never exits early', async (mode) => {
    await seed(grant('aaaaaaaa', 5), grant('bbbbbbbb', 20));
    const { store, breakIt, mend } = flaky(mode);
    const closedAt: string[] = [];
    const lines: string[] = [];
    let reads = 0;
    const revoked = await runScheduler({
      ledger: store,
      clock,
      close: async (g) => void closedAt.push(`${g.id}@${(now - T0) / 1000}`),
      sleep: async (ms) => {
        now += ms;
        reads += 1;
        if (reads === 1) breakIt(); // an editor truncates the file just after the first read
        if (now - T0 >= 15_000) mend(); // and writes it back later
      },
      log: (line) => lines.push(line),
    }, { rereadMs: 250 });
    expect(revoked).toBe(2);
    expect(closedAt).toEqual(['aaaaaaaa@5', 'bbbbbbbb@20']);
    expect(lines.join('\n')).not.toMatch(/exiting/);
    expect((await ledger.list()).map((g) => g.state)).toEqual(['revoked', 'revoked']);
  });

  it('asks the cloud for the user\'s other grants while the ledger stays unreadable', async () => {
    await seed(grant('aaaaaaaa', 30));
    const { store, breakIt } = flaky('throws');
    const closed: string[] = [];
    let first = true;
    const revoked = await runScheduler({
      ledger: store,
      clock,
      close: async (g) => void closed.push(`${g.id}@${(now - T0) / 1000}`),
      sleep: async (ms) => {
        if (first) breakIt();
        first = false;
        now += ms;
      },
      log: () => {},
      // A grant the loop never read in the ledger: its rules are found from the cloud's metadata.
      fallback: async (known) => (known.length > 0 ? [grant('eeeeeeee', 12)] : []),
    }, { rereadMs: 1000, fallbackAfterMs: 5000, maxSleepMs: 10_000 });
    // Unreadable from 10 s; asked at 15 s, the cloud shows a grant due at 12 s: closed at once.
    expect(revoked).toBe(2);
    expect(closed).toEqual(['eeeeeeee@15', 'aaaaaaaa@30']);
  });

  it('leaves when another scheduler has taken the lock over', async () => {
    await seed(grant('aaaaaaaa', 5));
    const closed: string[] = [];
    const revoked = await runScheduler({
      ledger,
      clock,
      close: async (g) => void closed.push(g.id),
      sleep: async (ms) => void (now += ms),
      log: () => {},
      stillHolder: async () => false,
    });
    expect([revoked, closed]).toEqual([0, []]);
  });
});

describe('reapOverdue', () => {
  it('closes overdue grants and failed writes, and reports them', async () => {
    await seed(grant('aaaaaaaa', -5), grant('bbbbbbbb', 60), grant('cccccccc', 60, 'failed'), grant('dddddddd', -5, 'revoked'));
    const closed: string[] = [];
    const result = await reapOverdue({ ledger, clock, close: async (g) => void closed.push(g.id) });
    expect(closed).toEqual(['aaaaaaaa', 'cccccccc']);
    expect(result.reaped.map((g) => g.id)).toEqual(['aaaaaaaa', 'cccccccc']);
    expect((await ledger.list()).map((g) => g.state)).toEqual(['revoked', 'active', 'revoked', 'revoked']);
  });

  it('does nothing, and loads nothing, when no grant is overdue', async () => {
    await seed(grant('aaaaaaaa', 60));
    const result = await reapOverdue({
      ledger,
      clock,
      close: async () => {
        throw new Error('must not be called');
      },
    });
    expect(result).toEqual({ reaped: [], failed: [], unfinished: [] });
  });

  it('carries on after its budget, reporting what is unfinished, and reports failures', async () => {
    await seed(grant('aaaaaaaa', -5), grant('bbbbbbbb', -5));
    const result = await reapOverdue(
      {
        ledger,
        clock,
        close: (g) => (g.id === 'aaaaaaaa' ? new Promise(() => {}) : Promise.reject(new Error('denied'))),
      },
      50,
    );
    expect(result.unfinished.map((g) => g.id)).toEqual(['aaaaaaaa']);
    expect(result.failed).toMatchObject([{ grant: { id: 'bbbbbbbb' }, error: 'denied' }]);
    expect((await ledger.list()).map((g) => g.state)).toEqual(['active', 'active']);
  });
});
