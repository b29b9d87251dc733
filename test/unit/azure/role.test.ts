// `jit role --cloud azure`: the Azure Firewall permissions are exactly those of the calls firewall.ts makes.
import { describe, expect, it } from 'vitest';
import { roleDocuments } from '../../../src/clouds/azure/role.js';

const actionsOf = (doc: unknown) => (doc as { Actions: string[] }).Actions;
const firewallActions = (doc: unknown) =>
  actionsOf(doc).filter((action) => /azureFirewalls|firewallPolicies|\/join\/action$/.test(action)).sort();

describe('Azure role documents', () => {
  it('a requester reads firewalls and policies, writes the firewall (classic) or jit\'s rule collection group (policy)', () => {
    const { requester, admin } = roleDocuments('sub-1');
    const expected = [
      'Microsoft.Network/azureFirewalls/read',
      'Microsoft.Network/azureFirewalls/write',
      'Microsoft.Network/firewallPolicies/read',
      'Microsoft.Network/firewallPolicies/ruleCollectionGroups/delete',
      'Microsoft.Network/firewallPolicies/ruleCollectionGroups/read',
      'Microsoft.Network/firewallPolicies/ruleCollectionGroups/write',
      'Microsoft.Network/publicIPAddresses/join/action',
      'Microsoft.Network/virtualNetworks/subnets/join/action',
    ];
    expect(firewallActions(requester)).toEqual(expected);
    expect(firewallActions(admin)).toEqual(expected);
    // Nothing broader: no policy write (jit never writes the policy itself), no firewall delete.
    expect(actionsOf(admin)).not.toContain('Microsoft.Network/firewallPolicies/write');
    expect(actionsOf(admin)).not.toContain('Microsoft.Network/azureFirewalls/delete');
  });
});
