// Seeds the ARM emulator at scale for the sweep test and bench/scale.ts: `vms` VMs in one subnet
// without a subnet NSG, each behind its own NIC NSG holding the user's SSH rule, `expired` expired
// jit grant rules and `live` unexpired ones, named and described as `jit request` writes them.
import { allowRuleName, grantDescription } from '../../src/clouds/azure/rules.js';
import { type ArmEmulator, seedLinuxVm } from '../emulators/arm/server.js';
import { grantIdOf } from './aws-scale.js';

export interface AzureScaleSeed {
  nsgs: string[];
  expired: string[];
  live: string[];
}

export function seedAzureScale(
  emu: ArmEmulator,
  options: { vms: number; expired: number; live?: number; now?: Date },
): AzureScaleSeed {
  const now = options.now ?? new Date();
  const past = new Date(now.getTime() - 3_600_000).toISOString();
  const future = new Date(now.getTime() + 3_600_000).toISOString();
  const seed: AzureScaleSeed = { nsgs: [], expired: [], live: [] };
  let n = 0;
  for (let v = 0; v < options.vms; v++) {
    const vmName = `vm${String(v).padStart(3, '0')}`;
    const privateIp = `10.0.${(v >> 8) + 1}.${(v & 255) + 4}`;
    const vm = seedLinuxVm(emu, { vmName, privateIp, subnetNsg: null, subnetPrefix: '10.0.0.0/16' });
    const nsg = vm.nicNsgName as string;
    seed.nsgs.push(nsg);
    const rules = [
      ...Array.from({ length: options.expired }, () => ({ kind: 'expired' as const, expiresAt: past })),
      ...Array.from({ length: options.live ?? 0 }, () => ({ kind: 'live' as const, expiresAt: future })),
    ];
    rules.forEach(({ kind, expiresAt }, i) => {
      const grantId = grantIdOf(kind === 'expired' ? 'e' : 'l', n);
      seed[kind].push(grantId);
      emu.state.putRule(vm.subscriptionId, vm.resourceGroup, nsg, {
        name: allowRuleName(vmName, grantId, 'tcp', false),
        priority: 100 + i,
        direction: 'Inbound',
        access: 'Allow',
        protocol: 'Tcp',
        sourceAddressPrefix: `198.18.${n >> 8}.${n & 255}`,
        sourcePortRange: '*',
        destinationAddressPrefix: privateIp,
        destinationPortRange: '22',
        description: grantDescription({ grantId, expiresAt, requester: 'bench@example.com' }),
      });
      n++;
    });
  }
  return seed;
}
