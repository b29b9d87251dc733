/**
 * `jit role --cloud azure`: custom role definitions in the format `az role definition create
 * --role-definition @file.json` reads (https://learn.microsoft.com/azure/role-based-access-control/custom-roles-cli).
 *
 * Each action is one call jit makes (arm-api.ts):
 * - reads: VMs (list, get with instance view), NICs, virtual networks (the subnet's NSG and the
 *   address space), the subnet's route table, public IPs, NSGs and their rules (the SDK GETs a rule
 *   after writing it), and the management locks that apply to each NSG (read before writing, so
 *   that jit never opens a rule a lock would keep it from closing);
 * - grants: write and delete security rules;
 * - long-running operations: the status URLs the SDK polls (Microsoft.Network
 *   `locations/operations`, and `locations/operationResults` for deletes): read-only;
 * - admins also write the `jit-access` policy tag, through the tags API
 *   (`Microsoft.Resources/tags/write`): no VM write, which would need
 *   `Microsoft.Compute/virtualMachines/write` and be checked against the VM's linked resources.
 */
import type { RoleDocuments } from '../../core/ports.js';

const READ = [
  'Microsoft.Compute/virtualMachines/read',
  'Microsoft.Network/networkInterfaces/read',
  'Microsoft.Network/virtualNetworks/read',
  'Microsoft.Network/virtualNetworks/subnets/read',
  'Microsoft.Network/publicIPAddresses/read',
  'Microsoft.Network/routeTables/read',
  'Microsoft.Network/networkSecurityGroups/read',
  'Microsoft.Network/networkSecurityGroups/securityRules/read',
  'Microsoft.Network/locations/operations/read',
  'Microsoft.Network/locations/operationResults/read',
  'Microsoft.Authorization/locks/read',
];

const GRANT = [
  'Microsoft.Network/networkSecurityGroups/securityRules/write',
  'Microsoft.Network/networkSecurityGroups/securityRules/delete',
];

const ADMIN = ['Microsoft.Resources/tags/write'];

function definition(name: string, description: string, actions: string[], scope: string) {
  return {
    Name: name,
    IsCustom: true,
    Description: description,
    Actions: actions,
    NotActions: [],
    DataActions: [],
    NotDataActions: [],
    AssignableScopes: [scope],
  };
}

/** `subscriptionId` fills AssignableScopes; without one the placeholder says what to put there. */
export function roleDocuments(subscriptionId: string | undefined): RoleDocuments {
  const scope = `/subscriptions/${subscriptionId ?? '<subscription-id>'}`;
  return {
    requester: definition(
      'jit-access requester',
      'Request, extend and revoke just-in-time network access with jit-access (NSG rules only), and see its status.',
      [...READ, ...GRANT],
      scope,
    ),
    admin: definition(
      'jit-access admin',
      'Everything a jit-access requester may do, plus enable and disable jit on VMs (the jit-access VM tag) and sweep expired grants.',
      [...READ, ...GRANT, ...ADMIN],
      scope,
    ),
  };
}
