// Azure Firewalls and Firewall Policies in the ARM emulator, driven by the real @azure/arm-network client:
// whole-firewall PUT as a long-running operation with If-Match, no parallel updates, NAT rule validation,
// rule collection groups (PUT/GET/DELETE) with unique priorities. Sources: SPEC.md §Azure Firewall.
import type { AzureFirewall, FirewallPolicyRuleCollectionGroup, NetworkManagementClient } from '@azure/arm-network';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { classicDnatRule, seedFirewall, type SeededFirewall } from './seed.js';
import type { ArmEmulator } from './server.js';
import { failure, startEmulatorClients, stopEmulatorClients } from './sdk-clients.js';
import { DEFAULT_SUBSCRIPTION_ID } from './token.js';

const RG = 'rg-jit';
let emu: ArmEmulator;
let network: NetworkManagementClient;
let fw: SeededFirewall;

const userNat = {
  name: 'user-dnat',
  properties: { priority: 200, action: { type: 'Dnat' }, rules: [classicDnatRule('web', '198.51.100.7', 443, '10.0.0.10', 443)] },
};

beforeAll(async () => {
  ({ emu, network } = await startEmulatorClients(DEFAULT_SUBSCRIPTION_ID));
});
afterAll(() => stopEmulatorClients(emu));
beforeEach(() => {
  emu.state.reset();
  emu.clearLog();
  fw = seedFirewall(emu, { natRuleCollections: [userNat] });
});

const jitCollection = (port: string) => ({
  name: 'jit-access-dnat',
  priority: 100,
  action: { type: 'Dnat' as const },
  rules: [{ name: 'jit-dnat-vm01-abcdefgh-22', sourceAddresses: ['203.0.113.7/32'], destinationAddresses: ['198.51.100.7'], destinationPorts: [port], protocols: ['TCP' as const], translatedAddress: '10.0.0.4', translatedPort: '22' }],
});

describe('classic firewall', () => {
  it('GET returns the collections, the IP configuration and an etag; PUT replaces the firewall as an LRO', async () => {
    const got = await network.azureFirewalls.get(RG, 'fw-hub');
    expect(got.natRuleCollections?.map((c) => c.name)).toEqual(['user-dnat']);
    expect(got.ipConfigurations?.[0]?.privateIPAddress).toBe('10.0.1.4');
    expect(got.etag).toMatch(/^W\/"/);
    const body: AzureFirewall = { ...got, natRuleCollections: [...(got.natRuleCollections ?? []), jitCollection('22')] };
    const put = await network.azureFirewalls.beginCreateOrUpdateAndWait(RG, 'fw-hub', body, {
      updateIntervalInMs: 10,
      requestOptions: { customHeaders: { 'if-match': got.etag! } },
    });
    expect(put.natRuleCollections?.map((c) => c.name)).toEqual(['user-dnat', 'jit-access-dnat']);
    // Read-only fields the SDK does not send are kept by the RP: the firewall's private address.
    expect(put.ipConfigurations?.[0]?.privateIPAddress).toBe('10.0.1.4');
    const stored = emu.state.getFirewall(DEFAULT_SUBSCRIPTION_ID, RG, 'fw-hub')!;
    expect(stored.properties.provisioningState).toBe('Succeeded');
    expect(emu.requests({ method: 'PUT', pathIncludes: 'azureFirewalls' })[0]?.operationId).toBeDefined();
  });

  it('a PUT with a stale If-Match is refused with 412 and changes nothing', async () => {
    const got = await network.azureFirewalls.get(RG, 'fw-hub');
    await network.azureFirewalls.beginCreateOrUpdateAndWait(RG, 'fw-hub', got, { updateIntervalInMs: 10 });
    const error = await failure(
      network.azureFirewalls.beginCreateOrUpdateAndWait(RG, 'fw-hub', { ...got, natRuleCollections: [jitCollection('22')] }, {
        updateIntervalInMs: 10,
        requestOptions: { customHeaders: { 'if-match': got.etag! } },
      }),
    );
    expect(error.statusCode).toBe(412);
    expect((await network.azureFirewalls.get(RG, 'fw-hub')).natRuleCollections?.map((c) => c.name)).toEqual(['user-dnat']);
  });

  it('a second PUT while one runs is refused with 409 AnotherOperationInProgress', async () => {
    emu.options.lroPolls.network = 5;
    const got = await network.azureFirewalls.get(RG, 'fw-hub');
    const first = await network.azureFirewalls.beginCreateOrUpdate(RG, 'fw-hub', got, { updateIntervalInMs: 10 });
    const error = await failure(network.azureFirewalls.beginCreateOrUpdateAndWait(RG, 'fw-hub', got, { updateIntervalInMs: 10 }));
    expect(error.code).toBe('AnotherOperationInProgress');
    await first.pollUntilDone();
    emu.options.lroPolls.network = 1;
  });

  it.each([
    ['two destination ports', { destinationPorts: ['22', '23'] }, 'AzureFirewallNatRuleInvalid'],
    ['ICMP', { protocols: ['ICMP'] }, 'AzureFirewallNatRuleInvalid'],
    ['no translated port', { translatedPort: undefined }, 'AzureFirewallNatRuleInvalid'],
    ['a bad name', { name: 'bad name!' }, 'InvalidResourceName'],
  ])('refuses a NAT rule with %s', async (_what, change, code) => {
    const got = await network.azureFirewalls.get(RG, 'fw-hub');
    const collection = jitCollection('22');
    const rule = { ...collection.rules[0]!, ...change } as (typeof collection.rules)[0];
    const error = await failure(
      network.azureFirewalls.beginCreateOrUpdateAndWait(RG, 'fw-hub', { ...got, natRuleCollections: [{ ...collection, rules: [rule] }] }, { updateIntervalInMs: 10 }),
    );
    expect(error.code).toBe(code);
  });

  it('refuses two NAT collections with one priority', async () => {
    const got = await network.azureFirewalls.get(RG, 'fw-hub');
    const error = await failure(
      network.azureFirewalls.beginCreateOrUpdateAndWait(RG, 'fw-hub', { ...got, natRuleCollections: [...got.natRuleCollections!, { ...jitCollection('22'), priority: 200 }] }, { updateIntervalInMs: 10 }),
    );
    expect(error.code).toBe('AzureFirewallRuleCollectionPriorityNotUnique');
  });
});

describe('firewall policy rule collection groups', () => {
  const group = (priority: number): FirewallPolicyRuleCollectionGroup => ({
    priority,
    ruleCollections: [
      {
        ruleCollectionType: 'FirewallPolicyNatRuleCollection',
        name: 'jit-access-dnat',
        priority: 100,
        action: { type: 'DNAT' },
        rules: [{ ruleType: 'NatRule', name: 'jit-dnat-vm01-abcdefgh-22', ipProtocols: ['TCP'], sourceAddresses: ['203.0.113.7/32'], destinationAddresses: ['198.51.100.7'], destinationPorts: ['22'], translatedAddress: '10.0.0.4', translatedPort: '22' }],
      },
    ],
  });

  beforeEach(() => {
    emu.state.reset();
    fw = seedFirewall(emu, {
      policyGroups: [{ name: 'user-group', properties: { priority: 200, ruleCollections: [] } }],
    });
  });

  it('the firewall names its policy; groups are PUT, read and DELETEd as LROs; the policy lists them by id', async () => {
    const firewall = await network.azureFirewalls.get(RG, 'fw-hub');
    expect(firewall.firewallPolicy?.id).toBe(fw.policyId);
    await network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(RG, 'fw-hub-policy', 'jit-access', group(300), { updateIntervalInMs: 10 });
    const policy = await network.firewallPolicies.get(RG, 'fw-hub-policy');
    expect(policy.ruleCollectionGroups?.map((g) => g.id?.split('/').pop())).toEqual(['user-group', 'jit-access']);
    const got = await network.firewallPolicyRuleCollectionGroups.get(RG, 'fw-hub-policy', 'jit-access');
    expect(got.ruleCollections?.[0]?.name).toBe('jit-access-dnat');
    await network.firewallPolicyRuleCollectionGroups.beginDeleteAndWait(RG, 'fw-hub-policy', 'jit-access', { updateIntervalInMs: 10 });
    expect(emu.state.getRuleCollectionGroup(DEFAULT_SUBSCRIPTION_ID, RG, 'fw-hub-policy', 'jit-access')).toBeUndefined();
  });

  it('refuses a group priority another group has', async () => {
    const error = await failure(
      network.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(RG, 'fw-hub-policy', 'jit-access', group(200), { updateIntervalInMs: 10 }),
    );
    expect(error.code).toBe('FirewallPolicyRuleCollectionGroupPriorityConflict');
  });
});
