/**
 * The provider contract (STYLE: one contract suite for providers): the behaviour the core relies on,
 * asserted the same way against every CloudProvider, in-process: the real providers with the real
 * SDKs against each cloud's emulator, and MemoryProvider, the fake the use-case and CLI tests run
 * on. Cloud-specific behaviour (priorities, security-group records) is tested in test/integration/<cloud>.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePortSpec } from '../../src/core/port-spec.js';
import type { CloudGrant, CloudProvider, GrantSpec } from '../../src/core/ports.js';
import { ENABLE_DEFAULTS, SSH_POLICY } from '../support/provider-fixtures.js';

export interface ContractWorld {
  /** A provider as jit builds one; each call is a fresh one ("another machine"). */
  provider(): Promise<CloudProvider>;
  /** Seeds a VM with SSH open to the internet and returns its name. */
  newVm(): Promise<string>;
  /** Sources of jit's allow rules on the VM, as CIDRs, sorted. */
  jitSources(vm: string): Promise<string[]>;
  /** Everything not made by jit around the VM, in a form that compares equal when unchanged. */
  userState(vm: string): Promise<unknown>;
  /** Write calls the cloud has received so far. */
  writes(): number;
  close(): Promise<void>;
}

export function describeProviderContract(name: string, makeWorld: () => Promise<ContractWorld>): void {
  describe(`provider contract: ${name}`, () => {
    let world: ContractWorld;
    let provider: CloudProvider;
    let vm = '';
    let before: unknown;
    const spec = (id: string, source: string, minutes: number, requester: string): GrantSpec => ({
      id,
      ports: parsePortSpec('22', '--port'),
      source,
      requester,
      expiresAt: new Date(Math.floor(Date.now() / 1000) * 1000 + minutes * 60_000).toISOString(),
    });

    beforeAll(async () => {
      world = await makeWorld();
      provider = await world.provider();
      vm = await world.newVm();
      before = await world.userState(vm);
    });
    afterAll(() => world?.close());

    it('resolves a VM by name: its id, private address, no policy yet', async () => {
      const target = await provider.resolveTarget(vm);
      expect(target.name).toBe(vm);
      expect(target.id).not.toBe('');
      expect(target.privateAddresses.length).toBeGreaterThan(0);
      expect(target.policyTag).toBeUndefined();
    });

    it('enable with dryRun reports changes and writes nothing', async () => {
      const writes = world.writes();
      const target = await provider.resolveTarget(vm);
      const report = await provider.enable(target, SSH_POLICY, { ...ENABLE_DEFAULTS, dryRun: true });
      expect(report.applied).toBe(false);
      expect(report.changes.length).toBeGreaterThan(0);
      expect(world.writes()).toBe(writes);
      expect(await world.userState(vm)).toEqual(before);
    });

    it('listEnabled does not list a VM without a policy', async () => {
      expect((await provider.listEnabled()).map((listed) => listed.name)).not.toContain(vm);
    });

    it('enable stores the policy on the VM, and status finds the lock-down in place and effective', async () => {
      await provider.enable(await provider.resolveTarget(vm), SSH_POLICY, ENABLE_DEFAULTS);
      const target = await provider.resolveTarget(vm);
      expect(target.policyTag).toBe('v1;p=22/tcp;d=3h');
      const status = await provider.status(target, SSH_POLICY, []);
      expect(status.lockedDown).toBe(true);
      expect(status.exposure.map((e) => e.verdict)).toEqual(['locked']);
    });

    it('listEnabled finds the enabled VM with its policy tag, from a fresh provider', async () => {
      const target = await provider.resolveTarget(vm);
      const listed = (await (await world.provider()).listEnabled()).filter((enabled) => enabled.name === vm);
      expect(listed).toEqual([expect.objectContaining({ cloud: target.cloud, id: target.id, name: vm, policyTag: 'v1;p=22/tcp;d=3h' })]);
      expect(Object.keys(listed[0]!.scope).length).toBeGreaterThan(0);
    });

    it('openGrant opens the port for the source; listGrants reads the grant back from the cloud alone', async () => {
      const me = await provider.whoami();
      const target = await provider.resolveTarget(vm);
      const opened = await provider.openGrant(target, spec('aaaaaaaa', '198.51.100.7/32', 30, me), { dryRun: false });
      expect(opened.applied).toBe(true);
      expect(opened.rules.length).toBeGreaterThan(0);
      expect(await world.jitSources(vm)).toEqual(['198.51.100.7/32']);
      const fresh = await world.provider();
      const [grant] = await fresh.listGrants(await fresh.resolveTarget(vm));
      expect(grant).toMatchObject({ grantId: 'aaaaaaaa', source: '198.51.100.7/32', requester: me, target: { name: vm } });
      expect(grant!.ports).toEqual(parsePortSpec('22', '--port'));
    });

    it('openGrant with the same id extends the grant: one rule, the new expiry', async () => {
      const target = await provider.resolveTarget(vm);
      const longer = spec('aaaaaaaa', '198.51.100.7/32', 90, await provider.whoami());
      await provider.openGrant(target, longer, { dryRun: false });
      const grants = await provider.listGrants(target);
      expect(grants).toHaveLength(1);
      expect(grants[0]!.expiresAt).toBe(longer.expiresAt);
      expect(await world.jitSources(vm)).toEqual(['198.51.100.7/32']);
    });

    it('listGrants without a target finds the grant in the whole scope, from a fresh provider', async () => {
      const all = await (await world.provider()).listGrants();
      expect(all.filter((g) => g.target.name === vm).map((g) => g.grantId)).toEqual(['aaaaaaaa']);
    });

    it('closeGrant removes exactly the grant\'s rules, by the rule references openGrant returned', async () => {
      const target = await provider.resolveTarget(vm);
      const other = spec('bbbbbbbb', '198.51.100.8/32', 30, await provider.whoami());
      const opened = await provider.openGrant(target, other, { dryRun: false });
      expect(await world.jitSources(vm)).toEqual(['198.51.100.7/32', '198.51.100.8/32']);
      // What the ledger holds: the spec and the references openGrant returned.
      const fromLedger: CloudGrant = { ...other, grantId: other.id, target, scope: target.scope, rules: opened.rules };
      await provider.closeGrant(fromLedger, { dryRun: false });
      expect(await world.jitSources(vm)).toEqual(['198.51.100.7/32']);
    });

    it('closeGrant of a grant already gone is not an error', async () => {
      const [grant] = await provider.listGrants(await provider.resolveTarget(vm));
      await provider.closeGrant(grant!, { dryRun: false });
      expect(await world.jitSources(vm)).toEqual([]);
      await expect(provider.closeGrant(grant!, { dryRun: false })).resolves.toMatchObject({ applied: true });
    });

    it('disable leaves everything exactly as before enable and removes the policy', async () => {
      await provider.disable(await provider.resolveTarget(vm), { dryRun: false });
      expect(await world.userState(vm)).toEqual(before);
      expect((await provider.resolveTarget(vm)).policyTag).toBeUndefined();
      expect((await provider.listEnabled()).map((listed) => listed.name)).not.toContain(vm);
    });
  });
}
