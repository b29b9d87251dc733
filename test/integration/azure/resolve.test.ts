/** Resolving a VM (docs/cli.md, "Targets"; docs/azure.md) through the real SDKs against the ARM emulator. */
import { describe, expect, it } from 'vitest';
import { resourceId, seedLinuxVm } from '../../emulators/arm/server.js';
import { ENABLE_DEFAULTS as ENABLE, SSH_POLICY as SSH } from '../../support/provider-fixtures.js';
import { RG, SUB, seedVm01, useHarness, writes } from './support.js';

const h = useHarness();

describe('resolveTarget', () => {
  it('finds a VM by name in the subscription, with its addresses, scope and policy tag', async () => {
    const vm = seedVm01(h.emu, { tags: { 'jit-access': 'v1;p=22/tcp;d=3h', owner: 'ops' } });
    const provider = await h.provider();
    const target = await provider.resolveTarget('VM01');
    expect(target).toEqual({
      cloud: 'azure',
      id: vm.vmId,
      name: 'vm01',
      scope: { subscription: SUB, 'resource-group': RG, 'azure-cloud': 'AzurePublicCloud' },
      privateAddresses: ['10.0.0.4'],
      publicAddresses: ['20.50.60.70'],
      policyTag: 'v1;p=22/tcp;d=3h',
      // The seeded VM's osProfile.adminUsername: `jit request` offers `ssh azureuser@…`.
      adminUser: 'azureuser',
    });
  });

  it('reads each resource once, the independent ones together', async () => {
    seedVm01(h.emu);
    // Every answer takes 300 ms: reads sent one after another could not overlap. (At 100 ms, a loaded
    // machine once set two parallel reads' arrivals, TLS handshakes in between, further apart.)
    h.emu.options.latencyMs = 300;
    try {
      const provider = await h.provider();
      await provider.resolveTarget('vm01');
    } finally {
      h.emu.options.latencyMs = 0;
    }
    const reads = h.emu.log.map((entry) => `${entry.method} ${entry.path.split('/').slice(-2).join('/')}`);
    expect(reads.sort()).toEqual([
      'GET Microsoft.Compute/virtualMachines',
      'GET networkInterfaces/vm01-nic',
      'GET networkSecurityGroups/vm01-nsg',
      'GET networkSecurityGroups/vnet-jit-default-nsg',
      'GET publicIPAddresses/vm01-ip',
      'GET virtualNetworks/vnet-jit',
    ]);
    // Once the NIC is known, its NSG, its public IP and its VNet are in flight together.
    const span = (part: string) => {
      const entry = h.emu.log.find((e) => e.path.includes(part))!;
      return { start: entry.timestamp, end: entry.timestamp + entry.durationMs };
    };
    const together = ['/networkSecurityGroups/vm01-nsg', '/publicIPAddresses/', '/virtualNetworks/'].map(span);
    expect(Math.max(...together.map((s) => s.start))).toBeLessThan(Math.min(...together.map((s) => s.end)));
  });

  it('finds a VM by resource ID with one GET that also asks for its power state', async () => {
    const vm = seedVm01(h.emu);
    const provider = await h.provider();
    const target = await provider.resolveTarget(vm.vmId);
    expect(target.id).toBe(vm.vmId);
    const get = h.emu.requests({ pathIncludes: '/virtualMachines' });
    expect(get).toHaveLength(1);
    expect(get[0]?.path).toBe(vm.vmId);
    expect(get[0]?.query.$expand).toBe('instanceView');
  });

  it('with --resource-group, gets the VM directly instead of listing the subscription', async () => {
    seedVm01(h.emu);
    const provider = await h.provider({ 'resource-group': RG });
    expect((await provider.resolveTarget('vm01')).name).toBe('vm01');
    expect(h.emu.requests({ pathIncludes: '/providers/Microsoft.Compute/virtualMachines' }).map((e) => e.path)).toEqual([
      resourceId(SUB, RG, 'vm', 'vm01'),
    ]);
  });

  it('lists the candidates of an ambiguous name (exit 2), and --resource-group picks one', async () => {
    const a = seedLinuxVm(h.emu, { vmName: 'vm01', resourceGroup: 'rg-a' });
    const b = seedLinuxVm(h.emu, { vmName: 'vm01', resourceGroup: 'rg-b' });
    const provider = await h.provider();
    const error = await provider.resolveTarget('vm01').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'JIT_TARGET_AMBIGUOUS', exitCode: 2, details: { candidates: [a.vmId, b.vmId] } });
    expect((error as Error).message).toContain(a.vmId);
    expect((error as Error).message).toContain(b.vmId);
    expect((await (await h.provider({ 'resource-group': 'rg-b' })).resolveTarget('vm01')).id).toBe(b.vmId);
  });

  it.each([
    ['a name', () => 'vm99', {}],
    ['a resource ID', () => resourceId(SUB, RG, 'vm', 'vm99'), {}],
    ['a name in a resource group', () => 'vm99', { 'resource-group': RG }],
    ['a name in a missing resource group', () => 'vm01', { 'resource-group': 'rg-none' }],
  ])('a VM that does not exist, by %s: JIT_TARGET_NOT_FOUND', async (_label, ref, settings) => {
    seedVm01(h.emu);
    const provider = await h.provider(settings);
    await expect(provider.resolveTarget(ref())).rejects.toMatchObject({ code: 'JIT_TARGET_NOT_FOUND', exitCode: 1 });
  });

  it('uses the subscription of a resource ID, and the configured one over the Azure CLI\'s', async () => {
    seedVm01(h.emu);
    const other = '33333333-3333-4333-8333-333333333333';
    const vm = seedLinuxVm(h.emu, { vmName: 'vm07', subscriptionId: other });
    expect((await (await h.provider()).resolveTarget(vm.vmId)).scope.subscription).toBe(other);
    expect((await (await h.provider({ subscription: other })).resolveTarget('vm07')).id).toBe(vm.vmId);
    // Without a setting, the Azure CLI's current subscription (the fake az says SUB): vm07 is not there.
    await expect((await h.provider()).resolveTarget('vm07')).rejects.toMatchObject({ code: 'JIT_TARGET_NOT_FOUND' });
  });

  it('without a subscription setting or a signed-in Azure CLI: an auth failure (exit 4) naming az login', async () => {
    seedVm01(h.emu);
    const provider = await h.provider({}, { FAKE_AZ_FAIL: '1' });
    await expect(provider.resolveTarget('vm01')).rejects.toMatchObject({
      code: 'JIT_AZURE_NOT_SIGNED_IN',
      exitCode: 4,
      hint: expect.stringMatching(/az login.*--subscription/),
    });
    expect(h.emu.log).toEqual([]);
  });

  it('without a subscription setting and no Azure CLI on PATH: an auth failure (exit 4) saying to install it', async () => {
    seedVm01(h.emu);
    const provider = await h.provider({}, { PATH: '/nonexistent' });
    await expect(provider.resolveTarget('vm01')).rejects.toMatchObject({
      code: 'JIT_AZURE_CLI_MISSING',
      exitCode: 4,
      hint: expect.stringMatching(/Install the Azure CLI/),
    });
    expect(h.emu.log).toEqual([]);
  });

  it('an unknown configured subscription is named as such', async () => {
    const provider = await h.provider({ subscription: '44444444-4444-4444-8444-444444444444' });
    await expect(provider.resolveTarget('vm01')).rejects.toMatchObject({ code: 'JIT_AZURE_SUBSCRIPTION_NOT_FOUND', exitCode: 1 });
  });

  it('a VM with no NSG on any path resolves, but enable and request refuse (exit 1) and write nothing', async () => {
    seedVm01(h.emu, { nicNsg: null, subnetNsg: null });
    const provider = await h.provider();
    const target = await provider.resolveTarget('vm01');
    await expect(provider.enable(target, SSH, ENABLE)).rejects.toMatchObject({ code: 'JIT_AZURE_NO_NSG', exitCode: 1 });
    const grant = { id: 'k3v9x2ab', ports: SSH.ports, source: '81.2.69.5/32', requester: 'a', expiresAt: new Date(Date.now() + 60_000).toISOString() };
    await expect(provider.openGrant(target, grant, { dryRun: false })).rejects.toMatchObject({ code: 'JIT_AZURE_NO_NSG' });
    expect(writes(h.emu)).toEqual([]);
  });

  it('every IP configuration of every NIC, each with the NSGs on its own path', async () => {
    const vm = seedVm01(h.emu);
    h.emu.state.putSubnet(SUB, RG, 'vnet-jit', { name: 'backend', addressPrefix: '10.0.1.0/24' });
    h.emu.state.putNic(SUB, RG, 'vm01-nic2', { ipConfigurations: [{ privateIPAddress: '10.0.1.9', subnetId: `${vm.vnetId}/subnets/backend` }] });
    h.emu.state.putVm(SUB, RG, 'vm01', { networkInterfaceIds: [vm.nicId, resourceId(SUB, RG, 'nic', 'vm01-nic2')] });
    const provider = await h.provider();
    const target = await provider.resolveTarget('vm01');
    expect(target.privateAddresses).toEqual(['10.0.0.4', '10.0.1.9']);
    const report = await provider.enable(target, SSH, { ...ENABLE, dryRun: true });
    // The second NIC has no NSG at all: jit says it cannot cover that address.
    expect(report.notes).toContain('10.0.1.9 has no network security group on its path: jit cannot lock that address down');
  });
});
