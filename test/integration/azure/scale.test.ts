/**
 * Account scale on Azure (ARM emulator): sweep works on the NSGs at once (the operations of
 * different NSGs are in flight together, never two in one NSG), removes every expired rule and
 * keeps unexpired grants and user rules; lists are paged (`nextLink`) and every page is read.
 */
import { describe, expect, it } from 'vitest';
import type { GrantRecord, GrantStore } from '../../../src/core/ports.js';
import { scan } from '../../../src/core/use-cases/scan.js';
import { sweep } from '../../../src/core/use-cases/sweep.js';
import { seedAzureScale } from '../../support/azure-scale.js';
import { RG, SUB, useHarness } from './support.js';

function memoryLedger(): GrantStore {
  let grants: GrantRecord[] = [];
  return {
    list: async () => grants,
    get: async (id) => grants.find((g) => g.id === id),
    transact: async (fn) => {
      const next = fn(grants);
      grants = next.grants;
      return next.result;
    },
  };
}

describe('Azure at scale (ARM emulator)', () => {
  const h = useHarness();

  it('sweeps 6 NSGs × 4 expired rules with the NSGs in parallel, one operation per NSG at a time', async () => {
    const seed = seedAzureScale(h.emu, { vms: 6, expired: 4, live: 1 });
    h.emu.options.pageSize = 4; // 6 NSGs, NICs and VMs: two pages each
    // Each DELETE stays in progress for one poll, so overlapping operations can be seen.
    h.emu.options.lroPolls.network = 1;
    let most = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        most = Math.max(most, h.emu.pendingOperations());
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const steps: string[] = [];
    const provider = await h.provider();
    const progress = { step: (m: string) => steps.push(m), warn: () => undefined };
    const clock = { now: () => new Date() };
    const result = await sweep({ dryRun: false }, { provider, ledger: memoryLedger(), clock, progress });
    sampling = false;
    await sampler;

    expect(result.failed).toEqual([]);
    expect(result.removed.map((r) => r.grant.grantId).sort()).toEqual([...seed.expired].sort());
    expect(result.kept.map((g) => g.grantId).sort()).toEqual([...seed.live].sort());
    for (const nsg of seed.nsgs) {
      const names = h.emu.state.ruleSummary(SUB, RG, nsg).map((rule) => rule.name);
      expect(names.filter((name) => seed.expired.some((id) => name.endsWith(id)))).toEqual([]);
      expect(names.filter((name) => seed.live.some((id) => name.endsWith(id)))).toHaveLength(1);
      expect(names).toContain('SSH');
    }
    // NSGs in parallel: several operations were in flight together, at most one per NSG.
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(seed.nsgs.length);
    const deletes = h.emu.requests({ method: 'DELETE' });
    expect(deletes).toHaveLength(24);
    // Inside one NSG, each DELETE is sent only after the previous one's operation was last polled.
    const lastPoll = (operationId: string | undefined) =>
      Math.max(...h.emu.log.filter((e) => operationId && e.path.includes(operationId)).map((e) => e.timestamp));
    for (const nsg of seed.nsgs) {
      const own = deletes.filter((e) => e.path.includes(`/networkSecurityGroups/${nsg}/`));
      expect(own).toHaveLength(4);
      for (let i = 1; i < own.length; i++) {
        expect(lastPoll(own[i - 1]?.operationId)).toBeLessThanOrEqual(own[i]?.timestamp as number);
      }
    }
    // The list calls followed nextLink: the second page of NSGs was asked for.
    expect(h.emu.requests({ method: 'GET', pathIncludes: '/networkSecurityGroups' }).some((e) => '$skiptoken' in e.query)).toBe(true);
    expect(steps).toContain('24/24 rules removed…');
  }, 60_000);

  it('scans VMs over several pages of every list', async () => {
    seedAzureScale(h.emu, { vms: 7, expired: 0 });
    h.emu.options.pageSize = 3;
    const provider = await h.provider();
    const findings = await scan({ provider, progress: { step: () => undefined, warn: () => undefined } });
    expect(findings.map((f) => f.target.name).sort()).toEqual(['vm000', 'vm001', 'vm002', 'vm003', 'vm004', 'vm005', 'vm006']);
  });
});
