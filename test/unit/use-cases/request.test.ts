/**
 * The grant lifecycle through the use cases: policy checks before any write; the ledger and the
 * scheduler before the cloud; extend on repeat, never adopt a forged expiry; -- CMD closes only what
 * it opened.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PolicyError } from '../../../src/core/errors.js';
import { buildPolicy } from '../../../src/core/policy.js';
import { parsePortSpec } from '../../../src/core/port-spec.js';
import type { GrantStore, IpDetection } from '../../../src/core/ports.js';
import { hostPrefix, parsePrefix } from '../../../src/core/prefix.js';
import { request } from '../../../src/core/use-cases/request.js';
import { grantProblem, isDue } from '../../../src/core/grant-trust.js';
import { closeRecordedGrant, dueAt, isOpen, isRequester, runWhileOpen } from '../../../src/core/lifecycle.js';
import type { CloudGrant } from '../../../src/core/ports.js';
import { decodePolicy } from '../../../src/core/policy.js';
import { revoke } from '../../../src/core/use-cases/revoke.js';
import { sweep } from '../../../src/core/use-cases/sweep.js';
import { disable } from '../../../src/core/use-cases/disable.js';
import { openLedger } from '../../../src/scheduler/ledger.js';
import { MemoryProvider } from '../../support/memory-provider.js';

const ports = (text: string) => parsePortSpec(text, '--port');
const silent = { step: () => {}, warn: () => {} };
const T0 = new Date('2026-11-21T10:00:00Z');

let dir: string;
let ledger: GrantStore;
let provider: MemoryProvider;
let now: Date;
let ids: string[];
let events: string[];
const detected: IpDetection = {
  v4: { family: 4, address: '8.8.4.4', agreement: 'agreed', services: ['a', 'b'] },
  answers: [],
};

function deps() {
  return {
    provider,
    ledger,
    clock: { now: () => now },
    progress: silent,
    ip: { detect: async () => detected },
    newGrantId: () => ids.shift()!,
    scheduler: {
      ensure: async () => {
        events.push(`ensure ${(await ledger.list()).map((g) => `${g.id}:${g.state}`).join(',')}`);
      },
    },
  };
}
const forge = (expiresAt: string, grantId = 'zzzzzzzz') =>
  provider.rules.push({ grantId, target: 'vm01', source: '8.8.4.4/32', ports: ports('22,3389'), expiresAt, requester: 'alice@example.com' });
const base = { target: 'vm01', defaultDuration: 3600, dryRun: false };
const policyOf = (vm: string) => decodePolicy(provider.targets.get(vm)!.policyTag!);
const grantOf = (expiresAt: string): CloudGrant => ({
  grantId: 'zzzzzzzz',
  target: { id: '/vm/vm01', name: 'vm01' },
  scope: {},
  source: '8.8.4.4/32',
  ports: ports('22'),
  expiresAt,
  requester: 'alice@example.com',
  rules: [],
});

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'jit-uc-'));
  ledger = openLedger(dir);
  provider = new MemoryProvider();
  now = T0;
  ids = ['aaaaaaaa', 'bbbbbbbb', 'cccccccc'];
  events = [];
  provider.addVm('vm01', buildPolicy({ ports: ports('22,3389'), maxDuration: 7200 }));
  provider.addVm('vm02');
  provider.addVm(
    'vpn',
    buildPolicy({ ports: ports('22'), allowSources: [parsePrefix('198.51.100.0/24', 's')], requireJustification: true }),
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('request', () => {
  it('opens every policy port for the detected address: ledger pending, then the scheduler, then the cloud', async () => {
    const original = provider.openGrant.bind(provider);
    provider.openGrant = async (target, grant, options) => {
      events.push(`write ${(await ledger.list()).map((g) => `${g.id}:${g.state}`).join(',')}`);
      return original(target, grant, options);
    };
    const result = await request(base, deps());
    expect(events).toEqual(['ensure aaaaaaaa:pending', 'write aaaaaaaa:pending']);
    expect(result.outcome).toBe('created');
    expect(result.grant).toMatchObject({
      id: 'aaaaaaaa',
      source: '8.8.4.4/32',
      ports: ports('22,3389'),
      requester: 'alice@example.com',
      expiresAt: '2026-11-21T11:00:00.000Z',
      state: 'active',
      rules: ['rule-aaaaaaaa'],
    });
    expect(provider.rules).toHaveLength(1);
    expect((await ledger.list()).map((g) => g.state)).toEqual(['active']);
  });

  it('holds interrupts back from the first ledger write until the ledger is settled', async () => {
    const seen: string[] = [];
    const shield = async <T>(work: () => Promise<T>): Promise<T> => {
      seen.push(`shield in ${(await ledger.list()).length}`);
      const value = await work();
      seen.push(`shield out ${(await ledger.list()).map((g) => g.state).join()}`);
      return value;
    };
    await request(base, { ...deps(), shield });
    expect(seen).toEqual(['shield in 0', 'shield out active']);
  });

  it.each([
    ['a VM that is not enabled', { target: 'vm02' }, 'JIT_NOT_ENABLED'],
    ['a port outside the policy', { ports: ports('80') }, 'JIT_POLICY_PORT_NOT_ALLOWED'],
    ['an explicit duration over the maximum', { duration: 7201 }, 'JIT_POLICY_DURATION_TOO_LONG'],
    ['a source outside the allowed prefixes', { target: 'vpn', justification: 'x' }, 'JIT_POLICY_SOURCE_NOT_ALLOWED'],
    ['a missing justification', { target: 'vpn', source: hostPrefix('198.51.100.9') }, 'JIT_POLICY_JUSTIFICATION_REQUIRED'],
  ])('refuses %s with exit 3 and writes nothing', async (_label, input, code) => {
    const error = await request({ ...base, ...input }, deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).code).toBe(code);
    expect((error as PolicyError).exitCode).toBe(3);
    expect(provider.writes).toEqual([]);
    expect(await ledger.list()).toEqual([]);
  });

  it('caps a defaulted duration at the policy maximum, with a warning', async () => {
    const result = await request({ ...base, defaultDuration: 86400 }, deps());
    expect(result.grant.expiresAt).toBe('2026-11-21T12:00:00.000Z');
    expect(result.warnings).toEqual([
      { code: 'JIT_DURATION_CAPPED', message: expect.stringMatching(/longer than vm01's policy allows; asking for 2h/) },
    ]);
  });

  it('extends a repeated request instead of adding a second rule, and never shortens it', async () => {
    await request({ ...base, duration: 1800 }, deps());
    now = new Date(T0.getTime() + 600_000);
    const longer = await request({ ...base, duration: 3600 }, deps());
    expect(longer.outcome).toBe('extended');
    expect(longer.grant.id).toBe('aaaaaaaa');
    expect(longer.grant.expiresAt).toBe('2026-11-21T11:10:00.000Z');
    const writes = provider.writes.length;
    const shorter = await request({ ...base, duration: 60 }, deps());
    expect(shorter.outcome).toBe('unchanged');
    expect(shorter.grant.expiresAt).toBe('2026-11-21T11:10:00.000Z');
    expect(provider.writes).toHaveLength(writes);
    expect(provider.rules).toHaveLength(1);
    expect(await ledger.list()).toHaveLength(1);
  });

  it('a different source is a different grant', async () => {
    await request(base, deps());
    await request({ ...base, source: hostPrefix('1.1.1.1') }, deps());
    expect(provider.rules.map((r) => r.source)).toEqual(['8.8.4.4/32', '1.1.1.1/32']);
  });

  it('--dry-run reports the change and writes neither cloud nor ledger', async () => {
    const result = await request({ ...base, dryRun: true }, deps());
    expect(result.report).toMatchObject({ applied: false, changes: [{ op: 'add-rule' }] });
    expect(provider.writes).toEqual([]);
    expect(await ledger.list()).toEqual([]);
  });

  it('keeps a failed write tracked, due at once, so the scheduler closes whatever reached the cloud', async () => {
    provider.beforeWrite = () => {
      throw new Error('RetryableError: too many writers');
    };
    await expect(request(base, deps())).rejects.toThrow('too many writers');
    const [failed] = await ledger.list();
    expect(failed).toMatchObject({ id: 'aaaaaaaa', state: 'failed', lastError: 'RetryableError: too many writers' });
    expect(isOpen(failed!)).toBe(true);
    expect(dueAt(failed!)).toBe(T0.getTime());
  });

  it('a failed extension keeps the grant active with its old expiry', async () => {
    await request({ ...base, duration: 600 }, deps());
    provider.beforeWrite = () => {
      throw new Error('throttled');
    };
    await expect(request({ ...base, duration: 3600 }, deps())).rejects.toThrow('throttled');
    expect(await ledger.list()).toMatchObject([{ id: 'aaaaaaaa', state: 'active', expiresAt: '2026-11-21T10:10:00.000Z' }]);
  });

  it('never adopts a forged far-future expiry: the rule is replaced by a grant of the asked length', async () => {
    forge('2099-12-31T00:00:00.000Z');
    const result = await request(base, deps());
    expect(result.outcome).toBe('created');
    expect(result.grant).toMatchObject({ id: 'aaaaaaaa', expiresAt: '2026-11-21T11:00:00.000Z' });
    expect(result.warnings).toContainEqual({ code: 'JIT_GRANT_UNTRUSTED', message: expect.stringMatching(/grant zzzzzzzz .* not trusted/) });
    expect(provider.rules.map((r) => [r.grantId, r.expiresAt])).toEqual([['aaaaaaaa', '2026-11-21T11:00:00.000Z']]);
    expect((await ledger.list()).map((g) => g.expiresAt)).toEqual(['2026-11-21T11:00:00.000Z']);
  });

  it('an expiry beyond the policy maximum is not trusted either, one within it is', async () => {
    expect(grantProblem({ ...grantOf('2026-11-21T12:04:00.000Z') }, T0, policyOf('vm01'))).toBeUndefined();
    expect(grantProblem({ ...grantOf('2026-11-21T12:06:00.000Z') }, T0, policyOf('vm01'))).toMatch(/later than any grant jit makes \(at most 2h/);
    expect(grantProblem({ ...grantOf('2026-11-22T10:06:00.000Z') }, T0)).toMatch(/at most 1d/);
    expect(grantProblem({ ...grantOf('2026-11-21T12:00:00.000Z'), source: '*' }, T0)).toMatch(/source "\*" is not an address/);
    expect(isDue(grantOf('2099-01-01T00:00:00.000Z'), T0)).toBe(true);
    expect(isDue(grantOf('2026-11-21T10:00:00.000Z'), T0)).toBe(true);
    expect(isDue(grantOf('2026-11-21T10:00:01.000Z'), T0)).toBe(false);
  });
});

describe('runWhileOpen', () => {
  it('closes a grant it opened when the command ends, and returns its status', async () => {
    const { code, closed } = await runWhileOpen(base, async () => {
      expect(provider.rules.map((r) => r.grantId)).toEqual(['aaaaaaaa']);
      return 7;
    }, deps());
    expect([code, closed]).toEqual([7, true]);
    expect(provider.rules).toEqual([]);
    expect((await ledger.list()).map((g) => g.state)).toEqual(['revoked']);
  });

  it('closes it when the command throws, too', async () => {
    await expect(runWhileOpen(base, async () => {
      throw new Error('ssh not found');
    }, deps())).rejects.toThrow('ssh not found');
    expect(provider.rules).toEqual([]);
  });

  it('leaves a grant that was open before exactly as it was: no extension, no close', async () => {
    await request({ ...base, duration: 7200 }, deps());
    now = new Date(T0.getTime() + 60_000);
    const writes = provider.writes.length;
    const { opened, closed } = await runWhileOpen({ ...base, duration: 600 }, async () => 0, deps());
    expect([opened.outcome, opened.grant.id, closed]).toEqual(['reused', 'aaaaaaaa', false]);
    expect(provider.writes).toHaveLength(writes);
    expect(provider.rules.map((r) => [r.grantId, r.expiresAt])).toEqual([['aaaaaaaa', '2026-11-21T12:00:00.000Z']]);
    expect((await ledger.list()).map((g) => g.state)).toEqual(['active']);
  });
});

describe('closing a ledger grant', () => {
  it('a pending grant is closed by its id from the cloud metadata; one that never reached the cloud is just marked', async () => {
    await request(base, deps());
    await ledger.transact((grants) => ({ grants: grants.map((g) => ({ ...g, state: 'pending' as const, rules: [] })), result: undefined }));
    const [pending] = await ledger.list();
    await closeRecordedGrant(provider, ledger, pending!);
    expect(provider.rules).toEqual([]);
    expect((await ledger.list()).map((g) => g.state)).toEqual(['revoked']);
  });
});

describe('revoke, sweep, disable', () => {
  beforeEach(async () => {
    await request({ ...base, duration: 600 }, deps()); // aaaaaaaa, alice, until 10:10
    provider.identity = 'bob@example.com';
    await request({ ...base, duration: 3600, source: hostPrefix('1.1.1.1') }, deps()); // bbbbbbbb, bob, until 11:00
    provider.identity = 'alice@example.com';
  });

  it('revoke <vm> ends only your grants; --all ends everyone\'s', async () => {
    const mine = await revoke({ kind: 'target', target: 'vm01', all: false, dryRun: false }, deps());
    expect(mine.closed.map((c) => c.grant.grantId)).toEqual(['aaaaaaaa']);
    expect(provider.rules.map((r) => r.grantId)).toEqual(['bbbbbbbb']);
    await revoke({ kind: 'target', target: 'vm01', all: true, dryRun: false }, deps());
    expect(provider.rules).toEqual([]);
    expect((await ledger.list()).map((g) => g.state)).toEqual(['revoked', 'revoked']);
  });

  it('revoke <grant-id> ends that grant; an unknown id is exit 2', async () => {
    await revoke({ kind: 'grant', grantId: 'bbbbbbbb', dryRun: false }, deps());
    expect(provider.rules.map((r) => r.grantId)).toEqual(['aaaaaaaa']);
    await expect(revoke({ kind: 'grant', grantId: 'zzzzzzzz', dryRun: false }, deps())).rejects.toMatchObject({
      code: 'JIT_GRANT_NOT_FOUND',
      exitCode: 2,
    });
  });

  it('sweep removes a forged far-future grant as expired', async () => {
    forge('2099-12-31T00:00:00.000Z');
    const result = await sweep({ dryRun: false }, deps());
    expect(result.removed.map((r) => r.grant.grantId)).toEqual(['zzzzzzzz']);
    expect(provider.rules.map((r) => r.grantId)).toEqual(['aaaaaaaa', 'bbbbbbbb']);
  });

  it('sweep removes exactly the expired grants, from the cloud metadata alone', async () => {
    now = new Date('2026-11-21T10:30:00Z');
    const fresh = openLedger(mkdtempSync(path.join(tmpdir(), 'jit-other-machine-')));
    const dry = await sweep({ dryRun: true }, { ...deps(), ledger: fresh });
    expect(dry.removed.map((r) => r.grant.grantId)).toEqual(['aaaaaaaa']);
    expect(provider.rules).toHaveLength(2);
    const result = await sweep({ dryRun: false }, { ...deps(), ledger: fresh });
    expect(result.removed.map((r) => r.grant.grantId)).toEqual(['aaaaaaaa']);
    expect(result.kept.map((g) => g.grantId)).toEqual(['bbbbbbbb']);
    expect(provider.rules.map((r) => r.grantId)).toEqual(['bbbbbbbb']);
  });

  it('disable closes every grant before removing the lock-down, and stops if one cannot be closed', async () => {
    const original = provider.closeGrant.bind(provider);
    provider.closeGrant = async (grant, options) => {
      if (grant.grantId === 'bbbbbbbb') throw new Error('denied');
      return original(grant, options);
    };
    await expect(disable({ target: 'vm01', dryRun: false }, deps())).rejects.toMatchObject({ code: 'JIT_DISABLE_FAILED' });
    expect(provider.writes).not.toContain('disable vm01');
    provider.closeGrant = original;
    const result = await disable({ target: 'vm01', dryRun: false }, deps());
    expect(result.closed.map((c) => c.grant.grantId)).toEqual(['bbbbbbbb']);
    expect(provider.writes.at(-1)).toBe('disable vm01');
    expect(provider.rules).toEqual([]);
  });
});

describe('isRequester', () => {
  const long = `${'a'.repeat(100)}@example.com`;
  it.each([
    ['alice@example.com', 'alice@example.com', true],
    ['alice@example.com', 'alice@example.co', false],
    ['alice', 'alice@example.com', false], // a short prefix is someone else
    [long.slice(0, 97), long, true], // cut by the cloud to fit its metadata
    [long.slice(0, 97), `b${long}`, false],
  ])('%s is %s: %s', (recorded, me, expected) => {
    expect(isRequester(recorded, me)).toBe(expected);
  });
});
