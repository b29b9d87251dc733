/** The provider contract on MemoryProvider: the fake the use-case and CLI tests rely on keeps the same promises. */
import { MemoryCloud, MemoryProvider } from '../support/memory-provider.js';
import { describeProviderContract } from './provider-contract.js';

describeProviderContract('MemoryProvider', async () => {
  const cloud = new MemoryCloud();
  return {
    provider: async () => new MemoryProvider(cloud),
    async newVm() {
      const provider = new MemoryProvider(cloud);
      provider.addVm('vm01');
      provider.openToInternet('vm01', 22);
      return 'vm01';
    },
    jitSources: async (vm) => [...new Set(cloud.rules.filter((r) => r.target === vm).map((r) => r.source))].sort(),
    userState: async (vm) => ({
      rules: cloud.userRules.filter((r) => r.target === vm),
      policyTag: cloud.targets.get(vm)?.policyTag,
    }),
    writes: () => cloud.writes.length,
    close: async () => {},
  };
});
