/** listEnabled (`jit list`) on Azure, against the ARM emulator: tagged VMs only, every page, --resource-group. */
import { describe, expect, it } from 'vitest';
import { seedLinuxVm } from '../../emulators/arm/server.js';
import { SSH_POLICY as SSH, ENABLE_DEFAULTS as ENABLE } from '../../support/provider-fixtures.js';
import { RG, SUB, useHarness } from './support.js';

const h = useHarness();

describe('listEnabled', () => {
  it('lists the VMs carrying the jit-access tag, following nextLink, each with its resource group; one listing call', async () => {
    h.emu.options.pageSize = 2;
    try {
      seedLinuxVm(h.emu, { vmName: 'vm01', privateIp: '10.0.0.4' });
      seedLinuxVm(h.emu, { vmName: 'vm02', privateIp: '10.0.0.5', tags: { 'jit-access': 'v1;p=22/tcp;d=1h' } });
      seedLinuxVm(h.emu, { vmName: 'vm03', privateIp: '10.0.0.6', tags: { owner: 'ops' } });
      // ARM tag names are case-insensitive: a differently cased key is still the policy.
      seedLinuxVm(h.emu, { vmName: 'vm04', resourceGroup: 'rg-other', privateIp: '10.2.0.4', tags: { 'JIT-Access': 'v1;p=3389/tcp;d=2h' } });
      const provider = await h.provider();
      h.emu.clearLog();
      const listed = await provider.listEnabled();
      expect(listed.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
        {
          cloud: 'azure',
          id: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/vm02`,
          name: 'vm02',
          scope: { subscription: SUB, 'resource-group': RG },
          policyTag: 'v1;p=22/tcp;d=1h',
        },
        {
          cloud: 'azure',
          id: `/subscriptions/${SUB}/resourceGroups/rg-other/providers/Microsoft.Compute/virtualMachines/vm04`,
          name: 'vm04',
          scope: { subscription: SUB, 'resource-group': 'rg-other' },
          policyTag: 'v1;p=3389/tcp;d=2h',
        },
      ]);
      // Four VMs at two a page: the listing followed nextLink once, and read nothing else.
      expect(h.emu.log.map((entry) => `${entry.method} ${entry.path.split('/').at(-1)}`)).toEqual([
        'GET virtualMachines',
        'GET virtualMachines',
      ]);
      const narrowed = await (await h.provider({ 'resource-group': 'RG-OTHER' })).listEnabled();
      expect(narrowed.map((vm) => vm.name)).toEqual(['vm04']);
    } finally {
      h.emu.options.pageSize = 100;
    }
  });

  it('a VM appears once enable tags it, and the admin user is part of what resolveTarget tells', async () => {
    seedLinuxVm(h.emu, { vmName: 'vm01', privateIp: '10.0.0.4', adminUsername: 'ops' });
    const provider = await h.provider();
    expect(await provider.listEnabled()).toEqual([]);
    const target = await provider.resolveTarget('vm01');
    expect(target.adminUser).toBe('ops');
    await provider.enable(target, SSH, ENABLE);
    expect((await (await h.provider()).listEnabled()).map((vm) => [vm.name, vm.policyTag])).toEqual([['vm01', 'v1;p=22/tcp;d=3h']]);
  });
});
