/**
 * A VM behind an Azure Firewall in the ARM emulator, for the firewall end-to-end tests: no public IP, its
 * subnet's default route to the firewall, which sits in the VNet's AzureFirewallSubnet. Helpers read the
 * cloud state the tests assert: jit's DNAT rules (classic collection or policy group), the user's
 * collections as stored, and whether the NSG path admits the firewall's translated traffic.
 */
import { evaluatePath } from '../../../src/core/nsg/evaluate.js';
import type { NsgRule } from '../../../src/core/nsg/types.js';
import {
  type ArmEmulator,
  classicDnatRule,
  defaultRouteTo,
  type SeededFirewall,
  type SeededVm,
  seedFirewall,
  seedLinuxVm,
} from '../../emulators/arm/server.js';

export const FW_IP = '198.51.100.7';

/** A user DNAT rule on the firewall exposing vm02's SSH to everyone (what `enable` must refuse). */
const exposingVm02 = classicDnatRule('ssh-vm02-any', FW_IP, 22, '10.0.0.5', 22);
const webRule = classicDnatRule('web', FW_IP, 443, '10.0.0.10', 443);
const userNetwork = {
  name: 'user-net',
  properties: {
    priority: 300,
    action: { type: 'Allow' },
    rules: [{ name: 'dns', protocols: ['UDP'], sourceAddresses: ['10.0.0.0/16'], destinationAddresses: ['168.63.129.16'], destinationPorts: ['53'] }],
  },
};

export interface FirewalledWorld {
  fw: SeededFirewall;
  vm01: SeededVm;
  vm02: SeededVm;
}

/** fwvm01 (10.0.0.4) and vm02 (10.0.0.5) behind the firewall; a user DNAT rule exposes vm02:22 to `*`. */
export function seedFirewalledWorld(emu: ArmEmulator, mode: 'classic' | 'policy'): FirewalledWorld {
  const fw =
    mode === 'classic'
      ? seedFirewall(emu, {
          natRuleCollections: [{ name: 'user-dnat', properties: { priority: 200, action: { type: 'Dnat' }, rules: [webRule, exposingVm02] } }],
          networkRuleCollections: [userNetwork],
        })
      : seedFirewall(emu, {
          policyGroups: [
            {
              name: 'user-dnat-group',
              properties: {
                priority: 100,
                ruleCollections: [
                  {
                    ruleCollectionType: 'FirewallPolicyNatRuleCollection',
                    name: 'user-dnat',
                    priority: 100,
                    action: { type: 'DNAT' },
                    rules: [webRule, exposingVm02].map(({ protocols, ...rule }) => ({ ...rule, ruleType: 'NatRule', ipProtocols: protocols })),
                  },
                ],
              },
            },
            {
              name: 'user-network-group',
              properties: {
                priority: 200,
                ruleCollections: [
                  {
                    ruleCollectionType: 'FirewallPolicyFilterRuleCollection',
                    name: 'user-net',
                    priority: 100,
                    action: { type: 'Allow' },
                    rules: [{ ruleType: 'NetworkRule', name: 'dns', ipProtocols: ['UDP'], sourceAddresses: ['10.0.0.0/16'], destinationAddresses: ['168.63.129.16'], destinationPorts: ['53'] }],
                  },
                ],
              },
            },
          ],
        });
  const routes = [defaultRouteTo(fw.privateIp)];
  const vm01 = seedLinuxVm(emu, { vmName: 'fwvm01', privateIp: '10.0.0.4', routes });
  const vm02 = seedLinuxVm(emu, { vmName: 'vm02', privateIp: '10.0.0.5', routes });
  return { fw, vm01, vm02 };
}

/** The firewall (and its policy's groups) as stored, without what every write changes (etags, states). */
export function firewallState(emu: ArmEmulator, world: FirewalledWorld): unknown {
  const scrub = (value: unknown): unknown =>
    JSON.parse(JSON.stringify(value ?? null, (key, v: unknown) => (key === 'etag' || key === 'provisioningState' ? undefined : v)));
  const fw = emu.state.get(world.fw.firewallId);
  const policy = world.fw.policyId ? emu.state.raw(world.fw.policyId) : undefined;
  return scrub({ firewall: fw?.properties, groups: policy?.properties.ruleCollectionGroups });
}

/** The user's collections alone (classic) or groups (policy), as stored. */
export function userCollections(emu: ArmEmulator, world: FirewalledWorld): unknown {
  const state = firewallState(emu, world) as { firewall: Record<string, unknown[]>; groups: { name: string }[] | null };
  const { natRuleCollections = [], networkRuleCollections = [], applicationRuleCollections = [] } = state.firewall;
  const notJit = (c: unknown) => (c as { name: string }).name !== 'jit-access-dnat';
  return {
    nat: natRuleCollections.filter(notJit),
    network: networkRuleCollections,
    application: applicationRuleCollections,
    groups: (state.groups ?? []).filter((g) => g.name !== 'jit-access'),
  };
}

export interface JitDnatRule {
  name: string;
  description: string;
  sources: string[];
  port: string;
  translatedAddress: string;
  translatedPort: string;
}

/** jit's DNAT rules, wherever jit keeps them for this firewall kind. */
export function jitDnatRules(emu: ArmEmulator, world: FirewalledWorld): JitDnatRule[] {
  interface Rule {
    name: string;
    description?: string;
    sourceAddresses: string[];
    destinationPorts: string[];
    translatedAddress: string;
    translatedPort: string;
  }
  const view = (rule: Rule): JitDnatRule => ({
    name: rule.name,
    description: rule.description ?? '',
    sources: rule.sourceAddresses,
    port: rule.destinationPorts[0] ?? '',
    translatedAddress: rule.translatedAddress,
    translatedPort: rule.translatedPort,
  });
  if (world.fw.policyId) {
    const [, , sub = '', , rg = '', , , , policy = ''] = world.fw.policyId.split('/');
    const group = emu.state.getRuleCollectionGroup(sub, rg, policy, 'jit-access') as { properties: { ruleCollections: { rules: Rule[] }[] } } | undefined;
    return (group?.properties.ruleCollections ?? []).flatMap((c) => c.rules.map(view));
  }
  const fw = emu.state.get(world.fw.firewallId)!;
  const collections = fw.properties.natRuleCollections as { name: string; properties: { rules: Rule[] } }[];
  return collections.filter((c) => c.name === 'jit-access-dnat').flatMap((c) => c.properties.rules.map(view));
}

/** Whether the VM's NSGs (subnet, then NIC) let the firewall's translated traffic (from its subnet) reach port 22. */
export function nsgAdmitsFirewall(emu: ArmEmulator, vm: SeededVm, firewallAddress = '10.0.1.4'): boolean {
  const rulesOf = (nsg: string | undefined) =>
    nsg ? (emu.state.ruleSummary(vm.subscriptionId, vm.resourceGroup, nsg) as unknown as NsgRule[]) : [];
  const verdict = evaluatePath(
    [rulesOf(vm.subnetNsgName), rulesOf(vm.nicNsgName)],
    { source: firewallAddress, destination: '10.0.0.4', port: 22, protocol: 'tcp' },
    { virtualNetworkPrefixes: ['10.0.0.0/16'], broadVirtualNetwork: true },
  );
  return verdict.access === 'Allow';
}
