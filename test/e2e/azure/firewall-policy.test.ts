/**
 * The firewall session (firewall-suite.ts) on a firewall governed by a Firewall Policy: jit's DNAT
 * rules go in a rule collection group of its own (`jit-access`), which is deleted with the last grant.
 * Here also: a refused write of that group leaves no rule behind. firewall-exposure.test.ts covers
 * user DNAT rules that expose a VM.
 */
import { expect, it } from 'vitest';
import { jitDnatRules, userCollections } from './firewall-support.js';
import { AZ, describeFirewallSession } from './firewall-suite.js';

describeFirewallSession('policy', 'a VM behind an Azure Firewall governed by a Firewall Policy (jit\'s rules in a rule collection group of its own)', {
  concurrent: 3,
  requestTimeoutMs: 30_000,
  afterExpiry: (session) => {
    it('a refused write of jit\'s rule collection group leaves no rule behind: the NSG rules written first are undone', async () => {
      const { emu, cli, world, before } = session();
      const nsgRules = () =>
        [world.vm01.nicNsgName, world.vm01.subnetNsgName].map((nsg) =>
          emu.state.ruleSummary(world.vm01.subscriptionId, world.vm01.resourceGroup, nsg!).map((rule) => rule.name),
        );
      const nsgBefore = nsgRules();
      const fault = emu.faults.add({ method: 'PUT', pathIncludes: '/ruleCollectionGroups/jit-access', status: 403, code: 'AuthorizationFailed' });
      try {
        const result = await cli.jit(['request', 'fwvm01', ...AZ, '--source', '81.2.69.40', '-d', '10m']);
        expect(result.code).not.toBe(0);
        expect(result.json.error?.code).toMatch(/^JIT_/);
        // Not vacuous: the NSG allow was written before the group write was refused.
        expect(fault.hits).toBeGreaterThan(0);
        expect(emu.requests({ method: 'PUT', pathIncludes: 'securityRules/jit-allow-fwvm01' }).length).toBeGreaterThan(0);
      } finally {
        fault.remove();
      }
      expect(jitDnatRules(emu, world)).toEqual([]);
      expect(nsgRules()).toEqual(nsgBefore);
      expect(userCollections(emu, world)).toEqual(before.user);
    });
  },
});
