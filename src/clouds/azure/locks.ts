/**
 * Never open what cannot be closed. Under a management lock on an NSG, its resource group or its
 * subscription, ARM accepts a rule PUT but refuses the rule's DELETE with 409 ScopeLocked
 * (Azure/azure-cli#16958): a grant written there would stay open for as long as the lock does. So
 * before `request` and `enable` write anything, jit reads the locks that apply to each NSG
 * (`{nsgId}/providers/Microsoft.Authorization/locks?$filter=atScope()`, which lists the locks on the
 * NSG and on every scope above it) and refuses when one would block a delete.
 *
 * Levels (Learn "lock-resources", ManagementLockLevel in the Microsoft.Authorization spec): `CanNotDelete`
 * blocks deletes, `ReadOnly` blocks deletes and updates; both block jit. `NotSpecified` blocks nothing.
 * A lock is cloud metadata someone else wrote: its fields are checked before they are shown.
 */
import { AuthError, isJitError, ProviderError } from '../../core/errors.js';
import type { AzureApi, RawLock } from './arm-api.js';
import { tryParseArmId } from './arm-id.js';
import type { NsgSnapshot, VmNetwork } from './network.js';

export interface ManagementLock {
  name: string;
  level: 'CanNotDelete' | 'ReadOnly';
  /** The id of what the lock is on: a subscription, a resource group or a resource. */
  scope: string;
  notes?: string;
}

const LOCKS_SEGMENT = '/providers/microsoft.authorization/locks/';
const LEVELS = ['CanNotDelete', 'ReadOnly'] as const;

/** The locks of a list answer that block a delete; anything malformed or `NotSpecified` is left out. */
export function blockingLocks(raw: readonly RawLock[]): ManagementLock[] {
  return raw.flatMap((lock): ManagementLock[] => {
    const { id, name } = lock;
    const levelText = lock.properties?.level;
    const level = LEVELS.find((known) => typeof levelText === 'string' && known.toLowerCase() === levelText.toLowerCase());
    if (typeof id !== 'string' || level === undefined) return [];
    const at = id.toLowerCase().lastIndexOf(LOCKS_SEGMENT);
    const scope = at > 0 ? id.slice(0, at) : '';
    const notes = lock.properties?.notes;
    return [{
      name: typeof name === 'string' && name !== '' ? name.slice(0, 90) : id.slice(at + LOCKS_SEGMENT.length),
      level,
      scope,
      ...(typeof notes === 'string' && notes !== '' ? { notes: notes.slice(0, 512) } : {}),
    }];
  });
}

/** "resource group rg-net", "subscription 0000…", "network security group vm01-nsg". */
export function describeScope(scope: string): string {
  const resource = tryParseArmId(scope);
  if (resource) {
    const kind = resource.type.toLowerCase() === 'microsoft.network/networksecuritygroups' ? 'network security group' : resource.type;
    return `${kind} ${resource.name}`;
  }
  const group = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/?$/i.exec(scope);
  if (group) return `resource group ${group[1]}`;
  const subscription = /^\/subscriptions\/([^/]+)\/?$/i.exec(scope);
  return subscription ? `subscription ${subscription[1]}` : scope || 'an unknown scope';
}

function lockedError(lock: ManagementLock, nsg: NsgSnapshot): ProviderError {
  const where = describeScope(lock.scope);
  const blocks = lock.level === 'ReadOnly' ? 'every write and delete' : 'every delete';
  return new ProviderError(
    'JIT_AZURE_SCOPE_LOCKED',
    `Management lock ${lock.name} (${lock.level}) on ${where} blocks ${blocks} in network security group ${nsg.name}, ` +
    'so jit could not remove its rules when the time is up. Nothing was changed.',
    {
      hint:
        `Ask an owner of the lock to remove it (\`az lock delete --ids ${lock.scope}/providers/Microsoft.Authorization/locks/${lock.name}\`) ` +
        'or to move it off this network security group\'s scope, then run the command again.',
      details: {
        lock: { name: lock.name, level: lock.level, scope: lock.scope, ...(lock.notes ? { notes: lock.notes } : {}) },
        nsg: nsg.id,
      },
    },
  );
}

async function locksOn(api: AzureApi, nsg: NsgSnapshot): Promise<ManagementLock[]> {
  try {
    return blockingLocks(await api.listLocks(nsg.id));
  } catch (error) {
    if (isJitError(error) && error.code === 'JIT_AZURE_FORBIDDEN') {
      throw new AuthError(
        'JIT_AZURE_FORBIDDEN',
        `Azure refused to list the management locks on network security group ${nsg.name}: the identity lacks the permission ` +
        'Microsoft.Authorization/locks/read. jit reads them before writing, so that it never opens a rule a lock would stop it from closing; nothing was changed.',
        {
          cause: error,
          hint: '`jit role --cloud azure` prints the custom role jit needs (it includes Microsoft.Authorization/locks/read); an admin can assign it on the VM\'s resource group.',
          details: { ...error.details, missingAction: 'Microsoft.Authorization/locks/read' },
        },
      );
    }
    throw error;
  }
}

/** Refuses (before any write) when a lock would keep jit from deleting a rule in one of the VM's NSGs. */
export async function requireNoBlockingLock(
  network: VmNetwork,
  apiFor: (subscriptionId: string) => Promise<AzureApi>,
): Promise<void> {
  const nsgs = [...network.nsgs.values()];
  const found = await Promise.all(
    nsgs.map(async (nsg) => ({ nsg, locks: await locksOn(await apiFor(nsg.subscriptionId), nsg) })),
  );
  for (const { nsg, locks } of found) {
    const lock = locks[0];
    if (lock) throw lockedError(lock, nsg);
  }
}
