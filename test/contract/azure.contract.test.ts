import { type SeededVm, seedLinuxVm } from '../emulators/arm/server.js';
import { startHarness } from '../integration/azure/support.js';
import { describeProviderContract } from './provider-contract.js';

describeProviderContract('Azure (ARM emulator)', async () => {
  const harness = await startHarness();
  const { emu } = harness;
  const vms = new Map<string, SeededVm>();
  const nsgRules = (vm: string) => {
    const seeded = vms.get(vm)!;
    return [seeded.nicNsgName!, seeded.subnetNsgName!].flatMap((nsg) =>
      emu.state.ruleSummary(seeded.subscriptionId, seeded.resourceGroup, nsg).map((rule) => ({ nsg, ...rule })),
    );
  };
  return {
    provider: () => harness.provider(),
    async newVm() {
      vms.set('vm01', seedLinuxVm(emu, { vmName: 'vm01', tags: { owner: 'ops' } }));
      return 'vm01';
    },
    async jitSources(vm) {
      const sources = nsgRules(vm)
        .filter((rule) => rule.name.startsWith('jit-allow-'))
        .map((rule) => String(rule.sourceAddressPrefix))
        .map((source) => (source.includes('/') ? source : `${source}/32`));
      return [...new Set(sources)].sort();
    },
    async userState(vm) {
      const seeded = vms.get(vm)!;
      return {
        rules: nsgRules(vm).filter((rule) => !rule.name.startsWith('jit-')),
        tags: emu.state.getVm(seeded.subscriptionId, seeded.resourceGroup, vm)?.tags,
      };
    },
    writes: () => emu.log.filter((entry) => ['PUT', 'PATCH', 'DELETE', 'POST'].includes(entry.method)).length,
    close: () => harness.close(),
  };
});
