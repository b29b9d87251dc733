// Seeding helpers: the typical VM a jit test starts from (one NIC, an NSG on the NIC and one on the
// subnet, SSH open to the internet on both, as the portal's "Allow selected ports: SSH" leaves it).
import type { ArmEmulator } from './server.js';
import { resourceId, type RouteInput, type SecurityRuleInput, type StateSnapshot } from './state.js';
import { DEFAULT_SUBSCRIPTION_ID } from './token.js';

export interface SeedLinuxVmOptions {
  subscriptionId?: string;
  resourceGroup?: string;
  vmName: string;
  /**
   * Default 10.0.0.4. A CIDR (`10.0.0.16/28`) makes an IP configuration that holds a prefix, with
   * `privateIPAddressPrefixLength` set as the Network RP returns it.
   */
  privateIp?: string;
  /** Routes of a route table `${vnetName}-${subnetName}-rt` on the subnet, when the subnet is created here. */
  routes?: RouteInput[];
  /** Creates a public IP `${vmName}-ip` with this address when given. */
  publicIp?: string;
  /** NSG on the NIC: its name, or null for none. Default `${vmName}-nsg`. */
  nicNsg?: string | null;
  /** NSG on the subnet: its name, or null for none. Default `${vnetName}-${subnetName}-nsg`. */
  subnetNsg?: string | null;
  /** Rules of the NIC NSG (when it is created). Default: SSH from anywhere (`SSH`, priority 300, source `*`). */
  rules?: SecurityRuleInput[];
  /** Rules of the subnet NSG (when it is created). Default: SSH from `Internet` (priority 1000). */
  subnetRules?: SecurityRuleInput[];
  /** Default `vnet-jit`; shared by every VM of the resource group that names it. */
  vnetName?: string;
  /** Default `default`. */
  subnetName?: string;
  /** Default 10.0.0.0/24. */
  subnetPrefix?: string;
  location?: string;
  tags?: Record<string, string>;
  osType?: 'Linux' | 'Windows';
}

export interface SeededVm {
  subscriptionId: string;
  resourceGroup: string;
  vmName: string;
  vmId: string;
  nicId: string;
  vnetId: string;
  subnetId: string;
  publicIpId: string | undefined;
  nicNsgId: string | undefined;
  subnetNsgId: string | undefined;
  /** Names of the NSGs created or reused, NIC's first. */
  nicNsgName: string | undefined;
  subnetNsgName: string | undefined;
}

const SSH_FROM_ANYWHERE: SecurityRuleInput = {
  name: 'SSH',
  priority: 300,
  direction: 'Inbound',
  access: 'Allow',
  protocol: 'Tcp',
  sourceAddressPrefix: '*',
  sourcePortRange: '*',
  destinationAddressPrefix: '*',
  destinationPortRange: '22',
};

const SSH_FROM_INTERNET: SecurityRuleInput = {
  name: 'Allow-SSH-Internet',
  priority: 1000,
  direction: 'Inbound',
  access: 'Allow',
  protocol: 'Tcp',
  sourceAddressPrefix: 'Internet',
  sourcePortRange: '*',
  destinationAddressPrefix: '*',
  destinationPortRange: '22',
};

/**
 * Creates a VM with one NIC in `vnetName/subnetName`, an NSG on the NIC and one on the subnet (each
 * skipped with null). A virtual network, subnet or subnet NSG that already exists is reused untouched,
 * so several VMs can share a subnet.
 */
export function seedLinuxVm(emu: ArmEmulator, options: SeedLinuxVmOptions): SeededVm {
  const { state } = emu;
  const sub = options.subscriptionId ?? DEFAULT_SUBSCRIPTION_ID;
  const rg = options.resourceGroup ?? 'rg-jit';
  const vmName = options.vmName;
  const vnetName = options.vnetName ?? 'vnet-jit';
  const subnetName = options.subnetName ?? 'default';
  const location = options.location;
  state.addResourceGroup(sub, rg, location ? { location } : {});

  const subnetNsgName =
    options.subnetNsg === null ? undefined : (options.subnetNsg ?? `${vnetName}-${subnetName}-nsg`);
  const subnetNsgId = subnetNsgName ? resourceId(sub, rg, 'nsg', subnetNsgName) : undefined;
  if (subnetNsgName && !state.rawNsg(sub, rg, subnetNsgName)) {
    state.putNsg(sub, rg, subnetNsgName, { securityRules: options.subnetRules ?? [SSH_FROM_INTERNET] });
  }

  if (!state.getVnet(sub, rg, vnetName))
    state.putVnet(sub, rg, vnetName, { addressPrefixes: ['10.0.0.0/16'] });
  if (!state.getSubnet(sub, rg, vnetName, subnetName)) {
    const routeTableName = `${vnetName}-${subnetName}-rt`;
    if (options.routes) state.putRouteTable(sub, rg, routeTableName, { routes: options.routes });
    state.putSubnet(sub, rg, vnetName, {
      name: subnetName,
      addressPrefix: options.subnetPrefix ?? '10.0.0.0/24',
      ...(subnetNsgId ? { networkSecurityGroupId: subnetNsgId } : {}),
      ...(options.routes ? { routeTableId: resourceId(sub, rg, 'rt', routeTableName) } : {}),
    });
  }
  const vnetId = resourceId(sub, rg, 'vnet', vnetName);
  const subnetId = `${vnetId}/subnets/${subnetName}`;

  const nicNsgName = options.nicNsg === null ? undefined : (options.nicNsg ?? `${vmName}-nsg`);
  const nicNsgId = nicNsgName ? resourceId(sub, rg, 'nsg', nicNsgName) : undefined;
  if (nicNsgName && !state.rawNsg(sub, rg, nicNsgName)) {
    state.putNsg(sub, rg, nicNsgName, { securityRules: options.rules ?? [SSH_FROM_ANYWHERE] });
  }

  let publicIpId: string | undefined;
  if (options.publicIp) {
    state.putPublicIp(sub, rg, `${vmName}-ip`, { ipAddress: options.publicIp });
    publicIpId = resourceId(sub, rg, 'pip', `${vmName}-ip`);
  }

  const nicName = `${vmName}-nic`;
  const privateIp = options.privateIp ?? '10.0.0.4';
  const prefixLength = privateIp.includes('/') ? Number(privateIp.split('/')[1]) : undefined;
  state.putNic(sub, rg, nicName, {
    ipConfigurations: [
      {
        name: 'ipconfig1',
        privateIPAddress: privateIp,
        ...(prefixLength !== undefined ? { privateIPAddressPrefixLength: prefixLength } : {}),
        subnetId,
        ...(publicIpId ? { publicIPAddressId: publicIpId } : {}),
      },
    ],
    ...(nicNsgId ? { networkSecurityGroupId: nicNsgId } : {}),
  });
  const nicId = resourceId(sub, rg, 'nic', nicName);
  state.putVm(sub, rg, vmName, {
    networkInterfaceIds: [nicId],
    ...(options.tags ? { tags: options.tags } : {}),
    ...(options.osType ? { osType: options.osType } : {}),
  });
  return {
    subscriptionId: sub,
    resourceGroup: rg,
    vmName,
    vmId: resourceId(sub, rg, 'vm', vmName),
    nicId,
    vnetId,
    subnetId,
    publicIpId,
    nicNsgId,
    subnetNsgId,
    nicNsgName,
    subnetNsgName,
  };
}

/** What launch.ts accepts as its JSON seed file. */
export interface SeedFile {
  /** A full state from `emu.state.snapshot()`, loaded first. */
  snapshot?: StateSnapshot;
  linuxVms?: SeedLinuxVmOptions[];
}

export function seedFromJson(emu: ArmEmulator, seed: SeedFile): SeededVm[] {
  if (seed.snapshot) emu.state.restore(seed.snapshot);
  return (seed.linuxVms ?? []).map((vm) => seedLinuxVm(emu, vm));
}
