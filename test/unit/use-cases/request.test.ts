/** The request use case: policy checks before any write, ledger first, extend on repeat. */
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
import { isRequester, revoke } from '../../../src/core/use-cases/revoke.js';
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
  };
}
const base = { target: 'vm01', defaultDuration: 3600, dryRun: false };

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'jit-uc-'));
  ledger = openLedger(dir);
  provider = new MemoryProvider();
  now = T0;
  ids = ['aaaaaaaa', 'bbbbbbbb', 'cccccccc'];
  provider.addVm('vm01', buildPolicy({ ports: ports('22,3389'), maxDuration: 7200 }));
  provider.addVm('vm02');
  provider.addVm(
    'vpn',
    buildPolicy({ ports: ports('22'), allowSources: [parsePrefix('198.51.100.0/24', 's')], requireJustification: true }),
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('request', () => {
  it('opens every policy port for the detected address, writing the ledger before and after the cloud', async () => {
    let ledgerAtWrite: unknown[] = [];
    provider.beforeWrite = () => {
      void ledger.list().then((g) => (ledgerAtWrite = g));
    };
    const states: string[] = [];
    provider.beforeWrite = () => {};
    const original = provider.openGrant.bind(provider);
    provider.openGrant = async (target, grant, options) => {
      states.push(...(await ledger.list()).map((g) => `${g.id}:${g.state}`));
      return original(target, grant, options);
    };
    const result = await request(base, deps());
    expect(ledgerAtWrite).toEqual([]);
    expect(states).toEqual(['aaaaaaaa:pending']);
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
    expect(result.warnings.join()).toMatch(/longer than vm01's policy allows; asking for 2h/);
  });

  it('extends a repeated request instead of adding a second rule, and never shortens it', async () => {
    await request({ ...base, duration: 1800 }, deps());
    now = new Date(T0.getTime() + 600_000);
    const longer = await request({ ...base, duration: 3600 }, deps());
    expect(longer.extended).toBe(true);
    expect(longer.grant.id).toBe('aaaaaaaa');
    expect(longer.grant.expiresAt).toBe('2026-11-21T11:10:00.000Z');
    const shorter = await request({ ...base, duration: 60 }, deps());
    expect(shorter.grant.expiresAt).toBe('2026-11-21T11:10:00.000Z');
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

  it('marks the grant failed in the ledger when the cloud write fails', async () => {
    provider.beforeWrite = () => {
      throw new Error('RetryableError: too many writers');
    };
    await expect(request(base, deps())).rejects.toThrow('too many writers');
    expect(await ledger.list()).toMatchObject([{ id: 'aaaaaaaa', state: 'failed', lastError: 'RetryableError: too many writers' }]);
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
