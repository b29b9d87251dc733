/**
 * Finding the VM a command names (docs/cli.md, docs/azure.md): by resource ID, or by
 * name in the subscription (narrowed by --resource-group), and what a resolved VM looks like to the
 * rest of jit. A name two VMs share is refused with both IDs; a VM no NSG filters cannot be locked
 * down.
 */
import { ProviderError, UserError } from '../../core/errors.js';
import { POLICY_TAG } from '../../core/policy.js';
import type { TargetInfo } from '../../core/ports.js';
import type { AzureApi, VirtualMachine } from './arm-api.js';
import { tryParseArmId } from './arm-id.js';
import { getLookup, resolveNetwork, type VmNetwork } from './network.js';

/** The part of the Azure session resolution needs: clients per subscription, and the default one. */
export interface SubscriptionApis {
  /** The subscription of commands that name no resource ID: settings, else the Azure CLI's. */
  defaultSubscription(): Promise<string>;
  api(subscriptionId: string): Promise<AzureApi>;
}

const lower = (name: string | undefined) => (name ?? '').toLowerCase();

/** ARM tag names are case-insensitive. */
export function tagValue(tags: Record<string, string>, name: string): string | undefined {
  return Object.entries(tags).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
}

async function findVm(
  session: SubscriptionApis,
  resourceGroup: string | undefined,
  ref: string,
): Promise<VirtualMachine> {
  if (ref.startsWith('/')) {
    const id = tryParseArmId(ref);
    if (!id || id.type.toLowerCase() !== 'microsoft.compute/virtualmachines' || id.child) {
      throw new UserError('JIT_INVALID_TARGET', `<vm> "${ref}" is not an Azure VM resource ID.`, {
        hint: 'The form is /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Compute/virtualMachines/<name>.',
      });
    }
    return (await session.api(id.subscriptionId)).getVm(id.resourceGroup, id.name, { instanceView: true });
  }
  const api = await session.api(await session.defaultSubscription());
  // With the resource group known the VM is one GET away (and the GET carries the power state).
  if (resourceGroup) return api.getVm(resourceGroup, ref, { instanceView: true });
  const matches = (await api.listVms()).filter((vm) => lower(vm.name) === lower(ref));
  const [only, ...others] = matches;
  if (!only) {
    throw new ProviderError('JIT_TARGET_NOT_FOUND', `There is no VM ${ref} in subscription ${api.subscriptionId}.`, {
      hint: 'Check the name and --subscription (`jit config list` shows the defaults), or give the VM\'s resource ID.',
    });
  }
  if (others.length > 0) {
    const candidates = matches.map((vm) => vm.id ?? '');
    const listed = candidates.map((id) => `  ${id}`).join('\n');
    throw new UserError('JIT_TARGET_AMBIGUOUS', `${matches.length} VMs are called ${ref}:\n${listed}`, {
      hint: 'Name one by its resource ID, or narrow the search with --resource-group.',
      details: { candidates },
    });
  }
  return only;
}

/** The VM `ref` names, with its network read (network.ts). */
export async function resolveVmNetwork(
  session: SubscriptionApis,
  resourceGroup: string | undefined,
  ref: string,
): Promise<VmNetwork> {
  const vm = await findVm(session, resourceGroup, ref);
  return resolveNetwork(vm, getLookup((subscriptionId) => session.api(subscriptionId)));
}

/** The scope a target or grant needs to be reached again. */
export function scopeOf(
  network: { subscriptionId: string; resourceGroup: string },
  cloudName: string,
): Record<string, string> {
  return { subscription: network.subscriptionId, 'resource-group': network.resourceGroup, 'azure-cloud': cloudName };
}

export function targetInfoOf(network: VmNetwork, cloudName: string): TargetInfo {
  return {
    cloud: 'azure',
    id: network.id,
    name: network.name,
    scope: scopeOf(network, cloudName),
    privateAddresses: network.paths.map((path) => path.address),
    publicAddresses: network.publicAddresses,
    policyTag: tagValue(network.tags, POLICY_TAG),
    ...(network.state ? { state: network.state } : {}),
    ...(network.adminUser ? { adminUser: network.adminUser } : {}),
  };
}

/** docs/azure.md, "Where rules go": a VM no NSG filters cannot be locked down by jit; nothing is written. */
export function requireSomeNsg(network: VmNetwork): void {
  if (network.nsgs.size > 0) return;
  throw new ProviderError(
    'JIT_AZURE_NO_NSG',
    `${network.name} has no network security group on its NIC or subnet, so jit cannot lock it down; nothing was changed.`,
    { hint: 'Associate an NSG with the VM\'s subnet or network interface (`az network nic update --network-security-group …`), then run the command again.' },
  );
}
