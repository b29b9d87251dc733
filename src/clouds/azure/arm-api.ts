/**
 * The narrow seam over the two SDK clients: only the calls jit makes, each one passing its failure
 * through `toJitError` (errors.ts), so nothing above this file sees an SDK error or class. The model
 * types are the SDKs' own (type-only imports: nothing is loaded at run time from here).
 *
 * Long-running operations (rule PUT/DELETE) are awaited to completion.
 * `updateIntervalInMs` only applies when ARM sends no usable Retry-After: core-lro ignores
 * `Retry-After: 0` and would otherwise wait its 2 s default between polls
 * (@azure/core-lro `poller/poller.js`, `http/operation.js`).
 *
 * Two APIs have no client in the two SDKs and are plain REST, sent through the network client's own
 * pipeline (the same credential, TLS settings and retries) by `send`:
 * - management locks, `GET {scope}/providers/Microsoft.Authorization/locks?$filter=atScope()`
 *   (api-version 2016-09-01, ManagementLocks_ListAtResourceLevel / ListByScope: `{value: [{id, name,
 *   properties: {level, notes}}], nextLink}`; atScope() returns the locks on the scope and above it);
 * - the tags API, `PATCH {resourceId}/providers/Microsoft.Resources/tags/default` with `{operation:
 *   'Merge'|'Delete', properties: {tags}}` (Tags_UpdateAtScope, api-version 2021-04-01, which answers
 *   200 synchronously). It needs only Microsoft.Resources/tags/write, and unlike a VM PATCH it is not
 *   checked against the VM's linked resources (LinkedAuthorizationFailed, Azure/azure-cli#28742).
 */
import type { ComputeManagementClient, VirtualMachine } from '@azure/arm-compute';
import type {
  AzureFirewall,
  FirewallPolicy,
  FirewallPolicyNatRuleCollection,
  FirewallPolicyRuleCollectionGroup,
  NetworkInterface,
  NetworkInterfaceIPConfiguration,
  NetworkManagementClient,
  NetworkSecurityGroup,
  PublicIPAddress,
  RouteTable,
  SecurityRule,
  VirtualNetwork,
} from '@azure/arm-network';
import { type CallContext, toJitError } from './errors.js';

export type {
  AzureFirewall,

  FirewallPolicyNatRuleCollection,
  FirewallPolicyRuleCollectionGroup,
  NetworkInterface,
  NetworkInterfaceIPConfiguration,
  NetworkSecurityGroup,
  PublicIPAddress,
  RouteTable,
  SecurityRule,
  VirtualMachine,
  VirtualNetwork,
};

/** A plain ARM request: `path` from `/subscriptions/…`, the api-version and any other query in `query`. */
interface ArmRequest {
  method: 'GET' | 'PATCH';
  path: string;
  query: Record<string, string>;
  body?: unknown;
}

/**
 * Sends an ArmRequest (or a `nextLink` URL) and resolves with the parsed JSON body; an error answer
 * rejects with an error shaped like the SDKs' RestError (`statusCode`, `code`), so errors.ts maps it.
 */
export type ArmSend = (request: ArmRequest | { nextLink: string }) => Promise<unknown>;

/** A lock as ARM lists it; fields are checked before use (locks.ts). */
export interface RawLock {
  id?: unknown;
  name?: unknown;
  properties?: { level?: unknown; notes?: unknown };
}

const LOCKS_API_VERSION = '2016-09-01';
const TAGS_API_VERSION = '2021-04-01';

/** Between polls of a long-running operation when ARM does not say; a second keeps `jit request` snappy. */
const LRO_POLL_MS = 1000;

export interface AzureApi {
  readonly subscriptionId: string;
  listVms(): Promise<VirtualMachine[]>;
  /** With `instanceView`, ARM adds the power state (`$expand=instanceView`) in the same call. */
  getVm(resourceGroup: string, name: string, options: { instanceView: boolean }): Promise<VirtualMachine>;
  /** Adds or overwrites these tags on a resource, leaving its others alone (tags API, `Merge`). */
  mergeTags(resourceId: string, tags: Record<string, string>): Promise<void>;
  /** Removes these name/value pairs from a resource's tags (tags API, `Delete`). */
  deleteTags(resourceId: string, tags: Record<string, string>): Promise<void>;
  /** The management locks on `scopeId` and every scope above it (its resource group, its subscription). */
  listLocks(scopeId: string): Promise<RawLock[]>;
  getNic(resourceGroup: string, name: string): Promise<NetworkInterface>;
  listNics(): Promise<NetworkInterface[]>;
  getVnet(resourceGroup: string, name: string): Promise<VirtualNetwork>;
  listVnets(): Promise<VirtualNetwork[]>;
  getRouteTable(resourceGroup: string, name: string): Promise<RouteTable>;
  listRouteTables(): Promise<RouteTable[]>;
  getPublicIp(resourceGroup: string, name: string): Promise<PublicIPAddress>;
  getNsg(resourceGroup: string, name: string): Promise<NetworkSecurityGroup>;
  listNsgs(): Promise<NetworkSecurityGroup[]>;
  putRule(resourceGroup: string, nsg: string, name: string, rule: SecurityRule): Promise<void>;
  /** Succeeds when the rule is already gone (ARM answers 204). */
  deleteRule(resourceGroup: string, nsg: string, name: string): Promise<void>;
  // Azure Firewall (docs/azure-firewall.md): every write replaces the whole firewall or rule collection
  // group, so each one carries the etag it was planned from (If-Match) and loses with 412 to any other write.
  listFirewalls(): Promise<AzureFirewall[]>;
  getFirewall(resourceGroup: string, name: string): Promise<AzureFirewall>;
  putFirewall(resourceGroup: string, name: string, firewall: AzureFirewall, etag: string | undefined): Promise<void>;
  getFirewallPolicy(resourceGroup: string, name: string): Promise<FirewallPolicy>;
  getRuleCollectionGroup(
    resourceGroup: string,
    policy: string,
    name: string,
  ): Promise<FirewallPolicyRuleCollectionGroup>;
  /** `etag` undefined: create only (If-None-Match: *), so two jit processes never both create the group. */
  putRuleCollectionGroup(
    resourceGroup: string,
    policy: string,
    name: string,
    group: FirewallPolicyRuleCollectionGroup,
    etag: string | undefined,
  ): Promise<void>;
  deleteRuleCollectionGroup(
    resourceGroup: string,
    policy: string,
    name: string,
    etag: string | undefined,
  ): Promise<void>;
}

export interface ArmClients {
  network: NetworkManagementClient;
  compute: ComputeManagementClient;
  send: ArmSend;
}

async function guard<T>(context: CallContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toJitError(error, context);
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

export function createAzureApi({ network, compute, send }: ArmClients, subscriptionId: string): AzureApi {
  const patchTags = (resourceId: string, operation: 'Merge' | 'Delete', tags: Record<string, string>) =>
    send({
      method: 'PATCH',
      path: `${resourceId}/providers/Microsoft.Resources/tags/default`,
      query: { 'api-version': TAGS_API_VERSION },
      body: { operation, properties: { tags } },
    });
  const vmContext = (name: string, resourceGroup?: string): CallContext => ({
    action: `reading VM ${name}`,
    vm: { name, subscriptionId, ...(resourceGroup !== undefined ? { resourceGroup } : {}) },
  });
  return {
    subscriptionId,
    listVms: () =>
      guard({ action: `listing the VMs of subscription ${subscriptionId}` }, () => collect(compute.virtualMachines.listAll())),
    getVm: (resourceGroup, name, { instanceView }) =>
      guard(vmContext(name, resourceGroup), () =>
        compute.virtualMachines.get(resourceGroup, name, instanceView ? { expand: 'instanceView' } : {}),
      ),
    mergeTags: (resourceId, tags) =>
      guard({ action: `setting tags on ${resourceId}` }, async () => {
        await patchTags(resourceId, 'Merge', tags);
      }),
    deleteTags: (resourceId, tags) =>
      guard({ action: `removing tags from ${resourceId}` }, async () => {
        await patchTags(resourceId, 'Delete', tags);
      }),
    listLocks: (scopeId) =>
      guard({ action: `reading the management locks that apply to ${scopeId}` }, async () => {
        const locks: RawLock[] = [];
        let page: unknown = await send({
          method: 'GET',
          path: `${scopeId}/providers/Microsoft.Authorization/locks`,
          query: { 'api-version': LOCKS_API_VERSION, $filter: 'atScope()' },
        });
        for (let pages = 0; pages < 100; pages++) {
          const { value, nextLink } = (page ?? {}) as { value?: unknown; nextLink?: unknown };
          if (Array.isArray(value)) locks.push(...(value as RawLock[]));
          if (typeof nextLink !== 'string' || nextLink === '') break;
          page = await send({ nextLink });
        }
        return locks;
      }),
    getNic: (resourceGroup, name) =>
      guard({ action: `reading network interface ${name}` }, () => network.networkInterfaces.get(resourceGroup, name)),
    listNics: () => guard({ action: 'listing network interfaces' }, () => collect(network.networkInterfaces.listAll())),
    getVnet: (resourceGroup, name) =>
      guard({ action: `reading virtual network ${name}` }, () => network.virtualNetworks.get(resourceGroup, name)),
    listVnets: () => guard({ action: 'listing virtual networks' }, () => collect(network.virtualNetworks.listAll())),
    getRouteTable: (resourceGroup, name) =>
      guard({ action: `reading route table ${name}` }, () => network.routeTables.get(resourceGroup, name)),
    listRouteTables: () => guard({ action: 'listing route tables' }, () => collect(network.routeTables.listAll())),
    getPublicIp: (resourceGroup, name) =>
      guard({ action: `reading public IP address ${name}` }, () => network.publicIPAddresses.get(resourceGroup, name)),
    getNsg: (resourceGroup, name) =>
      guard({ action: `reading network security group ${name}` }, () =>
        network.networkSecurityGroups.get(resourceGroup, name),
      ),
    listNsgs: () =>
      guard({ action: 'listing network security groups' }, () => collect(network.networkSecurityGroups.listAll())),
    putRule: (resourceGroup, nsg, name, rule) =>
      guard({ action: `writing rule ${name} on network security group ${nsg}` }, async () => {
        await network.securityRules.beginCreateOrUpdateAndWait(resourceGroup, nsg, name, rule, {
          updateIntervalInMs: LRO_POLL_MS,
        });
      }),
    listFirewalls: () => guard({ action: 'listing Azure Firewalls' }, () => collect(network.azureFirewalls.listAll())),
    getFirewall: (resourceGroup, name) =>
      guard({ action: `reading Azure Firewall ${name}` }, () => network.azureFirewalls.get(resourceGroup, name)),
    putFirewall: (resourceGroup, name, firewall, etag) =>
      guard({ action: `writing Azure Firewall ${name}` }, async () => {
        await network.azureFirewalls.beginCreateOrUpdateAndWait(resourceGroup, name, firewall, {
          updateIntervalInMs: LRO_POLL_MS,
          requestOptions: { customHeaders: etag ? { 'If-Match': etag } : {} },
        });
      }),
    getFirewallPolicy: (resourceGroup, name) =>
      guard({ action: `reading firewall policy ${name}` }, () => network.firewallPolicies.get(resourceGroup, name)),
    getRuleCollectionGroup: (resourceGroup, policy, name) =>
      guard({ action: `reading rule collection group ${name} of firewall policy ${policy}` }, () =>
        network.firewallPolicyRuleCollectionGroups.get(resourceGroup, policy, name),
      ),
    putRuleCollectionGroup: (resourceGroup, policy, name, group, etag) =>
      guard({ action: `writing rule collection group ${name} of firewall policy ${policy}` }, async () => {
        const groups = network.firewallPolicyRuleCollectionGroups;
        await groups.beginCreateOrUpdateAndWait(resourceGroup, policy, name, group, {
          updateIntervalInMs: LRO_POLL_MS,
          requestOptions: { customHeaders: etag ? { 'If-Match': etag } : { 'If-None-Match': '*' } },
        });
      }),
    deleteRuleCollectionGroup: (resourceGroup, policy, name, etag) =>
      guard({ action: `deleting rule collection group ${name} of firewall policy ${policy}` }, () =>
        network.firewallPolicyRuleCollectionGroups.beginDeleteAndWait(resourceGroup, policy, name, {
          updateIntervalInMs: LRO_POLL_MS,
          requestOptions: { customHeaders: etag ? { 'If-Match': etag } : {} },
        }),
      ),
    deleteRule: (resourceGroup, nsg, name) =>
      guard({ action: `deleting rule ${name} from network security group ${nsg}` }, () =>
        network.securityRules.beginDeleteAndWait(resourceGroup, nsg, name, { updateIntervalInMs: LRO_POLL_MS }),
      ),
  };
}
