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
  /** `osProfile.adminUsername`. Default `azureuser`. */
  adminUsername?: string;
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
    ...(options.adminUsername ? { adminUsername: options.adminUsername } : {}),
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

export interface SeedFirewallOptions {
  subscriptionId?: string;
  resourceGroup?: string;
  /** Default `fw-hub`. */
  name?: string;
  /** The VNet whose `AzureFirewallSubnet` (10.0.1.0/26) holds the firewall. Default `vnet-jit`. */
  vnetName?: string;
  /** The firewall's public address. Default 198.51.100.7. */
  publicIp?: string;
  /** The firewall's private address, the next hop of the VM subnets' default route. Default 10.0.1.4. */
  privateIp?: string;
  /** Governed by a Firewall Policy `${name}-policy` with these rule collection groups instead of classic rules. */
  policyGroups?: { name: string; properties: Record<string, unknown> }[];
  natRuleCollections?: Record<string, unknown>[];
  networkRuleCollections?: Record<string, unknown>[];
}

export interface SeededFirewall {
  firewallId: string;
  policyId: string | undefined;
  publicIp: string;
  privateIp: string;
  /** The AzureFirewallSubnet prefix: the source address the VM sees for DNAT traffic. */
  subnetPrefix: string;
}

/** The route a VM subnet needs to send its traffic through the seeded firewall. */
export function defaultRouteTo(firewallPrivateIp = '10.0.1.4'): RouteInput {
  return { name: 'default-to-firewall', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: firewallPrivateIp };
}

/** A user DNAT rule, classic shape: `port` on the firewall's `publicIp` to `translated`:`toPort`, from `sources`. */
export function classicDnatRule(name: string, publicIp: string, port: number, translated: string, toPort: number, sources = ['*']): Record<string, unknown> {
  return {
    name,
    sourceAddresses: sources,
    destinationAddresses: [publicIp],
    destinationPorts: [String(port)],
    protocols: ['TCP'],
    translatedAddress: translated,
    translatedPort: String(toPort),
  };
}

/**
 * An Azure Firewall in `AzureFirewallSubnet` of the VNet (created when missing), with a public IP, and
 * classic rule collections or (with `policyGroups`) a Firewall Policy. Pair it with seedLinuxVm's
 * `routes: [defaultRouteTo()]` and `publicIp` unset: the hub-and-spoke VM jit could not reach before.
 */
export function seedFirewall(emu: ArmEmulator, options: SeedFirewallOptions = {}): SeededFirewall {
  const { state } = emu;
  const sub = options.subscriptionId ?? DEFAULT_SUBSCRIPTION_ID;
  const rg = options.resourceGroup ?? 'rg-jit';
  const name = options.name ?? 'fw-hub';
  const vnetName = options.vnetName ?? 'vnet-jit';
  const publicIp = options.publicIp ?? '198.51.100.7';
  const privateIp = options.privateIp ?? '10.0.1.4';
  const subnetPrefix = '10.0.1.0/26';
  state.addResourceGroup(sub, rg);
  if (!state.getVnet(sub, rg, vnetName)) state.putVnet(sub, rg, vnetName, { addressPrefixes: ['10.0.0.0/16'] });
  if (!state.getSubnet(sub, rg, vnetName, 'AzureFirewallSubnet')) {
    state.putSubnet(sub, rg, vnetName, { name: 'AzureFirewallSubnet', addressPrefix: subnetPrefix });
  }
  state.putPublicIp(sub, rg, `${name}-ip`, { ipAddress: publicIp });
  const policyId = options.policyGroups ? resourceId(sub, rg, 'fwp', `${name}-policy`) : undefined;
  if (options.policyGroups) state.putFirewallPolicy(sub, rg, `${name}-policy`, { ruleCollectionGroups: options.policyGroups });
  state.putFirewall(sub, rg, name, {
    ipConfigurations: [
      {
        name: 'fw-ipconfig',
        subnetId: `${resourceId(sub, rg, 'vnet', vnetName)}/subnets/AzureFirewallSubnet`,
        publicIpId: resourceId(sub, rg, 'pip', `${name}-ip`),
        privateIPAddress: privateIp,
      },
    ],
    ...(policyId
      ? { firewallPolicyId: policyId }
      : {
          natRuleCollections: options.natRuleCollections ?? [],
          networkRuleCollections: options.networkRuleCollections ?? [],
        }),
  });
  return { firewallId: resourceId(sub, rg, 'fw', name), policyId, publicIp, privateIp, subnetPrefix };
}
