/**
 * A VM's network as jit needs it: each private address with the NSGs on its path (subnet NSG, then
 * NIC NSG: the order Azure evaluates inbound traffic in), the VNet address space (for the
 * `VirtualNetwork` tag), the public addresses, and a snapshot of every NSG's rules.
 *
 * Reads go out as soon as what they depend on is known: every NIC at once, then each NIC's NSG,
 * virtual network and public IP at once, then each subnet's NSG and route table as soon as its VNet
 * arrives. One
 * GET per resource, however many addresses share it. The virtual network is read rather than the
 * subnet: the same single GET carries the subnet's NSG and the VNet's address prefixes.
 */
import { tryAddressBlock, tryParseAddress } from '../../core/prefix.js';
import type {
  AzureApi,
  NetworkInterface,
  NetworkSecurityGroup,
  NetworkInterfaceIPConfiguration,
  PublicIPAddress,
  RouteTable,
  SecurityRule,
  VirtualMachine,
  VirtualNetwork,
} from './arm-api.js';
import { type ArmId, idKey, parentId, parseArmId, sameId, tryParseArmId } from './arm-id.js';

export interface NsgSnapshot {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  rules: SecurityRule[];
}

export interface AddressPath {
  /** A private address, or a CIDR block for an IP configuration that holds a prefix. */
  address: string;
  family: 4 | 6;
  /** NSG ids in evaluation order: the subnet's, then the NIC's (a level without an NSG is left out). */
  nsgIds: string[];
  vnetPrefixes: string[];
  /**
   * The subnet's route table sends this family's default route (0.0.0.0/0, ::/0) to a virtual
   * appliance. Azure then adds it to the `VirtualNetwork` service tag, which so covers every address
   * (Learn "service-tags-overview": VirtualNetwork includes "address prefixes used on user-defined
   * routes"; observed as 0.0.0.0/0 in the tag: codewithme.cloud "Azure NSG VirtualNetwork Tag", 2019).
   */
  broadVirtualNetwork: boolean;
  /** The subnet and its VNet (an Azure Firewall in that VNet's AzureFirewallSubnet guards the VM). */
  subnetId?: string;
  vnetId?: string;
  /** The VNet has an `AzureFirewallSubnet` (docs/azure-firewall.md, "Finding the firewall"). */
  firewallSubnet?: boolean;
  /** The next-hop address of the subnet's default route when it goes to a virtual appliance. */
  defaultNextHop?: string;
}

export interface VmNetwork {
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  tags: Record<string, string>;
  state?: string;
  /** `osProfile.adminUsername`: the login the VM was created with (absent for a VM made from a specialized disk). */
  adminUser?: string;
  paths: AddressPath[];
  publicAddresses: string[];
  /** Every NSG on some path, by idKey. */
  nsgs: Map<string, NsgSnapshot>;
}

/** Where the resources a VM refers to come from: GETs (one target) or whole listings (scan). */
export interface NetworkLookup {
  nic(id: string): Promise<NetworkInterface | undefined>;
  vnet(id: string): Promise<VirtualNetwork | undefined>;
  publicIp(id: string): Promise<PublicIPAddress | undefined>;
  nsg(id: string): Promise<NetworkSecurityGroup | undefined>;
  routeTable(id: string): Promise<RouteTable | undefined>;
}

export function snapshotOf(nsg: NetworkSecurityGroup): NsgSnapshot {
  const parsed = parseArmId(nsg.id, 'a network security group');
  return {
    id: nsg.id ?? parsed.id,
    subscriptionId: parsed.subscriptionId,
    resourceGroup: parsed.resourceGroup,
    name: nsg.name ?? parsed.name,
    rules: [...(nsg.securityRules ?? [])],
  };
}

/** Memoised, and marked handled at once: a read started early may fail before anyone awaits it. */
function memo<T>(load: (id: ArmId) => Promise<T>): (id: string) => Promise<T> {
  const started = new Map<string, Promise<T>>();
  return (id) => {
    let promise = started.get(idKey(id));
    if (!promise) {
      promise = load(parseArmId(id, 'a reference'));
      promise.catch(() => undefined);
      started.set(idKey(id), promise);
    }
    return promise;
  };
}

/** One GET per resource, in the subscription of the resource's own ID. */
export function getLookup(apiFor: (subscriptionId: string) => Promise<AzureApi>): NetworkLookup {
  return {
    nic: memo(async (id) => (await apiFor(id.subscriptionId)).getNic(id.resourceGroup, id.name)),
    vnet: memo(async (id) => (await apiFor(id.subscriptionId)).getVnet(id.resourceGroup, id.name)),
    publicIp: memo(async (id) => (await apiFor(id.subscriptionId)).getPublicIp(id.resourceGroup, id.name)),
    nsg: memo(async (id) => (await apiFor(id.subscriptionId)).getNsg(id.resourceGroup, id.name)),
    routeTable: memo(async (id) => (await apiFor(id.subscriptionId)).getRouteTable(id.resourceGroup, id.name)),
  };
}

/** Lookups answered from whole listings (scan, sweep): nothing is read twice. */
export function listLookup(lists: {
  nics: NetworkInterface[];
  vnets: VirtualNetwork[];
  nsgs: NetworkSecurityGroup[];
  routeTables: RouteTable[];
}): NetworkLookup {
  const index = <T extends { id?: string }>(items: T[]) =>
    new Map(items.flatMap((item) => (item.id ? [[idKey(item.id), item] as const] : [])));
  const nics = index(lists.nics);
  const vnets = index(lists.vnets);
  const nsgs = index(lists.nsgs);
  const routeTables = index(lists.routeTables);
  return {
    nic: async (id) => nics.get(idKey(id)),
    vnet: async (id) => vnets.get(idKey(id)),
    publicIp: async () => undefined,
    nsg: async (id) => nsgs.get(idKey(id)),
    routeTable: async (id) => routeTables.get(idKey(id)),
  };
}

/** The VM's power state from its instance view ("VM running", "VM deallocated"), when ARM sent one. */
function powerState(vm: VirtualMachine): string | undefined {
  return vm.instanceView?.statuses?.find((status) => status.code?.startsWith('PowerState/'))?.displayStatus;
}

interface ConfigPath extends AddressPath {
  publicIp: Promise<PublicIPAddress | undefined> | undefined;
}

/**
 * The configuration's private address, or its block: an IP configuration may hold a prefix, given as
 * `"privateIPAddress": "172.20.2.16/28"` with `privateIPAddressPrefixLength: 28` (REST spec example
 * NetworkInterfaceGet.json, 2024-05-01; "It can be a single IP address or a CIDR block").
 */
function privateAddressOf(config: NetworkInterfaceIPConfiguration): { address: string; family: 4 | 6 } | undefined {
  const text = config.privateIPAddress?.trim();
  if (!text) return undefined;
  const [base = '', lengthText] = text.split('/');
  const length = lengthText !== undefined ? Number(lengthText) : config.privateIPAddressPrefixLength;
  const single = tryParseAddress(base);
  if (!single) return undefined;
  if (length === undefined || length === (single.family === 4 ? 32 : 128)) return single;
  const block = tryAddressBlock(base, length);
  return block && { address: block.cidr, family: block.family };
}

/** The appliance address the subnet's default route of `family` goes to, if it goes to one. */
function defaultNextHopOf(table: RouteTable | undefined, family: 4 | 6): string | undefined {
  const defaultRoute = family === 4 ? '0.0.0.0/0' : '::/0';
  const route = (table?.routes ?? []).find(
    (r) => r.addressPrefix?.trim() === defaultRoute && r.nextHopType?.toLowerCase() === 'virtualappliance',
  );
  return route?.nextHopIpAddress?.trim() || undefined;
}

/** Whether a route table sends the default route of `family` to a virtual appliance. */
function defaultRouteToAppliance(table: RouteTable | undefined, family: 4 | 6): boolean {
  const defaultRoute = family === 4 ? '0.0.0.0/0' : '::/0';
  return (table?.routes ?? []).some(
    (route) => route.addressPrefix?.trim() === defaultRoute && route.nextHopType?.toLowerCase() === 'virtualappliance',
  );
}

async function nicPaths(lookup: NetworkLookup, nicId: string): Promise<ConfigPath[]> {
  const nic = await lookup.nic(nicId);
  if (!nic) return [];
  const nicNsgId = nic.networkSecurityGroup?.id;
  if (nicNsgId) void lookup.nsg(nicNsgId);
  const configs = await Promise.all(
    (nic.ipConfigurations ?? []).map(async (config): Promise<ConfigPath | undefined> => {
      const parsed = privateAddressOf(config);
      if (!parsed) return undefined;
      const publicIpId = config.publicIPAddress?.id;
      const publicIp = publicIpId ? lookup.publicIp(publicIpId) : undefined;
      const subnetId = config.subnet?.id;
      const subnetRef = subnetId ? tryParseArmId(subnetId) : undefined;
      const vnet = subnetRef ? await lookup.vnet(parentId(subnetRef)) : undefined;
      const subnet = vnet?.subnets?.find((candidate) => sameId(candidate.id, subnetId));
      const subnetNsgId = subnet?.networkSecurityGroup?.id;
      if (subnetNsgId) void lookup.nsg(subnetNsgId);
      const routeTableId = subnet?.routeTable?.id;
      const routeTable = routeTableId ? await lookup.routeTable(routeTableId) : undefined;
      const nextHop = defaultNextHopOf(routeTable, parsed.family);
      return {
        address: parsed.address,
        family: parsed.family,
        nsgIds: [subnetNsgId, nicNsgId].filter((id): id is string => id !== undefined),
        vnetPrefixes: [...(vnet?.addressSpace?.addressPrefixes ?? [])],
        broadVirtualNetwork: defaultRouteToAppliance(routeTable, parsed.family),
        ...(subnetId ? { subnetId } : {}),
        ...(vnet?.id ? { vnetId: vnet.id } : {}),
        firewallSubnet: (vnet?.subnets ?? []).some((s) => s.name?.toLowerCase() === 'azurefirewallsubnet'),
        ...(nextHop ? { defaultNextHop: nextHop } : {}),
        publicIp,
      };
    }),
  );
  return configs.filter((config): config is ConfigPath => config !== undefined);
}

/** Resolves everything jit needs about a VM's network (see the file comment for the order of reads). */
export async function resolveNetwork(vm: VirtualMachine, lookup: NetworkLookup): Promise<VmNetwork> {
  const vmId = parseArmId(vm.id, 'a virtual machine');
  const nicIds = (vm.networkProfile?.networkInterfaces ?? []).map((ref) => ref.id).filter((id): id is string => !!id);
  const configs = (await Promise.all(nicIds.map((id) => nicPaths(lookup, id)))).flat();
  const nsgIds = [...new Map(configs.flatMap((c) => c.nsgIds).map((id) => [idKey(id), id])).values()];
  const [nsgs, publicIps] = await Promise.all([
    Promise.all(nsgIds.map((id) => lookup.nsg(id))),
    Promise.all(configs.map((c) => c.publicIp)),
  ]);
  const snapshots = new Map<string, NsgSnapshot>();
  for (const nsg of nsgs) if (nsg) snapshots.set(idKey(nsg.id ?? ''), snapshotOf(nsg));
  const paths = configs.map(({ publicIp: _publicIp, ...path }) => ({
    ...path,
    // An NSG the listing did not have (deleted meanwhile) is no NSG.
    nsgIds: path.nsgIds.filter((id) => snapshots.has(idKey(id))),
  }));
  const state = powerState(vm);
  return {
    id: vm.id ?? vmId.id,
    name: vm.name ?? vmId.name,
    subscriptionId: vmId.subscriptionId,
    resourceGroup: vmId.resourceGroup,
    tags: { ...(vm.tags ?? {}) },
    ...(state ? { state } : {}),
    ...(vm.osProfile?.adminUsername ? { adminUser: vm.osProfile.adminUsername } : {}),
    paths,
    publicAddresses: [...new Set(publicIps.map((ip) => ip?.ipAddress).filter((ip): ip is string => !!ip))],
    nsgs: snapshots,
  };
}

/** The VM's private addresses that traffic through this NSG reaches (a subnet NSG sees only this VM's). */
export function destinationsThrough(network: VmNetwork, nsgId: string): AddressPath[] {
  return network.paths.filter((path) => path.nsgIds.some((id) => sameId(id, nsgId)));
}
