/**
 * The narrow seam over the two SDK clients: only the calls jit makes, each one passing its failure
 * through `toJitError` (errors.ts), so nothing above this file sees an SDK error or class. The model
 * types are the SDKs' own (type-only imports: nothing is loaded at run time from here).
 *
 * Long-running operations (rule PUT/DELETE, the VM tag PATCH) are awaited to completion (SPEC §4).
 * `updateIntervalInMs` only applies when ARM sends no usable Retry-After: core-lro ignores
 * `Retry-After: 0` and would otherwise wait its 2 s default between polls
 * (@azure/core-lro `poller/poller.js`, `http/operation.js`).
 */
import type { ComputeManagementClient, VirtualMachine } from '@azure/arm-compute';
import type {
  NetworkInterface,
  NetworkManagementClient,
  NetworkSecurityGroup,
  PublicIPAddress,
  SecurityRule,
  VirtualNetwork,
} from '@azure/arm-network';
import { type CallContext, toJitError } from './errors.js';

export type { NetworkInterface, NetworkSecurityGroup, PublicIPAddress, SecurityRule, VirtualMachine, VirtualNetwork };

/** Between polls of a long-running operation when ARM does not say; a second keeps `jit request` snappy. */
const LRO_POLL_MS = 1000;

export interface AzureApi {
  readonly subscriptionId: string;
  listVms(): Promise<VirtualMachine[]>;
  /** With `instanceView`, ARM adds the power state (`$expand=instanceView`) in the same call. */
  getVm(resourceGroup: string, name: string, options: { instanceView: boolean }): Promise<VirtualMachine>;
  /** Replaces the VM's whole tag set (ARM PATCH semantics: `tags` is not merged). */
  setVmTags(resourceGroup: string, name: string, tags: Record<string, string>, etag?: string): Promise<void>;
  getNic(resourceGroup: string, name: string): Promise<NetworkInterface>;
  listNics(): Promise<NetworkInterface[]>;
  getVnet(resourceGroup: string, name: string): Promise<VirtualNetwork>;
  listVnets(): Promise<VirtualNetwork[]>;
  getPublicIp(resourceGroup: string, name: string): Promise<PublicIPAddress>;
  getNsg(resourceGroup: string, name: string): Promise<NetworkSecurityGroup>;
  listNsgs(): Promise<NetworkSecurityGroup[]>;
  putRule(resourceGroup: string, nsg: string, name: string, rule: SecurityRule): Promise<void>;
  /** Succeeds when the rule is already gone (ARM answers 204). */
  deleteRule(resourceGroup: string, nsg: string, name: string): Promise<void>;
}

export interface ArmClients {
  network: NetworkManagementClient;
  compute: ComputeManagementClient;
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

export function createAzureApi({ network, compute }: ArmClients, subscriptionId: string): AzureApi {
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
    setVmTags: (resourceGroup, name, tags, etag) =>
      guard({ action: `updating the tags of VM ${name}` }, async () => {
        await compute.virtualMachines.update(
          resourceGroup,
          name,
          { tags },
          { updateIntervalInMs: LRO_POLL_MS, ...(etag !== undefined ? { ifMatch: etag } : {}) },
        );
      }),
    getNic: (resourceGroup, name) =>
      guard({ action: `reading network interface ${name}` }, () => network.networkInterfaces.get(resourceGroup, name)),
    listNics: () => guard({ action: 'listing network interfaces' }, () => collect(network.networkInterfaces.listAll())),
    getVnet: (resourceGroup, name) =>
      guard({ action: `reading virtual network ${name}` }, () => network.virtualNetworks.get(resourceGroup, name)),
    listVnets: () => guard({ action: 'listing virtual networks' }, () => collect(network.virtualNetworks.listAll())),
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
    deleteRule: (resourceGroup, nsg, name) =>
      guard({ action: `deleting rule ${name} from network security group ${nsg}` }, () =>
        network.securityRules.beginDeleteAndWait(resourceGroup, nsg, name, { updateIntervalInMs: LRO_POLL_MS }),
      ),
  };
}
