/**
 * ARM resource IDs: `/subscriptions/{sub}/resourceGroups/{rg}/providers/{namespace}/{type}/{name}`,
 * optionally followed by `/{childType}/{childName}` (a subnet of a virtual network). ARM treats IDs
 * case-insensitively, so comparisons go through `sameId`; the parts keep the casing ARM returned.
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules)
 */
import { ProviderError } from '../../core/errors.js';

export interface ArmId {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  /** e.g. `Microsoft.Network/networkSecurityGroups`. */
  type: string;
  name: string;
  child?: { type: string; name: string };
}

const ARM_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+\/[^/]+)\/([^/]+)(?:\/([^/]+)\/([^/]+))?\/?$/i;

export function tryParseArmId(id: string): ArmId | undefined {
  const match = ARM_ID.exec(id);
  if (!match) return undefined;
  const [, subscriptionId = '', resourceGroup = '', type = '', name = '', childType, childName] = match;
  return {
    id,
    subscriptionId,
    resourceGroup,
    type,
    name,
    ...(childType !== undefined && childName !== undefined ? { child: { type: childType, name: childName } } : {}),
  };
}

/** Parses an ID ARM gave us; one that does not parse means ARM answered something unexpected. */
export function parseArmId(id: string | undefined, what: string): ArmId {
  const parsed = id === undefined ? undefined : tryParseArmId(id);
  if (!parsed) {
    throw new ProviderError('JIT_AZURE_UNEXPECTED', `Azure returned ${what} without a usable resource ID (${id ?? 'none'}).`);
  }
  return parsed;
}

export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

export function idKey(id: string): string {
  return id.toLowerCase();
}

/** The resource a child ID belongs to: the virtual network of a subnet ID. */
export function parentId(parsed: ArmId): string {
  return `/subscriptions/${parsed.subscriptionId}/resourceGroups/${parsed.resourceGroup}/providers/${parsed.type}/${parsed.name}`;
}
