// The ARM emulator driven by the real SDK clients (@azure/arm-network 36, @azure/arm-compute 24) and the
// real AzureCliCredential through the fake `az`. Each test names the Azure behaviour it pins down.
import { request } from 'node:https';
import type { ComputeManagementClient } from '@azure/arm-compute';
import { NetworkManagementClient, type SecurityRule } from '@azure/arm-network';
import { AzureCliCredential, DefaultAzureCredential } from '@azure/identity';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { networkClientOptions } from './client-options.js';
import { type SeededVm, seedLinuxVm } from './seed.js';
import type { ArmEmulator } from './server.js';
import { failure, startEmulatorClients, stopEmulatorClients } from './sdk-clients.js';
import { DEFAULT_SUBSCRIPTION_ID, mintToken, readToken, staticTokenCredential } from './token.js';

const SUB = DEFAULT_SUBSCRIPTION_ID;
const RG = 'rg-jit';

let emu: ArmEmulator;
let network: NetworkManagementClient;
let compute: ComputeManagementClient;
let vm01: SeededVm;

const allowRule = (overrides: Partial<SecurityRule> = {}): SecurityRule => ({
  priority: 200,
  direction: 'Inbound',
  access: 'Allow',
  protocol: 'Tcp',
  sourceAddressPrefix: '203.0.113.7/32',
  sourcePortRange: '*',
  destinationAddressPrefix: '10.0.0.4',
  destinationPortRange: '22',
  description: 'jit v1 grant=g1 exp=2030-01-01T00:00:00Z by=alice@example.com',
  ...overrides,
});

beforeAll(async () => {
  ({ emu, network, compute } = await startEmulatorClients(SUB));
});

afterAll(() => stopEmulatorClients(emu));

beforeEach(() => {
  emu.state.reset();
  emu.faults.clear();
  emu.clearLog();
  emu.options.pageSize = 100;
  emu.options.lroPolls.network = 1;
  emu.options.lroPolls.compute = 0;
  vm01 = seedLinuxVm(emu, { vmName: 'vm01', privateIp: '10.0.0.4', publicIp: '203.0.113.10' });
});

describe('identity through the fake az', () => {
  it('AzureCliCredential gets a user token whose claims name the caller', async () => {
    const token = await new AzureCliCredential().getToken('https://management.azure.com/.default');
    const claims = readToken(token.token);
    expect(claims).toMatchObject({
      upn: 'alice@example.com',
      aud: 'https://management.azure.com',
      idtyp: 'user',
    });
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now());
    await network.networkSecurityGroups.get(RG, 'vm01-nsg');
    expect(emu.log.at(-1)?.caller).toBe('alice@example.com');
  });

  it('answers as a service principal with FAKE_AZ_APPID, through DefaultAzureCredential', async () => {
    vi.stubEnv('FAKE_AZ_APPID', '99999999-9999-4999-8999-999999999999');
    try {
      // AZURE_TOKEN_CREDENTIALS=AzureCliCredential narrows the chain to the CLI: no IMDS probe.
      const client = new NetworkManagementClient(
        new DefaultAzureCredential(),
        SUB,
        networkClientOptions(emu),
      );
      await client.networkSecurityGroups.get(RG, 'vm01-nsg');
      expect(emu.log.at(-1)?.caller).toBe('99999999-9999-4999-8999-999999999999');
    } finally {
      vi.stubEnv('FAKE_AZ_APPID', '');
    }
  });

  it('fails like az does when nobody is logged in (FAKE_AZ_FAIL=1)', async () => {
    vi.stubEnv('FAKE_AZ_FAIL', '1');
    try {
      const error = await failure(new AzureCliCredential().getToken('https://management.azure.com/.default'));
      expect(error).toMatchObject({ name: 'CredentialUnavailableError' });
      expect(error.message).toMatch(/az login/);
    } finally {
      vi.stubEnv('FAKE_AZ_FAIL', '');
    }
  });
});

describe('authentication', () => {
  it('answers 401 AuthenticationFailed without an Authorization header', async () => {
    const { status, body, challenge } = await new Promise<{
      status: number;
      body: string;
      challenge: string;
    }>((resolve, reject) => {
      const url = new URL(`/subscriptions/${SUB}/resourceGroups/${RG}?api-version=2021-04-01`, emu.url);
      request(url, { ca: emu.caCert }, (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: text,
            challenge: String(res.headers['www-authenticate']),
          }),
        );
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(401);
    expect(JSON.parse(body)).toEqual({
      error: {
        code: 'AuthenticationFailed',
        message: "Authentication failed. The 'Authorization' header is missing.",
      },
    });
    expect(challenge).toMatch(/^Bearer authorization_uri=/);
  });

  it('answers 401 ExpiredAuthenticationToken for an expired token', async () => {
    const client = new NetworkManagementClient(
      staticTokenCredential(mintToken({ expiresInSeconds: -60 })),
      SUB,
      networkClientOptions(emu),
    );
    const error = await failure(client.networkSecurityGroups.get(RG, 'vm01-nsg'));
    expect(error).toMatchObject({ statusCode: 401, code: 'ExpiredAuthenticationToken' });
  });
});

describe('reads', () => {
  it('lists every VM of the subscription, following nextLink', async () => {
    for (const name of ['vm02', 'vm03', 'vm04', 'vm05']) {
      seedLinuxVm(emu, { vmName: name, resourceGroup: name === 'vm05' ? 'rg-other' : RG });
    }
    emu.options.pageSize = 2;
    const names: string[] = [];
    for await (const vm of compute.virtualMachines.listAll()) names.push(vm.name ?? '');
    expect(names.sort()).toEqual(['vm01', 'vm02', 'vm03', 'vm04', 'vm05']);
    const pages = emu.requests({
      method: 'GET',
      pathIncludes: '/providers/Microsoft.Compute/virtualMachines',
    });
    expect(pages.map((p) => p.query.$skiptoken)).toEqual([undefined, '2', '4']);
    expect(pages[0]?.apiVersion).toBe('2026-03-01');
  });

  it('lists the VMs of one resource group and gets one with its NIC reference and tags', async () => {
    seedLinuxVm(emu, { vmName: 'vm09', resourceGroup: 'rg-other', tags: { team: 'blue' } });
    const names: string[] = [];
    for await (const vm of compute.virtualMachines.list('rg-other')) names.push(vm.name ?? '');
    expect(names).toEqual(['vm09']);
    const vm = await compute.virtualMachines.get('rg-other', 'vm09');
    expect(vm.tags).toEqual({ team: 'blue' });
    // arm-compute 24 flattens `properties` into the model.
    expect(vm.networkProfile?.networkInterfaces?.[0]?.id).toMatch(/networkInterfaces\/vm09-nic$/);
    expect(vm.networkProfile?.networkInterfaces?.[0]?.primary).toBe(true);
    expect(vm.storageProfile?.osDisk?.osType).toBe('Linux');
  });

  it('walks VM → NIC → subnet → NSGs and public IP as the network SDK sees them', async () => {
    const nic = await network.networkInterfaces.get(RG, 'vm01-nic');
    const ipConfig = nic.ipConfigurations?.[0];
    expect(ipConfig?.privateIPAddress).toBe('10.0.0.4');
    expect(nic.networkSecurityGroup?.id).toBe(vm01.nicNsgId);
    expect(nic.virtualMachine?.id).toBe(vm01.vmId);
    const subnet = await network.subnets.get(RG, 'vnet-jit', 'default');
    expect(subnet.networkSecurityGroup?.id).toBe(vm01.subnetNsgId);
    expect(subnet.ipConfigurations?.map((c) => c.id)).toEqual([ipConfig?.id]);
    const pip = await network.publicIPAddresses.get(RG, 'vm01-ip');
    expect(pip.ipAddress).toBe('203.0.113.10');
    expect(pip.ipConfiguration?.id).toBe(ipConfig?.id);
    expect(emu.requests({ pathIncludes: '/networkInterfaces/' })[0]?.apiVersion).toBe('2025-05-01');
  });

  it('returns an NSG with its rules, the six default rules and one etag on all of them', async () => {
    const nsg = await network.networkSecurityGroups.get(RG, 'vm01-nsg');
    expect(
      nsg.securityRules?.map((r) => [r.name, r.priority, r.sourceAddressPrefix, r.destinationPortRange]),
    ).toEqual([['SSH', 300, '*', '22']]);
    expect(nsg.defaultSecurityRules?.map((r) => `${r.name}:${r.priority}:${r.direction}`)).toEqual([
      'AllowVnetInBound:65000:Inbound',
      'AllowAzureLoadBalancerInBound:65001:Inbound',
      'DenyAllInBound:65500:Inbound',
      'AllowVnetOutBound:65000:Outbound',
      'AllowInternetOutBound:65001:Outbound',
      'DenyAllOutBound:65500:Outbound',
    ]);
    expect(nsg.etag).toMatch(/^W\/"/);
    expect(nsg.securityRules?.[0]?.etag).toBe(nsg.etag);
    expect(nsg.securityRules?.[0]?.sourceAddressPrefixes).toEqual([]);
    expect(nsg.networkInterfaces?.map((n) => n.id)).toEqual([vm01.nicId]);
    const subnetNsg = await network.networkSecurityGroups.get(RG, 'vnet-jit-default-nsg');
    expect(subnetNsg.subnets?.map((s) => s.id)).toEqual([vm01.subnetId]);
    const listed: string[] = [];
    for await (const rule of network.securityRules.list(RG, 'vm01-nsg')) listed.push(rule.name ?? '');
    expect(listed).toEqual(['SSH']);
  });

  it('pages network lists too (networkSecurityGroups.listAll follows nextLink)', async () => {
    seedLinuxVm(emu, { vmName: 'vm02', resourceGroup: 'rg-other' });
    emu.options.pageSize = 1;
    const names: string[] = [];
    for await (const nsg of network.networkSecurityGroups.listAll()) names.push(nsg.name ?? '');
    expect(names.sort()).toEqual(['vm01-nsg', 'vm02-nsg', 'vnet-jit-default-nsg', 'vnet-jit-default-nsg']);
    expect(emu.requests({ pathIncludes: '/networkSecurityGroups' }).map((e) => e.apiVersion)).toEqual(
      Array(4).fill('2025-05-01'),
    );
  });

  it('answers missing things the way ARM and the Network RP do', async () => {
    expect(await failure(compute.virtualMachines.get(RG, 'nope'))).toMatchObject({
      statusCode: 404,
      code: 'ResourceNotFound',
      message:
        "The Resource 'Microsoft.Compute/virtualMachines/nope' under resource group 'rg-jit' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    });
    expect(await failure(network.securityRules.get(RG, 'vm01-nsg', 'nope'))).toMatchObject({
      statusCode: 404,
      code: 'NotFound',
      message: `Resource ${vm01.nicNsgId}/securityRules/nope not found.`,
    });
    expect(await failure(network.networkSecurityGroups.get('rg-missing', 'x'))).toMatchObject({
      statusCode: 404,
      code: 'ResourceGroupNotFound',
    });
    const stranger = new NetworkManagementClient(
      staticTokenCredential(),
      'deadbeef-0000-4000-8000-000000000000',
      networkClientOptions(emu),
    );
    expect(await failure(stranger.networkSecurityGroups.get(RG, 'vm01-nsg'))).toMatchObject({
      statusCode: 404,
      code: 'SubscriptionNotFound',
    });
  });
});

describe('security rule writes', () => {
  it('creates a rule as a long-running operation polled through Azure-AsyncOperation', async () => {
    const rule = await network.securityRules.beginCreateOrUpdateAndWait(
      RG,
      'vm01-nsg',
      'jit-allow-vm01-g1',
      allowRule(),
    );
    expect(rule).toMatchObject({ name: 'jit-allow-vm01-g1', priority: 200, provisioningState: 'Succeeded' });
    expect(emu.state.getRule(SUB, RG, 'vm01-nsg', 'jit-allow-vm01-g1')?.properties).toMatchObject({
      sourceAddressPrefix: '203.0.113.7/32',
      provisioningState: 'Succeeded',
    });
    const trail = emu.log.map((e) => `${e.method} ${e.status} ${e.path.split('/').slice(-2).join('/')}`);
    const opId = emu.log[0]?.operationId ?? '';
    expect(trail).toEqual([
      'PUT 201 securityRules/jit-allow-vm01-g1',
      `GET 200 operations/${opId}`,
      `GET 200 operations/${opId}`,
      'GET 200 securityRules/jit-allow-vm01-g1',
    ]);
    expect(emu.log[0]?.body).toMatchObject({ properties: { priority: 200, access: 'Allow' } });
    expect(emu.log[0]?.apiVersion).toBe('2025-05-01');
    expect(emu.pendingOperations()).toBe(0);
  });

  it('shows the rule as Updating until the operation completes, and honours more polls', async () => {
    emu.options.lroPolls.network = 3;
    const poller = await network.securityRules.beginCreateOrUpdate(RG, 'vm01-nsg', 'r1', allowRule(), {
      updateIntervalInMs: 1,
    });
    expect(emu.state.getRule(SUB, RG, 'vm01-nsg', 'r1')?.properties.provisioningState).toBe('Updating');
    expect(emu.state.getNsg(SUB, RG, 'vm01-nsg')?.properties.provisioningState).toBe('Updating');
    await poller.pollUntilDone();
    expect(emu.requests({ pathIncludes: '/operations/' })).toHaveLength(4);
    expect(emu.state.getNsg(SUB, RG, 'vm01-nsg')?.properties.provisioningState).toBe('Succeeded');
  });

  it('updates an existing rule with 200 and a new etag', async () => {
    const before = emu.state.getNsg(SUB, RG, 'vm01-nsg')?.etag;
    await network.securityRules.beginCreateOrUpdateAndWait(
      RG,
      'vm01-nsg',
      'ssh',
      allowRule({ priority: 300, sourceAddressPrefix: '10.1.0.0/16' }),
    );
    expect(emu.log[0]?.status).toBe(200);
    // Names are case-insensitive: `ssh` updated the seeded `SSH`.
    expect(emu.state.ruleSummary(SUB, RG, 'vm01-nsg')).toMatchObject([
      { name: 'SSH', sourceAddressPrefix: '10.1.0.0/16' },
    ]);
    expect(emu.state.getNsg(SUB, RG, 'vm01-nsg')?.etag).not.toBe(before);
  });

  it('deletes a rule with 202 + Azure-AsyncOperation, and a missing one with 204', async () => {
    await network.securityRules.beginDeleteAndWait(RG, 'vm01-nsg', 'SSH');
    expect(emu.state.getRule(SUB, RG, 'vm01-nsg', 'SSH')).toBeUndefined();
    expect(emu.log.map((e) => `${e.method} ${e.status}`)).toEqual(['DELETE 202', 'GET 200', 'GET 200']);
    emu.clearLog();
    await network.securityRules.beginDeleteAndWait(RG, 'vm01-nsg', 'SSH');
    expect(emu.log.map((e) => `${e.method} ${e.status}`)).toEqual(['DELETE 204']);
  });

  it('refuses a rule that reuses a priority in the same direction, naming the rule already there', async () => {
    const error = await failure(
      network.securityRules.beginCreateOrUpdateAndWait(
        RG,
        'vm01-nsg',
        'jit-deny-vm01-x',
        allowRule({ priority: 300 }),
      ),
    );
    expect(error).toMatchObject({
      statusCode: 400,
      code: 'SecurityRuleConflict',
      message:
        'Security rule SSH conflicts with rule jit-deny-vm01-x. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules.',
    });
    // The same priority in the other direction is fine.
    await network.securityRules.beginCreateOrUpdateAndWait(
      RG,
      'vm01-nsg',
      'out-300',
      allowRule({ priority: 300, direction: 'Outbound' }),
    );
    expect(emu.state.listRules(SUB, RG, 'vm01-nsg').map((r) => r.name)).toEqual(['SSH', 'out-300']);
  });

  const invalid: [string, string, Partial<SecurityRule>, string][] = [
    ['priority below 100', 'r', { priority: 99 }, 'SecurityRuleInvalidPriority'],
    ['priority above 4096', 'r', { priority: 4097 }, 'SecurityRuleInvalidPriority'],
    ['no priority', 'r', { priority: undefined }, 'SecurityRuleParameterMissing'],
    ['no protocol', 'r', { protocol: undefined }, 'SecurityRuleParameterMissing'],
    ['no access', 'r', { access: undefined }, 'SecurityRuleParameterMissing'],
    ['no direction', 'r', { direction: undefined }, 'SecurityRuleParameterMissing'],
    ['an unknown protocol', 'r', { protocol: 'Http' }, 'InvalidRequestFormat'],
    ['a name of 81 characters', 'a'.repeat(81), {}, 'InvalidResourceName'],
    ['a name ending with a hyphen', 'jit-', {}, 'InvalidResourceName'],
    ['a name starting with a period', '.jit', {}, 'InvalidResourceName'],
    ['a name with a space', 'jit rule', {}, 'InvalidResourceName'],
    [
      'a description of 141 characters',
      'r',
      { description: 'x'.repeat(141) },
      'SecurityRuleDescriptionTooLong',
    ],
    [
      'a service tag in sourceAddressPrefixes',
      'r',
      { sourceAddressPrefix: undefined, sourceAddressPrefixes: ['Internet'] },
      'SecurityRuleParameterContainsUnsupportedValue',
    ],
    [
      '* in sourceAddressPrefixes',
      'r',
      { sourceAddressPrefix: undefined, sourceAddressPrefixes: ['*'] },
      'SecurityRuleParameterContainsUnsupportedValue',
    ],
    [
      'a tag in destinationAddressPrefixes',
      'r',
      { destinationAddressPrefix: undefined, destinationAddressPrefixes: ['VirtualNetwork'] },
      'SecurityRuleParameterContainsUnsupportedValue',
    ],
    [
      'a CIDR with host bits set',
      'r',
      { sourceAddressPrefix: '203.0.113.7/24' },
      'SecurityRuleInvalidAddressPrefix',
    ],
    ['an unknown word as prefix', 'r', { sourceAddressPrefix: 'any' }, 'SecurityRuleInvalidAddressPrefix'],
    [
      'both sourceAddressPrefix and sourceAddressPrefixes',
      'r',
      { sourceAddressPrefixes: ['198.51.100.0/24'] },
      'SecurityRuleParametersConflict',
    ],
    ['no source address at all', 'r', { sourceAddressPrefix: undefined }, 'SecurityRuleParametersMissing'],
    ['no destination port', 'r', { destinationPortRange: undefined }, 'SecurityRuleParameterMissing'],
    ['a comma list as port range', 'r', { destinationPortRange: '80,443' }, 'SecurityRuleInvalidPortRange'],
    ['a port above 65535', 'r', { destinationPortRange: '70000' }, 'SecurityRuleInvalidPortRange'],
    [
      '* in destinationPortRanges',
      'r',
      { destinationPortRange: undefined, destinationPortRanges: ['*'] },
      'SecurityRuleParameterContainsInvalidPortRanges',
    ],
  ];

  it.each(invalid)('refuses %s with 400 %s', async (_case, name, overrides, code) => {
    const error = await failure(
      network.securityRules.beginCreateOrUpdateAndWait(RG, 'vm01-nsg', name, allowRule(overrides)),
    );
    expect(error).toMatchObject({ statusCode: 400, code });
    expect(emu.state.listRules(SUB, RG, 'vm01-nsg').map((r) => r.name)).toEqual(['SSH']);
    expect(emu.pendingOperations()).toBe(0);
  });

  it('words the priority error as Azure does', async () => {
    const error = await failure(
      network.securityRules.beginCreateOrUpdateAndWait(RG, 'vm01-nsg', 'r', allowRule({ priority: 50 })),
    );
    expect(error.message).toBe(
      'Security rule has invalid Priority. Value provided: 50 Allowed range 100-4096.',
    );
  });

  it('accepts IPv6 prefixes, prefix lists, port lists, service tags and an 80-character name', async () => {
    await network.securityRules.beginCreateOrUpdateAndWait(
      RG,
      'vm01-nsg',
      `a${'b'.repeat(78)}_`,
      allowRule({
        sourceAddressPrefix: undefined,
        sourceAddressPrefixes: ['2001:db8::/64', '198.51.100.7'],
        destinationPortRange: undefined,
        destinationPortRanges: ['22', '3389', '5985-5986'],
        description: 'd'.repeat(140),
      }),
    );
    await network.securityRules.beginCreateOrUpdateAndWait(
      RG,
      'vm01-nsg',
      'tag',
      allowRule({ priority: 201, sourceAddressPrefix: 'Storage.WestEurope' }),
    );
    expect(emu.state.listRules(SUB, RG, 'vm01-nsg')).toHaveLength(3);
  });

  it('honours If-Match (the NSG etag every rule carries) and If-None-Match: *', async () => {
    const ssh = allowRule({ priority: 300, sourceAddressPrefix: '10.0.0.0/8' });
    const stale = 'W/"00000000-0000-0000-0000-000000000000"';
    const withHeader = (name: string, value: string) => ({
      requestOptions: { customHeaders: { [name]: value } },
    });
    const error = await failure(
      network.securityRules.beginCreateOrUpdateAndWait(
        RG,
        'vm01-nsg',
        'SSH',
        ssh,
        withHeader('If-Match', stale),
      ),
    );
    expect(error).toMatchObject({ statusCode: 412, code: 'PreconditionFailed' });
    const etag = emu.state.getRule(SUB, RG, 'vm01-nsg', 'SSH')?.etag ?? '';
    await network.securityRules.beginCreateOrUpdateAndWait(
      RG,
      'vm01-nsg',
      'SSH',
      ssh,
      withHeader('If-Match', etag),
    );
    expect(emu.state.getRule(SUB, RG, 'vm01-nsg', 'SSH')?.properties.sourceAddressPrefix).toBe('10.0.0.0/8');
    // Create-only: If-None-Match: * refuses to overwrite.
    const exists = await failure(
      network.securityRules.beginCreateOrUpdateAndWait(
        RG,
        'vm01-nsg',
        'SSH',
        ssh,
        withHeader('If-None-Match', '*'),
      ),
    );
    expect(exists).toMatchObject({ statusCode: 412 });
    await network.securityRules.beginCreateOrUpdateAndWait(
      RG,
      'vm01-nsg',
      'new',
      allowRule(),
      withHeader('If-None-Match', '*'),
    );
  });

  it('does not emulate a PUT of the whole NSG (501, which the SDK does not retry)', async () => {
    const error = await failure(
      network.networkSecurityGroups.beginCreateOrUpdateAndWait(RG, 'vm01-nsg', { location: 'westeurope' }),
    );
    expect(error).toMatchObject({ statusCode: 501, code: 'NotImplementedInEmulator' });
    expect(emu.requests({ method: 'PUT' })).toHaveLength(1);
  });
});

describe('faults', () => {
  it('429 with retry-after-ms: the SDK waits, retries and succeeds', async () => {
    emu.faults.add({
      method: 'PUT',
      pathIncludes: '/securityRules/',
      status: 429,
      retryAfterMs: 30,
      times: 1,
    });
    await network.securityRules.beginCreateOrUpdateAndWait(RG, 'vm01-nsg', 'r', allowRule());
    const puts = emu.requests({ method: 'PUT' });
    expect(puts.map((p) => [p.status, p.errorCode])).toEqual([
      [429, 'TooManyRequests'],
      [201, undefined],
    ]);
    expect((puts[1]?.timestamp ?? 0) - (puts[0]?.timestamp ?? 0)).toBeGreaterThanOrEqual(25);
  });

  it('429 without a retry header, 409 and 412 are not retried by the SDK', async () => {
    emu.faults.add({ method: 'GET', status: 429, times: 1 });
    expect(await failure(network.networkSecurityGroups.get(RG, 'vm01-nsg'))).toMatchObject({
      statusCode: 429,
      code: 'TooManyRequests',
    });
    emu.faults.add({
      method: 'PUT',
      status: 409,
      code: 'AnotherOperationInProgress',
      message: 'busy',
      times: 1,
    });
    expect(
      await failure(network.securityRules.beginCreateOrUpdateAndWait(RG, 'vm01-nsg', 'r', allowRule())),
    ).toMatchObject({ statusCode: 409, code: 'AnotherOperationInProgress', message: 'busy' });
    expect(emu.log.map((e) => e.status)).toEqual([429, 409]);
  });

  it('delayMs holds the answer back', async () => {
    emu.faults.add({ method: 'GET', status: 503, retryAfterMs: 0, delayMs: 60, times: 1 });
    await network.networkSecurityGroups.get(RG, 'vm01-nsg');
    expect(emu.log[0]?.durationMs).toBeGreaterThanOrEqual(55);
    expect(emu.log.map((e) => e.status)).toEqual([503, 200]);
  });

  it('500 once: retried; 500 every time: surfaces as RestError 500 after the retries', async () => {
    const once = emu.faults.add({
      method: 'GET',
      pathIncludes: '/networkSecurityGroups/vm01-nsg',
      status: 500,
      times: 1,
    });
    await network.networkSecurityGroups.get(RG, 'vm01-nsg');
    expect(once.hits).toBe(1);
    expect(emu.log.map((e) => e.status)).toEqual([500, 200]);
    emu.clearLog();
    emu.faults.add({
      method: 'GET',
      pathIncludes: '/networkSecurityGroups/vm01-nsg',
      status: 500,
      message: 'boom',
    });
    const error = await failure(network.networkSecurityGroups.get(RG, 'vm01-nsg'));
    expect(error).toMatchObject({ statusCode: 500, code: 'InternalServerError', message: 'boom' });
    expect(emu.log).toHaveLength(4);
  });

  it('refuses writes to one chosen NSG with ARM AuthorizationFailed, reads still work', async () => {
    emu.faults.refuseWrites({ nsg: 'vnet-jit-default-nsg' });
    await network.securityRules.beginCreateOrUpdateAndWait(RG, 'vm01-nsg', 'r', allowRule());
    const error = await failure(
      network.securityRules.beginCreateOrUpdateAndWait(RG, 'vnet-jit-default-nsg', 'r', allowRule()),
    );
    expect(error).toMatchObject({ statusCode: 403, code: 'AuthorizationFailed' });
    expect(error.message).toContain("The client 'alice@example.com' with object id");
    expect(error.message).toContain("'Microsoft.Network/networkSecurityGroups/securityRules/write'");
    await network.networkSecurityGroups.get(RG, 'vnet-jit-default-nsg');
    expect(emu.state.getRule(SUB, RG, 'vnet-jit-default-nsg', 'r')).toBeUndefined();
  });

  it('asyncFailure: the write is accepted and its operation ends Failed', async () => {
    emu.faults.add({
      method: 'PUT',
      pathIncludes: '/securityRules/',
      status: 500,
      code: 'InternalServerError',
      message: 'NRP broke',
      asyncFailure: true,
    });
    const error = await failure(
      network.securityRules.beginCreateOrUpdateAndWait(RG, 'vm01-nsg', 'r', allowRule()),
    );
    // core-lro reports a failed operation as a plain Error, not a RestError: code and message are in the text.
    expect(error.message).toBe('The long-running operation has failed. InternalServerError. NRP broke');
    expect(emu.state.getRule(SUB, RG, 'vm01-nsg', 'r')?.properties.provisioningState).toBe('Failed');
  });
});

describe('VM tag updates', () => {
  it('beginUpdateAndWait sends a PATCH with only the tags, polled as an LRO, and replaces the tag set', async () => {
    emu.state.setVmTags(SUB, RG, 'vm01', { owner: 'ops' });
    const policy = JSON.stringify({ v: 1, ports: ['22/tcp'], maxDuration: 'PT3H' });
    const vm = await compute.virtualMachines.beginUpdateAndWait(RG, 'vm01', {
      tags: { 'jit-access': policy },
    });
    expect(vm.tags).toEqual({ 'jit-access': policy });
    expect(vm.provisioningState).toBe('Succeeded');
    expect(emu.state.getVm(SUB, RG, 'vm01')?.tags).toEqual({ 'jit-access': policy });
    const patch = emu.requests({ method: 'PATCH' })[0];
    expect(patch?.body).toEqual({ tags: { 'jit-access': policy } });
    expect(patch?.apiVersion).toBe('2026-03-01');
    expect(emu.log.map((e) => `${e.method} ${e.status} ${e.path.split('/').at(-2)}`)).toEqual([
      'PATCH 200 virtualMachines',
      'GET 200 operations',
      'GET 200 virtualMachines',
    ]);
  });

  it('polls a compute operation as often as configured', async () => {
    emu.options.lroPolls.compute = 2;
    await compute.virtualMachines.beginUpdateAndWait(
      RG,
      'vm01',
      { tags: { a: 'b' } },
      { updateIntervalInMs: 1 },
    );
    const polls = emu.requests({ pathIncludes: '/Microsoft.Compute/locations/' });
    expect(polls).toHaveLength(3);
    expect(polls[0]?.query.p).toBeDefined();
  });

  it('refuses a tag value over 256 characters', async () => {
    const error = await failure(
      compute.virtualMachines.beginUpdateAndWait(RG, 'vm01', { tags: { 'jit-access': 'x'.repeat(257) } }),
    );
    expect(error).toMatchObject({ statusCode: 400, code: 'InvalidTagValueLength' });
  });

  it('404 ResourceNotFound for a missing VM', async () => {
    const error = await failure(compute.virtualMachines.beginUpdateAndWait(RG, 'nope', { tags: {} }));
    expect(error).toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });
});

describe('state API', () => {
  it('seeds a VM with a NIC NSG and a subnet NSG and shares the subnet between VMs', () => {
    const vm02 = seedLinuxVm(emu, { vmName: 'vm02', privateIp: '10.0.0.5', nicNsg: null });
    expect(vm02.subnetNsgId).toBe(vm01.subnetNsgId);
    expect(vm02.nicNsgId).toBeUndefined();
    expect(emu.state.getNic(SUB, RG, 'vm02-nic')?.properties.networkSecurityGroup).toBeUndefined();
    const subnetNsg = emu.state.getNsg(SUB, RG, 'vnet-jit-default-nsg');
    expect(subnetNsg?.properties.subnets).toEqual([{ id: vm01.subnetId }]);
    expect(emu.state.ruleSummary(SUB, RG, 'vnet-jit-default-nsg')).toEqual([
      {
        name: 'Allow-SSH-Internet',
        priority: 1000,
        direction: 'Inbound',
        access: 'Allow',
        protocol: 'Tcp',
        sourceAddressPrefix: 'Internet',
        sourcePortRange: '*',
        destinationAddressPrefix: '*',
        destinationPortRange: '22',
        sourcePortRanges: [],
        destinationPortRanges: [],
        sourceAddressPrefixes: [],
        destinationAddressPrefixes: [],
      },
    ]);
  });

  it('snapshots and restores the whole world', async () => {
    const before = emu.state.snapshot();
    await network.securityRules.beginDeleteAndWait(RG, 'vm01-nsg', 'SSH');
    emu.state.restore(before);
    expect(emu.state.listRules(SUB, RG, 'vm01-nsg').map((r) => r.name)).toEqual(['SSH']);
  });

  it('settle() completes operations nobody polls', async () => {
    emu.options.lroPolls.network = 5;
    await network.securityRules.beginDelete(RG, 'vm01-nsg', 'SSH');
    expect(emu.state.getRule(SUB, RG, 'vm01-nsg', 'SSH')?.properties.provisioningState).toBe('Deleting');
    expect(emu.settle()).toBe(1);
    expect(emu.state.getRule(SUB, RG, 'vm01-nsg', 'SSH')).toBeUndefined();
  });
});
