// The emulator's world: subscriptions, resource groups and ARM resources kept as the JSON ARM returns.
// Lookups are case-insensitive because ARM resource ids are. Back-references that the Network RP fills in
// (NSG → NICs/subnets, subnet → ipConfigurations, NIC → VM, public IP → ipConfiguration) are computed on
// every read from the forward references, so seeding order never matters.
import { randomUUID } from 'node:crypto';
import { DEFAULT_TENANT_ID } from './token.js';
import type { ArmSecurityRule, RuleProperties } from './validation.js';
import { normalizeRuleProperties } from './validation.js';

export type Json = Record<string, unknown>;

export interface ArmResource {
  id: string;
  name: string;
  type: string;
  location?: string;
  tags?: Record<string, string>;
  etag?: string;
  properties: Json;
  [key: string]: unknown;
}

export interface SubscriptionRecord {
  subscriptionId: string;
  tenantId: string;
  displayName: string;
}

export interface ResourceGroupRecord {
  id: string;
  name: string;
  location: string;
  tags?: Record<string, string>;
}

/**
 * A rule to seed: ARM's shape (`{ name, properties: {...} }`) or the SDK's flattened one
 * (`{ name, priority, ... }`).
 */
export type SecurityRuleInput = { name: string; properties?: RuleProperties } & RuleProperties;

export interface VmInput {
  location?: string;
  tags?: Record<string, string>;
  /** NIC resource ids; the first is the primary one. */
  networkInterfaceIds: string[];
  osType?: 'Linux' | 'Windows';
  vmSize?: string;
  adminUsername?: string;
  /** Merged over the generated `properties`. */
  properties?: Json;
}

interface NicIpConfigInput {
  name?: string;
  /** An address, or a CIDR block (`172.20.2.16/28`) for a configuration that holds a prefix. */
  privateIPAddress: string;
  /** Set with a CIDR `privateIPAddress`, as the Network RP returns it (NetworkInterfaceGet.json, 2024-05-01). */
  privateIPAddressPrefixLength?: number;
  subnetId: string;
  publicIPAddressId?: string;
  primary?: boolean;
}

export interface NicInput {
  location?: string;
  tags?: Record<string, string>;
  ipConfigurations: NicIpConfigInput[];
  networkSecurityGroupId?: string;
}

export interface SubnetInput {
  name: string;
  addressPrefix: string;
  networkSecurityGroupId?: string;
  routeTableId?: string;
}

export interface RouteInput {
  name: string;
  addressPrefix: string;
  /** `VirtualAppliance`, `Internet`, `VnetLocal`, `VirtualNetworkGateway` or `None`. */
  nextHopType: string;
  nextHopIpAddress?: string;
}

export interface RouteTableInput {
  location?: string;
  routes?: RouteInput[];
}

/** A management lock (Microsoft.Authorization/locks) on a subscription, resource group or resource. */
export interface LockRecord {
  id: string;
  name: string;
  /** The id of what the lock is on: `/subscriptions/…`, `…/resourceGroups/rg` or a resource id. */
  scope: string;
  /** ManagementLockLevel: `NotSpecified` blocks nothing. */
  level: 'CanNotDelete' | 'ReadOnly' | 'NotSpecified';
  notes?: string;
}

export interface VnetInput {
  location?: string;
  addressPrefixes?: string[];
  subnets?: SubnetInput[];
}

export interface PublicIpInput {
  location?: string;
  ipAddress: string;
  version?: 'IPv4' | 'IPv6';
}

export interface NsgInput {
  location?: string;
  tags?: Record<string, string>;
  securityRules?: SecurityRuleInput[];
}

/** An Azure Firewall's IP configuration: the first one's subnet must be the VNet's `AzureFirewallSubnet`. */
interface FirewallIpConfigInput {
  name?: string;
  subnetId: string;
  publicIpId?: string;
  /** The firewall's private address in AzureFirewallSubnet (what a route's next hop names). */
  privateIPAddress: string;
}

export interface FirewallInput {
  location?: string;
  ipConfigurations: FirewallIpConfigInput[];
  /** A Firewall Policy id: the firewall then has no classic collections. */
  firewallPolicyId?: string;
  natRuleCollections?: Json[];
  networkRuleCollections?: Json[];
  applicationRuleCollections?: Json[];
}

export interface FirewallPolicyInput {
  location?: string;
  /** Rule collection groups as ARM returns them: `{ name, properties: { priority, ruleCollections } }`. */
  ruleCollectionGroups?: { name: string; properties: Json }[];
}

export interface StateSnapshot {
  subscriptions: SubscriptionRecord[];
  resourceGroups: ResourceGroupRecord[];
  resources: ArmResource[];
  locks?: LockRecord[];
}

export const TYPES = {
  vm: 'Microsoft.Compute/virtualMachines',
  nic: 'Microsoft.Network/networkInterfaces',
  vnet: 'Microsoft.Network/virtualNetworks',
  nsg: 'Microsoft.Network/networkSecurityGroups',
  pip: 'Microsoft.Network/publicIPAddresses',
  rt: 'Microsoft.Network/routeTables',
  fw: 'Microsoft.Network/azureFirewalls',
  fwp: 'Microsoft.Network/firewallPolicies',
} as const;
export type ResourceKind = keyof typeof TYPES;

const RULE_TYPE = 'Microsoft.Network/networkSecurityGroups/securityRules';
const DEFAULT_RULE_TYPE = 'Microsoft.Network/networkSecurityGroups/defaultSecurityRules';
const DEFAULT_LOCATION = 'westeurope';

// The six rules every NSG carries (REST spec example NetworkSecurityGroupGet.json).
const DEFAULT_RULES: [string, string, string, string, 'Allow' | 'Deny', number, 'Inbound' | 'Outbound'][] = [
  [
    'AllowVnetInBound',
    'Allow inbound traffic from all VMs in VNET',
    'VirtualNetwork',
    'VirtualNetwork',
    'Allow',
    65000,
    'Inbound',
  ],
  [
    'AllowAzureLoadBalancerInBound',
    'Allow inbound traffic from azure load balancer',
    'AzureLoadBalancer',
    '*',
    'Allow',
    65001,
    'Inbound',
  ],
  ['DenyAllInBound', 'Deny all inbound traffic', '*', '*', 'Deny', 65500, 'Inbound'],
  [
    'AllowVnetOutBound',
    'Allow outbound traffic from all VMs to all VMs in VNET',
    'VirtualNetwork',
    'VirtualNetwork',
    'Allow',
    65000,
    'Outbound',
  ],
  [
    'AllowInternetOutBound',
    'Allow outbound traffic from all VMs to Internet',
    '*',
    'Internet',
    'Allow',
    65001,
    'Outbound',
  ],
  ['DenyAllOutBound', 'Deny all outbound traffic', '*', '*', 'Deny', 65500, 'Outbound'],
];

export const newEtag = (): string => `W/"${randomUUID()}"`;
const clone = <T>(value: T): T => structuredClone(value);
const same = (a: unknown, b: unknown): boolean =>
  typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
const refId = (ref: unknown): string | undefined =>
  ref !== null && typeof ref === 'object' && typeof (ref as { id?: unknown }).id === 'string'
    ? (ref as { id: string }).id
    : undefined;

function resourceGroupId(subscriptionId: string, resourceGroup: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
}

export function resourceId(
  subscriptionId: string,
  resourceGroup: string,
  kind: ResourceKind,
  name: string,
): string {
  return `${resourceGroupId(subscriptionId, resourceGroup)}/providers/${TYPES[kind]}/${name}`;
}

/** Splits `/subscriptions/s/resourceGroups/rg/providers/Ns/type/name[/child/name]`. */
function parseResourceId(
  id: string,
): { subscriptionId: string; resourceGroup: string; type: string; name: string } | undefined {
  const match =
    /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+\/[^/]+)\/([^/]+)/i.exec(id);
  if (!match) return undefined;
  const [, subscriptionId = '', resourceGroup = '', type = '', name = ''] = match;
  return { subscriptionId, resourceGroup, type, name };
}

function ruleProps(input: SecurityRuleInput): RuleProperties {
  if (input.properties) return { ...input.properties };
  const {
    name: _name,
    id: _id,
    etag: _etag,
    type: _type,
    properties: _props,
    ...flat
  } = input as SecurityRuleInput & Json;
  return flat as RuleProperties;
}

export class ArmState {
  private readonly subscriptions = new Map<string, SubscriptionRecord>();
  private readonly groups = new Map<string, ResourceGroupRecord>();
  private readonly resources = new Map<string, ArmResource>();
  private readonly locks = new Map<string, LockRecord>();

  // ---- subscriptions and resource groups -------------------------------------------------------

  addSubscription(
    subscriptionId: string,
    options: { tenantId?: string; displayName?: string } = {},
  ): SubscriptionRecord {
    const existing = this.subscriptions.get(subscriptionId.toLowerCase());
    if (existing && !options.tenantId && !options.displayName) return existing;
    const record: SubscriptionRecord = {
      subscriptionId,
      tenantId: options.tenantId ?? existing?.tenantId ?? DEFAULT_TENANT_ID,
      displayName:
        options.displayName ?? existing?.displayName ?? `Emulated subscription ${subscriptionId.slice(0, 8)}`,
    };
    this.subscriptions.set(subscriptionId.toLowerCase(), record);
    return record;
  }

  getSubscription(subscriptionId: string): SubscriptionRecord | undefined {
    return this.subscriptions.get(subscriptionId.toLowerCase());
  }

  listSubscriptions(): SubscriptionRecord[] {
    return [...this.subscriptions.values()].map(clone);
  }

  addResourceGroup(
    subscriptionId: string,
    name: string,
    options: { location?: string; tags?: Record<string, string> } = {},
  ): ResourceGroupRecord {
    this.addSubscription(subscriptionId);
    const id = resourceGroupId(subscriptionId, name);
    const existing = this.groups.get(id.toLowerCase());
    if (existing && !options.location && !options.tags) return existing;
    const record: ResourceGroupRecord = {
      id,
      name: existing?.name ?? name,
      location: options.location ?? existing?.location ?? DEFAULT_LOCATION,
      ...(options.tags ? { tags: options.tags } : {}),
    };
    this.groups.set(id.toLowerCase(), record);
    return record;
  }

  getResourceGroup(subscriptionId: string, name: string): ResourceGroupRecord | undefined {
    return this.groups.get(resourceGroupId(subscriptionId, name).toLowerCase());
  }

  listResourceGroups(subscriptionId: string): ResourceGroupRecord[] {
    const prefix = `/subscriptions/${subscriptionId}/`.toLowerCase();
    return [...this.groups.values()].filter((g) => g.id.toLowerCase().startsWith(prefix)).map(clone);
  }

  // ---- generic resources -----------------------------------------------------------------------

  /** The stored resource itself (no computed fields); mutate it only through the methods below. */
  raw(id: string): ArmResource | undefined {
    return this.resources.get(id.toLowerCase());
  }

  /** Any stored resource as ARM returns it, by id (case-insensitive). */
  get(id: string): ArmResource | undefined {
    const resource = this.raw(id);
    return resource ? this.view(resource) : undefined;
  }

  /** Stores a resource as given (for seeding shapes the helpers don't build). */
  put(resource: ArmResource): ArmResource {
    const parsed = parseResourceId(resource.id);
    if (parsed) this.addResourceGroup(parsed.subscriptionId, parsed.resourceGroup);
    const stored = clone(resource);
    if (!stored.etag && /^Microsoft\.Network\//i.test(stored.type)) stored.etag = newEtag();
    this.resources.set(resource.id.toLowerCase(), stored);
    return this.get(resource.id)!;
  }

  delete(id: string): boolean {
    return this.resources.delete(id.toLowerCase());
  }

  /** Every resource of `kind` in a subscription (and resource group), as ARM returns them. */
  list(kind: ResourceKind, subscriptionId: string, resourceGroup?: string): ArmResource[] {
    const prefix = (
      resourceGroup
        ? `${resourceGroupId(subscriptionId, resourceGroup)}/`
        : `/subscriptions/${subscriptionId}/`
    ).toLowerCase();
    return [...this.resources.values()]
      .filter((r) => same(r.type, TYPES[kind]) && r.id.toLowerCase().startsWith(prefix))
      .map((r) => this.view(r));
  }

  /**
   * Stores a top-level resource: the members every one carries (name, id, type, location, tags)
   * around the `body` its kind builds from the id. Returns it as ARM returns it.
   */
  private putTopLevel(
    kind: ResourceKind,
    subscriptionId: string,
    resourceGroup: string,
    name: string,
    input: { location?: string; tags?: Record<string, string> },
    body: (id: string) => { properties: Json; etag?: string; [key: string]: unknown },
  ): ArmResource {
    const id = resourceId(subscriptionId, resourceGroup, kind, name);
    const resource: ArmResource = {
      name,
      id,
      type: TYPES[kind],
      location: input.location ?? this.addResourceGroup(subscriptionId, resourceGroup).location,
      ...(input.tags ? { tags: { ...input.tags } } : {}),
      ...body(id),
    };
    this.resources.set(id.toLowerCase(), resource);
    return this.view(resource);
  }

  // ---- virtual machines ------------------------------------------------------------------------

  putVm(subscriptionId: string, resourceGroup: string, name: string, input: VmInput): ArmResource {
    const existing = this.raw(resourceId(subscriptionId, resourceGroup, 'vm', name));
    const osType = input.osType ?? 'Linux';
    const properties: Json = {
      vmId: (existing?.properties.vmId as string | undefined) ?? randomUUID(),
      hardwareProfile: { vmSize: input.vmSize ?? 'Standard_B2s' },
      storageProfile: {
        osDisk: {
          osType,
          name: `${name}_OsDisk_1`,
          createOption: 'FromImage',
          caching: 'ReadWrite',
          deleteOption: 'Delete',
          diskSizeGB: 30,
          managedDisk: {
            storageAccountType: 'Premium_LRS',
            id: `${resourceGroupId(subscriptionId, resourceGroup)}/providers/Microsoft.Compute/disks/${name}_OsDisk_1`,
          },
        },
        dataDisks: [],
      },
      osProfile: {
        computerName: name,
        adminUsername: input.adminUsername ?? 'azureuser',
        ...(osType === 'Linux'
          ? { linuxConfiguration: { disablePasswordAuthentication: true, provisionVMAgent: true } }
          : { windowsConfiguration: { provisionVMAgent: true, enableAutomaticUpdates: true } }),
        secrets: [],
        allowExtensionOperations: true,
      },
      networkProfile: {
        networkInterfaces: input.networkInterfaceIds.map((nicId, index) => ({
          id: nicId,
          properties: { primary: index === 0 },
        })),
      },
      provisioningState: 'Succeeded',
      timeCreated: (existing?.properties.timeCreated as string | undefined) ?? new Date().toISOString(),
      ...input.properties,
    };
    return this.putTopLevel('vm', subscriptionId, resourceGroup, name, input, () => ({ properties }));
  }

  getVm(subscriptionId: string, resourceGroup: string, name: string): ArmResource | undefined {
    return this.get(resourceId(subscriptionId, resourceGroup, 'vm', name));
  }

  /** Replaces a VM's tags (what ARM does with `tags` in a PATCH body). */
  setVmTags(subscriptionId: string, resourceGroup: string, name: string, tags: Record<string, string>): void {
    const vm = this.raw(resourceId(subscriptionId, resourceGroup, 'vm', name));
    if (!vm) throw new Error(`no VM ${name} in ${resourceGroup}`);
    vm.tags = { ...tags };
  }

  // ---- network interfaces, virtual networks, public IPs ----------------------------------------

  putNic(subscriptionId: string, resourceGroup: string, name: string, input: NicInput): ArmResource {
    return this.putTopLevel('nic', subscriptionId, resourceGroup, name, input, (id) => ({
      etag: newEtag(),
      properties: {
        provisioningState: 'Succeeded',
        resourceGuid: randomUUID(),
        ipConfigurations: input.ipConfigurations.map((config, index) => {
          const configName = config.name ?? `ipconfig${index + 1}`;
          return {
            name: configName,
            id: `${id}/ipConfigurations/${configName}`,
            type: 'Microsoft.Network/networkInterfaces/ipConfigurations',
            properties: {
              provisioningState: 'Succeeded',
              privateIPAddress: config.privateIPAddress,
              ...(config.privateIPAddressPrefixLength !== undefined
                ? { privateIPAddressPrefixLength: config.privateIPAddressPrefixLength }
                : {}),
              privateIPAllocationMethod: 'Dynamic',
              privateIPAddressVersion: config.privateIPAddress.includes(':') ? 'IPv6' : 'IPv4',
              subnet: { id: config.subnetId },
              primary: config.primary ?? index === 0,
              ...(config.publicIPAddressId ? { publicIPAddress: { id: config.publicIPAddressId } } : {}),
            },
          };
        }),
        dnsSettings: { dnsServers: [], appliedDnsServers: [] },
        enableAcceleratedNetworking: false,
        enableIPForwarding: false,
        nicType: 'Standard',
        ...(input.networkSecurityGroupId
          ? { networkSecurityGroup: { id: input.networkSecurityGroupId } }
          : {}),
      },
    }));
  }

  getNic(subscriptionId: string, resourceGroup: string, name: string): ArmResource | undefined {
    return this.get(resourceId(subscriptionId, resourceGroup, 'nic', name));
  }

  /** Attaches (or with `undefined` detaches) an NSG to a NIC. */
  setNicNsg(subscriptionId: string, resourceGroup: string, name: string, nsgId: string | undefined): void {
    const nic = this.raw(resourceId(subscriptionId, resourceGroup, 'nic', name));
    if (!nic) throw new Error(`no NIC ${name} in ${resourceGroup}`);
    if (nsgId) nic.properties.networkSecurityGroup = { id: nsgId };
    else delete nic.properties.networkSecurityGroup;
    nic.etag = newEtag();
  }

  putVnet(subscriptionId: string, resourceGroup: string, name: string, input: VnetInput = {}): ArmResource {
    this.putTopLevel('vnet', subscriptionId, resourceGroup, name, input, () => ({
      etag: newEtag(),
      properties: {
        provisioningState: 'Succeeded',
        resourceGuid: randomUUID(),
        addressSpace: { addressPrefixes: input.addressPrefixes ?? ['10.0.0.0/16'] },
        subnets: [],
        virtualNetworkPeerings: [],
        enableDdosProtection: false,
      },
    }));
    for (const subnet of input.subnets ?? []) this.putSubnet(subscriptionId, resourceGroup, name, subnet);
    return this.getVnet(subscriptionId, resourceGroup, name)!;
  }

  putSubnet(subscriptionId: string, resourceGroup: string, vnetName: string, input: SubnetInput): Json {
    const vnet = this.raw(resourceId(subscriptionId, resourceGroup, 'vnet', vnetName));
    if (!vnet) throw new Error(`no virtual network ${vnetName} in ${resourceGroup}`);
    const subnets = vnet.properties.subnets as Json[];
    const subnet: Json = {
      name: input.name,
      id: `${vnet.id}/subnets/${input.name}`,
      type: 'Microsoft.Network/virtualNetworks/subnets',
      properties: {
        provisioningState: 'Succeeded',
        addressPrefix: input.addressPrefix,
        delegations: [],
        privateEndpointNetworkPolicies: 'Disabled',
        privateLinkServiceNetworkPolicies: 'Enabled',
        ...(input.networkSecurityGroupId
          ? { networkSecurityGroup: { id: input.networkSecurityGroupId } }
          : {}),
        ...(input.routeTableId ? { routeTable: { id: input.routeTableId } } : {}),
      },
    };
    const index = subnets.findIndex((s) => same(s.name, input.name));
    if (index >= 0) subnets[index] = subnet;
    else subnets.push(subnet);
    vnet.etag = newEtag();
    return this.getSubnet(subscriptionId, resourceGroup, vnetName, input.name)!;
  }

  getVnet(subscriptionId: string, resourceGroup: string, name: string): ArmResource | undefined {
    return this.get(resourceId(subscriptionId, resourceGroup, 'vnet', name));
  }

  getSubnet(subscriptionId: string, resourceGroup: string, vnetName: string, name: string): Json | undefined {
    const vnet = this.getVnet(subscriptionId, resourceGroup, vnetName);
    return (vnet?.properties.subnets as Json[] | undefined)?.find((s) => same(s.name, name));
  }

  putPublicIp(
    subscriptionId: string,
    resourceGroup: string,
    name: string,
    input: PublicIpInput,
  ): ArmResource {
    return this.putTopLevel('pip', subscriptionId, resourceGroup, name, input, () => ({
      etag: newEtag(),
      sku: { name: 'Standard', tier: 'Regional' },
      properties: {
        provisioningState: 'Succeeded',
        resourceGuid: randomUUID(),
        ipAddress: input.ipAddress,
        publicIPAddressVersion: input.version ?? (input.ipAddress.includes(':') ? 'IPv6' : 'IPv4'),
        publicIPAllocationMethod: 'Static',
        idleTimeoutInMinutes: 4,
        ipTags: [],
      },
    }));
  }

  getPublicIp(subscriptionId: string, resourceGroup: string, name: string): ArmResource | undefined {
    return this.get(resourceId(subscriptionId, resourceGroup, 'pip', name));
  }

  /** A route table (REST spec example RouteTableGet.json): `properties.routes[]` with the next hop of each prefix. */
  putRouteTable(subscriptionId: string, resourceGroup: string, name: string, input: RouteTableInput = {}): ArmResource {
    return this.putTopLevel('rt', subscriptionId, resourceGroup, name, input, (id) => ({
      etag: newEtag(),
      properties: {
        provisioningState: 'Succeeded',
        resourceGuid: randomUUID(),
        disableBgpRoutePropagation: false,
        routes: (input.routes ?? []).map((route) => ({
          name: route.name,
          id: `${id}/routes/${route.name}`,
          type: 'Microsoft.Network/routeTables/routes',
          properties: {
            provisioningState: 'Succeeded',
            addressPrefix: route.addressPrefix,
            nextHopType: route.nextHopType,
            ...(route.nextHopIpAddress ? { nextHopIpAddress: route.nextHopIpAddress } : {}),
          },
        })),
      },
    }));
  }

  getRouteTable(subscriptionId: string, resourceGroup: string, name: string): ArmResource | undefined {
    return this.get(resourceId(subscriptionId, resourceGroup, 'rt', name));
  }

  // ---- Azure Firewalls and Firewall Policies --------------------------------------------------

  /** A firewall (REST spec example AzureFirewallPut.json): classic collections or a `firewallPolicy` reference. */
  putFirewall(subscriptionId: string, resourceGroup: string, name: string, input: FirewallInput): ArmResource {
    return this.putTopLevel('fw', subscriptionId, resourceGroup, name, input, (id) => ({
      etag: newEtag(),
      properties: {
        provisioningState: 'Succeeded',
        sku: { name: 'AZFW_VNet', tier: 'Standard' },
        threatIntelMode: 'Alert',
        additionalProperties: {},
        ipConfigurations: input.ipConfigurations.map((config, index) => ({
          name: config.name ?? `ipconfig${index + 1}`,
          id: `${id}/azureFirewallIpConfigurations/${config.name ?? `ipconfig${index + 1}`}`,
          type: 'Microsoft.Network/azureFirewalls/azureFirewallIpConfigurations',
          properties: {
            provisioningState: 'Succeeded',
            privateIPAddress: config.privateIPAddress,
            subnet: { id: config.subnetId },
            ...(config.publicIpId ? { publicIPAddress: { id: config.publicIpId } } : {}),
          },
        })),
        ...(input.firewallPolicyId
          ? { firewallPolicy: { id: input.firewallPolicyId } }
          : {
              natRuleCollections: input.natRuleCollections ?? [],
              networkRuleCollections: input.networkRuleCollections ?? [],
              applicationRuleCollections: input.applicationRuleCollections ?? [],
            }),
      },
    }));
  }

  getFirewall(subscriptionId: string, resourceGroup: string, name: string): ArmResource | undefined {
    return this.get(resourceId(subscriptionId, resourceGroup, 'fw', name));
  }

  /**
   * A Firewall Policy (REST spec example FirewallPolicyPut.json). Its rule collection groups are kept
   * whole inside it; ARM returns only their ids on the policy (`view`).
   */
  putFirewallPolicy(
    subscriptionId: string,
    resourceGroup: string,
    name: string,
    input: FirewallPolicyInput = {},
  ): ArmResource {
    return this.putTopLevel('fwp', subscriptionId, resourceGroup, name, input, (id) => ({
      etag: newEtag(),
      properties: {
        provisioningState: 'Succeeded',
        threatIntelMode: 'Alert',
        sku: { tier: 'Standard' },
        ruleCollectionGroups: (input.ruleCollectionGroups ?? []).map((group) => ({
          id: `${id}/ruleCollectionGroups/${group.name}`,
          name: group.name,
          type: 'Microsoft.Network/FirewallPolicies/RuleCollectionGroups',
          etag: newEtag(),
          properties: { ...clone(group.properties), provisioningState: 'Succeeded' },
        })),
      },
    }));
  }

  /** The stored rule collection groups of a policy (live array). */
  rawRuleCollectionGroups(policy: ArmResource): Json[] {
    if (!Array.isArray(policy.properties.ruleCollectionGroups)) policy.properties.ruleCollectionGroups = [];
    return policy.properties.ruleCollectionGroups as Json[];
  }

  getRuleCollectionGroup(
    subscriptionId: string,
    resourceGroup: string,
    policy: string,
    name: string,
  ): Json | undefined {
    const stored = this.raw(resourceId(subscriptionId, resourceGroup, 'fwp', policy));
    const group = stored ? this.rawRuleCollectionGroups(stored).find((g) => same(g.name, name)) : undefined;
    return group ? clone(group) : undefined;
  }

  // ---- management locks ------------------------------------------------------------------------

  /** Puts a lock on `scope` (a subscription, resource group or resource id). */
  addLock(scope: string, name: string, level: LockRecord['level'], notes?: string): LockRecord {
    const id = `${scope}/providers/Microsoft.Authorization/locks/${name}`;
    const lock: LockRecord = { id, name, scope, level, ...(notes !== undefined ? { notes } : {}) };
    this.locks.set(id.toLowerCase(), lock);
    return clone(lock);
  }

  removeLock(scope: string, name: string): boolean {
    return this.locks.delete(`${scope}/providers/Microsoft.Authorization/locks/${name}`.toLowerCase());
  }

  /**
   * The locks a list at `scope` returns: with `atScope()`, those on the scope and every scope above it
   * (what applies to it); without, those too and every lock below it.
   */
  locksAt(scope: string, atScope: boolean): LockRecord[] {
    const target = scope.toLowerCase().replace(/\/+$/, '');
    const within = (outer: string, inner: string) => inner === outer || inner.startsWith(`${outer}/`);
    return [...this.locks.values()]
      .filter((lock) => {
        const at = lock.scope.toLowerCase();
        return within(at, target) || (!atScope && within(target, at));
      })
      .map(clone);
  }

  /**
   * The lock that refuses a write to `path`: any lock on it or above refuses a DELETE, a ReadOnly one a
   * PUT or PATCH too (Learn "lock-resources"). A lock is stored on its scope, so `path` is compared by prefix.
   */
  lockBlocking(path: string, method: string): LockRecord | undefined {
    const verb = method.toUpperCase();
    if (verb !== 'DELETE' && verb !== 'PUT' && verb !== 'PATCH') return undefined;
    return this.locksAt(path, true).find(
      (lock) => (verb === 'DELETE' && lock.level !== 'NotSpecified') || lock.level === 'ReadOnly',
    );
  }

  // ---- network security groups and their rules -------------------------------------------------

  putNsg(subscriptionId: string, resourceGroup: string, name: string, input: NsgInput = {}): ArmResource {
    return this.putTopLevel('nsg', subscriptionId, resourceGroup, name, input, (id) => ({
      etag: newEtag(),
      properties: {
        provisioningState: 'Succeeded',
        resourceGuid: randomUUID(),
        securityRules: (input.securityRules ?? []).map((rule) =>
          this.makeRule(id, rule.name, ruleProps(rule)),
        ),
      },
    }));
  }

  getNsg(subscriptionId: string, resourceGroup: string, name: string): ArmResource | undefined {
    return this.get(resourceId(subscriptionId, resourceGroup, 'nsg', name));
  }

  /** The stored NSG (no computed fields) or undefined. */
  rawNsg(subscriptionId: string, resourceGroup: string, name: string): ArmResource | undefined {
    return this.raw(resourceId(subscriptionId, resourceGroup, 'nsg', name));
  }

  makeRule(nsgId: string, name: string, props: RuleProperties): ArmSecurityRule {
    return {
      name,
      id: `${nsgId}/securityRules/${name}`,
      etag: '',
      type: RULE_TYPE,
      properties: { provisioningState: 'Succeeded', ...normalizeRuleProperties(props) },
    };
  }

  /** The stored rules array of an NSG (mutable; the server edits it in place). */
  rawRules(nsg: ArmResource): ArmSecurityRule[] {
    return nsg.properties.securityRules as ArmSecurityRule[];
  }

  /** Adds or replaces a rule without validation (seeding can create what Azure would now refuse). */
  putRule(
    subscriptionId: string,
    resourceGroup: string,
    nsgName: string,
    rule: SecurityRuleInput,
  ): ArmSecurityRule {
    const nsg = this.rawNsg(subscriptionId, resourceGroup, nsgName);
    if (!nsg) throw new Error(`no NSG ${nsgName} in ${resourceGroup}`);
    const rules = this.rawRules(nsg);
    const index = rules.findIndex((r) => same(r.name, rule.name));
    const made = this.makeRule(
      nsg.id,
      index >= 0 ? (rules[index]?.name ?? rule.name) : rule.name,
      ruleProps(rule),
    );
    if (index >= 0) rules[index] = made;
    else rules.push(made);
    nsg.etag = newEtag();
    return this.getRule(subscriptionId, resourceGroup, nsgName, rule.name)!;
  }

  getRule(
    subscriptionId: string,
    resourceGroup: string,
    nsgName: string,
    ruleName: string,
  ): ArmSecurityRule | undefined {
    const nsg = this.getNsg(subscriptionId, resourceGroup, nsgName);
    return (nsg?.properties.securityRules as ArmSecurityRule[] | undefined)?.find((r) =>
      same(r.name, ruleName),
    );
  }

  deleteRule(subscriptionId: string, resourceGroup: string, nsgName: string, ruleName: string): boolean {
    const nsg = this.rawNsg(subscriptionId, resourceGroup, nsgName);
    if (!nsg) return false;
    const rules = this.rawRules(nsg);
    const index = rules.findIndex((r) => same(r.name, ruleName));
    if (index < 0) return false;
    rules.splice(index, 1);
    nsg.etag = newEtag();
    return true;
  }

  /** An NSG's (non-default) rules as ARM returns them. */
  listRules(subscriptionId: string, resourceGroup: string, nsgName: string): ArmSecurityRule[] {
    return (
      (this.getNsg(subscriptionId, resourceGroup, nsgName)?.properties.securityRules as
      | ArmSecurityRule[]
      | undefined) ?? []
    );
  }

  /**
   * An NSG's rules reduced to what a user configured (no id, etag or provisioning state), sorted by
   * direction and priority: compare two of these to assert "the NSG is exactly as before".
   */
  ruleSummary(
    subscriptionId: string,
    resourceGroup: string,
    nsgName: string,
  ): ({ name: string } & RuleProperties)[] {
    return this.listRules(subscriptionId, resourceGroup, nsgName)
      .map((rule) => {
        const { provisioningState: _state, ...props } = rule.properties;
        return { name: rule.name, ...props };
      })
      .sort(
        (a, b) =>
          String(a.direction).localeCompare(String(b.direction)) || Number(a.priority) - Number(b.priority),
      );
  }

  defaultRules(nsgId: string, etag: string): ArmSecurityRule[] {
    return DEFAULT_RULES.map(([name, description, source, destination, access, priority, direction]) => ({
      name,
      id: `${nsgId}/defaultSecurityRules/${name}`,
      etag,
      type: DEFAULT_RULE_TYPE,
      properties: normalizeRuleProperties({
        provisioningState: 'Succeeded',
        description,
        protocol: '*',
        sourcePortRange: '*',
        destinationPortRange: '*',
        sourceAddressPrefix: source,
        destinationAddressPrefix: destination,
        access,
        priority,
        direction,
      }),
    }));
  }

  // ---- snapshots -------------------------------------------------------------------------------

  snapshot(): StateSnapshot {
    return clone({
      subscriptions: [...this.subscriptions.values()],
      resourceGroups: [...this.groups.values()],
      resources: [...this.resources.values()],
      locks: [...this.locks.values()],
    });
  }

  restore(snapshot: StateSnapshot): void {
    this.reset();
    for (const sub of snapshot.subscriptions)
      this.subscriptions.set(sub.subscriptionId.toLowerCase(), clone(sub));
    for (const group of snapshot.resourceGroups) this.groups.set(group.id.toLowerCase(), clone(group));
    for (const resource of snapshot.resources) this.resources.set(resource.id.toLowerCase(), clone(resource));
    for (const lock of snapshot.locks ?? []) this.locks.set(lock.id.toLowerCase(), clone(lock));
  }

  reset(): void {
    this.subscriptions.clear();
    this.groups.clear();
    this.resources.clear();
    this.locks.clear();
  }

  // ---- the computed view -----------------------------------------------------------------------

  /** A deep copy of `resource` with the fields the resource provider computes. */
  view(resource: ArmResource): ArmResource {
    const out = clone(resource);
    // Computed lazily: a VM (the bulk of a large listing) needs none of it.
    const all = () => [...this.resources.values()];
    const nics = () => all().filter((r) => same(r.type, TYPES.nic));
    const ipConfigs = () => nics().flatMap((nic) => (nic.properties.ipConfigurations as Json[]) ?? []);
    if (same(out.type, TYPES.nsg)) {
      // The Network RP stamps one etag on an NSG and on every rule in it.
      const etag = out.etag ?? '';
      for (const rule of (out.properties.securityRules as ArmSecurityRule[]) ?? []) rule.etag = etag;
      out.properties.defaultSecurityRules = this.defaultRules(out.id, etag);
      const attachedNics = nics().filter((nic) => same(refId(nic.properties.networkSecurityGroup), out.id));
      if (attachedNics.length) out.properties.networkInterfaces = attachedNics.map((nic) => ({ id: nic.id }));
      const attachedSubnets = all()
        .filter((r) => same(r.type, TYPES.vnet))
        .flatMap((vnet) => (vnet.properties.subnets as Json[]) ?? [])
        .filter((subnet) => same(refId((subnet.properties as Json).networkSecurityGroup), out.id));
      if (attachedSubnets.length) out.properties.subnets = attachedSubnets.map((s) => ({ id: s.id }));
    } else if (same(out.type, TYPES.nic)) {
      const etag = out.etag ?? '';
      for (const config of (out.properties.ipConfigurations as Json[]) ?? []) config.etag = etag;
      const vm = all().find(
        (r) =>
          same(r.type, TYPES.vm) &&
          ((r.properties.networkProfile as Json | undefined)?.networkInterfaces as Json[] | undefined)?.some(
            (ref) => same(ref.id, out.id),
          ),
      );
      if (vm) out.properties.virtualMachine = { id: vm.id };
    } else if (same(out.type, TYPES.vnet)) {
      const etag = out.etag ?? '';
      const configs = ipConfigs();
      for (const subnet of (out.properties.subnets as Json[]) ?? []) {
        subnet.etag = etag;
        const users = configs.filter((config) => same(refId((config.properties as Json).subnet), subnet.id));
        if (users.length)
          (subnet.properties as Json).ipConfigurations = users.map((config) => ({ id: config.id }));
      }
    } else if (same(out.type, TYPES.fwp)) {
      // The policy lists its groups by id, and the firewalls that use it.
      const groups = (out.properties.ruleCollectionGroups as Json[] | undefined) ?? [];
      out.properties.ruleCollectionGroups = groups.map((group) => ({ id: group.id }));
      const users = all().filter(
        (r) => same(r.type, TYPES.fw) && same(refId(r.properties.firewallPolicy), out.id),
      );
      out.properties.firewalls = users.map((fw) => ({ id: fw.id }));
    } else if (same(out.type, TYPES.pip)) {
      const user = ipConfigs().find((config) =>
        same(refId((config.properties as Json).publicIPAddress), out.id),
      );
      if (user) out.properties.ipConfiguration = { id: user.id };
    }
    return out;
  }
}
