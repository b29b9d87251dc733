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
 * - Azure Firewall (docs/azure-firewall.md): list and read firewalls, read their policies and rule
 *   collection groups (finding the firewall on a VM's path, its DNAT rules); a grant writes the whole
 *   firewall (classic rules: there is no finer write) or jit's rule collection group (policy), and
 *   closing the last grant deletes that group. A firewall PUT names its subnet and public IPs, so ARM
 *   checks the linked-resource `join` actions on them (Learn "linked access check"); none is needed
 *   for a rule collection group. Both roles need them: `request` and `revoke` write the firewall;
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
  'Microsoft.Network/azureFirewalls/read',
  'Microsoft.Network/firewallPolicies/read',
  'Microsoft.Network/firewallPolicies/ruleCollectionGroups/read',
];

const GRANT = [
  'Microsoft.Network/networkSecurityGroups/securityRules/write',
  'Microsoft.Network/networkSecurityGroups/securityRules/delete',
  'Microsoft.Network/azureFirewalls/write',
  'Microsoft.Network/virtualNetworks/subnets/join/action',
  'Microsoft.Network/publicIPAddresses/join/action',
  'Microsoft.Network/firewallPolicies/ruleCollectionGroups/write',
  'Microsoft.Network/firewallPolicies/ruleCollectionGroups/delete',
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
      'Request, extend and revoke just-in-time network access with jit-access (NSG rules, and DNAT rules on an Azure Firewall in front of the VM), and see its status.',
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
