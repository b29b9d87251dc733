/** Priority choice under contention (nsg-edit.ts) and the retry policy of ARM writes (write-retry.ts). */
import { describe, expect, it } from 'vitest';
import { planAllowPriority, planDenyPriority } from '../../../src/core/nsg/plan.js';
import type { NsgRule } from '../../../src/core/nsg/types.js';
import { choosePriority } from '../../../src/clouds/azure/nsg-edit.js';
import { backoffMs, MAX_ATTEMPTS, retryWrite } from '../../../src/clouds/azure/write-retry.js';
import { ProviderError } from '../../../src/core/errors.js';

const rule = (name: string, priority: number, access: 'Allow' | 'Deny', source: string): NsgRule => ({
  name,
  priority,
  direction: 'Inbound',
  access,
  protocol: 'Tcp',
  sourceAddressPrefix: source,
  sourcePortRange: '*',
  destinationAddressPrefix: '*',
  destinationPortRange: '22',
});
const ssh = [{ from: 22, to: 22, protocol: 'tcp' as const }];
const RULES = [rule('VPN', 200, 'Allow', '10.8.0.0/16'), rule('jit-deny', 299, 'Deny', '*'), rule('SSH', 300, 'Allow', '*')];
const allow = (taken: readonly NsgRule[]) => planAllowPriority(taken, { ports: ssh, source: '81.2.69.5/32', destinations: ['10.0.0.4'] });

describe('choosePriority', () => {
  it('takes the planner\'s answer on the first attempt', () => {
    expect(choosePriority(RULES, allow, 0, () => 0.99)).toEqual({ ok: true, priority: 298 });
  });

  it('after a conflict, picks among the 2^attempt best slots, each one the planner accepts', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const plan = choosePriority(RULES, allow, 3, () => i / 40);
      if (!plan.ok) throw new Error('no plan');
      seen.add(plan.priority);
    }
    // The 8 largest free priorities ahead of the deny at 299; 200 (the VPN rule) is taken.
    expect([...seen].sort((a, b) => b - a)).toEqual([298, 297, 296, 295, 294, 293, 292, 291]);
  });

  it('never leaves the planner\'s window, and passes a failure through', () => {
    const deny = (taken: readonly NsgRule[]) => planDenyPriority(taken, { ports: ssh, destinations: ['10.0.0.4'] });
    const crowded = [rule('VPN', 297, 'Allow', '10.8.0.0/16'), rule('SSH', 300, 'Allow', '*')];
    for (let i = 0; i < 10; i++) {
      const plan = choosePriority(crowded, deny, 4, () => i / 10);
      expect(plan.ok && [298, 299].includes(plan.priority)).toBe(true);
    }
    const inverted = [rule('SSH', 100, 'Allow', '*'), rule('VPN', 110, 'Allow', '10.8.0.0/16')];
    expect(choosePriority(inverted, deny, 2, () => 0)).toMatchObject({ ok: false, reason: 'broad-ahead-of-narrow' });
  });
});

describe('backoffMs', () => {
  it('grows with the attempt, is jittered, capped, and honours what ARM asked for', () => {
    expect(backoffMs(0, () => 1)).toBe(100);
    expect(backoffMs(3, () => 0.5)).toBe(400);
    expect(backoffMs(10, () => 1)).toBe(3000);
    expect(backoffMs(0, () => 0, 1500)).toBe(1500);
  });
});

describe('retryWrite: the one retry policy of every ARM write', () => {
  const conflict = new ProviderError('JIT_AZURE_CONFLICT', 'x', { details: { armCode: 'SecurityRuleConflict', status: 400 } });
  const locked = new ProviderError('JIT_AZURE_SCOPE_LOCKED', 'x', { details: { armCode: 'ScopeLocked', status: 409 } });
  const runtime = { sleep: async () => {}, random: () => 0.5 };

  it('retries a lost race on a fresh attempt, up to MAX_ATTEMPTS', async () => {
    const seen: number[] = [];
    await expect(retryWrite(runtime, async (attempt) => {
      seen.push(attempt);
      throw conflict;
    })).rejects.toBe(conflict);
    expect(seen).toEqual([...Array(MAX_ATTEMPTS).keys()]);
    let calls = 0;
    expect(await retryWrite(runtime, async () => (++calls < 3 ? Promise.reject(conflict) : 'done'))).toBe('done');
  });

  it('never retries ScopeLocked', async () => {
    let calls = 0;
    await expect(retryWrite(runtime, async () => {
      calls++;
      throw locked;
    })).rejects.toBe(locked);
    expect(calls).toBe(1);
  });
});
