import { startMoto } from '../emulators/moto/moto.js';
import { createGroup, createVpc, groupRules, instanceGroups, newWorld, runInstance, snapshot } from '../integration/aws/support.js';
import { startCallLogProxy } from '../support/call-log-proxy.js';
import { describeProviderContract } from './provider-contract.js';

describeProviderContract('AWS (moto)', async () => {
  const moto = await startMoto();
  // Fake credentials for the SDK in this process; moto checks none.
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
  const proxy = await startCallLogProxy(moto.endpoint);
  const world = newWorld(proxy.url);
  const instances = new Map<string, { id: string; app: string }>();
  return {
    // A fresh provider each time, in the same (moto) account.
    provider: async () => newWorld(proxy.url, { account: world.account }).provider(),
    async newVm() {
      const place = await createVpc(world.ec2);
      const app = await createGroup(world.ec2, place.vpcId, 'app', [
        { from: 22, cidr: '0.0.0.0/0', description: 'SSH from anywhere' },
        { from: 443, cidr: '0.0.0.0/0', description: 'HTTPS' },
      ]);
      instances.set('vm01', { id: await runInstance(world.ec2, place, [app], { Name: 'vm01' }), app });
      return 'vm01';
    },
    async jitSources(vm) {
      const { id, app } = instances.get(vm)!;
      const jitGroup = (await instanceGroups(world.ec2, id)).find((group) => group !== app);
      if (!jitGroup) return [];
      const rules = await groupRules(world.ec2, jitGroup);
      return rules.filter((rule) => !rule.IsEgress).map((rule) => (rule.CidrIpv4 ?? rule.CidrIpv6)!).sort();
    },
    userState: (vm) => snapshot(world.ec2, [instances.get(vm)!.id]),
    writes: () => proxy.writes().length,
    close: async () => {
      await proxy.close();
      await moto.stop();
    },
  };
});
