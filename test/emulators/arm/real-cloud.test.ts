// The real-cloud behaviours the emulator produces beyond the happy path (SPEC.md "Management locks",
// "The tags API", "Operations that end Canceled", "LinkedAuthorizationFailed", "Route tables",
// "Prefix-form NIC addresses"), driven through the real SDK clients and their pipeline.
import type { ComputeManagementClient } from '@azure/arm-compute';
import type { NetworkManagementClient, SecurityRule } from '@azure/arm-network';
import { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SeededVm, seedLinuxVm } from './seed.js';
import type { ArmEmulator } from './server.js';
import { failure, startEmulatorClients, stopEmulatorClients } from './sdk-clients.js';
import { DEFAULT_SUBSCRIPTION_ID } from './token.js';

const SUB = DEFAULT_SUBSCRIPTION_ID;
const RG = 'rg-jit';
const RG_ID = `/subscriptions/${SUB}/resourceGroups/${RG}`;

let emu: ArmEmulator;
let network: NetworkManagementClient;
let compute: ComputeManagementClient;
let vm01: SeededVm;

const allowRule: SecurityRule = {
  priority: 200,
  direction: 'Inbound',
  access: 'Allow',
  protocol: 'Tcp',
  sourceAddressPrefix: '203.0.113.7/32',
  sourcePortRange: '*',
  destinationAddressPrefix: '10.0.0.4',
  destinationPortRange: '22',
};

/** A raw ARM call through the network client's pipeline (bearer token, TLS, retries), as jit makes it. */
async function raw(method: 'GET' | 'PATCH', path: string, apiVersion: string, body?: unknown) {
  const response = await network.sendRequest(
    createPipelineRequest({
      url: `${emu.url}${path}${path.includes('?') ? '&' : '?'}api-version=${apiVersion}`,
      method,
      headers: createHttpHeaders({ 'content-type': 'application/json' }),
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    }),
  );
  return { status: response.status, body: response.bodyAsText ? JSON.parse(response.bodyAsText) : undefined };
}

beforeAll(async () => {
  ({ emu, network, compute } = await startEmulatorClients(SUB));
});

afterAll(() => stopEmulatorClients(emu));

beforeEach(() => {
  emu.state.reset();
  emu.faults.clear();
  emu.clearLog();
  vm01 = seedLinuxVm(emu, { vmName: 'vm01', privateIp: '10.0.0.4' });
});

describe('management locks', () => {
  it('lists the locks that apply at a scope with $filter=atScope(): its own and those above, not below', async () => {
    emu.state.addLock(RG_ID, 'rg-keep', 'CanNotDelete', 'keep the network');
    emu.state.addLock(`/subscriptions/${SUB}`, 'sub-ro', 'ReadOnly');
    emu.state.addLock(`${RG_ID}/providers/Microsoft.Network/networkSecurityGroups/other-nsg`, 'elsewhere', 'ReadOnly');
    const { status, body } = await raw(
      'GET',
      `${vm01.nicNsgId}/providers/Microsoft.Authorization/locks?$filter=atScope()`,
      '2016-09-01',
    );
    expect(status).toBe(200);
    expect(body.value).toEqual(
      expect.arrayContaining([
        {
          id: `${RG_ID}/providers/Microsoft.Authorization/locks/rg-keep`,
          type: 'Microsoft.Authorization/locks',
          name: 'rg-keep',
          properties: { level: 'CanNotDelete', notes: 'keep the network' },
        },
        expect.objectContaining({ name: 'sub-ro', properties: { level: 'ReadOnly' } }),
      ]),
    );
    expect(body.value).toHaveLength(2);
    const below = await raw('GET', `${RG_ID}/providers/Microsoft.Authorization/locks`, '2016-09-01');
    expect(below.body.value.map((lock: { name: string }) => lock.name).sort()).toEqual(['elsewhere', 'rg-keep', 'sub-ro']);
  });

  it('CanNotDelete: a rule PUT is accepted, its DELETE answers 409 ScopeLocked and the rule stays', async () => {
    emu.state.addLock(RG_ID, 'rg-keep', 'CanNotDelete');
    await network.securityRules.beginCreateOrUpdateAndWait(RG, 'vm01-nsg', 'r1', allowRule, { updateIntervalInMs: 1 });
    const error = await failure(network.securityRules.beginDeleteAndWait(RG, 'vm01-nsg', 'r1', { updateIntervalInMs: 1 }));
    expect(error).toMatchObject({ statusCode: 409, code: 'ScopeLocked' });
    expect(error.message).toBe(
      `The scope '${vm01.nicNsgId}/securityRules/r1' cannot perform delete operation because following scope(s) are locked: '${RG_ID}'. Please remove the lock and try again.`,
    );
    expect(emu.state.getRule(SUB, RG, 'vm01-nsg', 'r1')).toBeDefined();
    emu.state.removeLock(RG_ID, 'rg-keep');
    await network.securityRules.beginDeleteAndWait(RG, 'vm01-nsg', 'r1', { updateIntervalInMs: 1 });
    expect(emu.state.getRule(SUB, RG, 'vm01-nsg', 'r1')).toBeUndefined();
  });

  it('ReadOnly: PUT, DELETE, VM PATCH and tag writes all answer 409 ScopeLocked; reads still work', async () => {
    emu.state.addLock(vm01.nicNsgId!, 'nsg-ro', 'ReadOnly');
    emu.state.addLock(vm01.vmId, 'vm-ro', 'ReadOnly');
    const put = await failure(network.securityRules.beginCreateOrUpdateAndWait(RG, 'vm01-nsg', 'r1', allowRule));
    expect(put).toMatchObject({ statusCode: 409, code: 'ScopeLocked' });
    expect(put.message).toContain('cannot perform write operation');
    expect(await failure(network.securityRules.beginDeleteAndWait(RG, 'vm01-nsg', 'SSH'))).toMatchObject({ code: 'ScopeLocked' });
    expect(await failure(compute.virtualMachines.beginUpdateAndWait(RG, 'vm01', { tags: { a: 'b' } }))).toMatchObject({
      code: 'ScopeLocked',
    });
    const tags = await raw('PATCH', `${vm01.vmId}/providers/Microsoft.Resources/tags/default`, '2021-04-01', {
      operation: 'Merge',
      properties: { tags: { a: 'b' } },
    });
    expect(tags.status).toBe(409);
    expect(tags.body.error.code).toBe('ScopeLocked');
    expect((await network.networkSecurityGroups.get(RG, 'vm01-nsg')).securityRules?.map((r) => r.name)).toEqual(['SSH']);
  });
});

describe('the tags API', () => {
  const tagsPath = () => `${vm01.vmId}/providers/Microsoft.Resources/tags/default`;

  it('Merge adds and overwrites (names case-insensitive), Delete removes by name/value, GET reads them back', async () => {
    emu.state.setVmTags(SUB, RG, 'vm01', { owner: 'ops', 'JIT-ACCESS': 'old' });
    const merged = await raw('PATCH', tagsPath(), '2021-04-01', {
      operation: 'Merge',
      properties: { tags: { 'jit-access': 'v1;p=22/tcp' } },
    });
    expect(merged).toEqual({
      status: 200,
      body: {
        id: tagsPath(),
        name: 'default',
        type: 'Microsoft.Resources/tags',
        properties: { tags: { owner: 'ops', 'JIT-ACCESS': 'v1;p=22/tcp' } },
      },
    });
    const kept = await raw('PATCH', tagsPath(), '2021-04-01', {
      operation: 'Delete',
      properties: { tags: { 'jit-access': 'another value' } },
    });
    expect(kept.body.properties.tags).toEqual({ owner: 'ops', 'JIT-ACCESS': 'v1;p=22/tcp' });
    await raw('PATCH', tagsPath(), '2021-04-01', { operation: 'Delete', properties: { tags: { 'jit-access': 'v1;p=22/tcp' } } });
    expect(emu.state.getVm(SUB, RG, 'vm01')?.tags).toEqual({ owner: 'ops' });
    expect((await raw('GET', tagsPath(), '2021-04-01')).body.properties.tags).toEqual({ owner: 'ops' });
    // Synchronous: no operation to poll, and the VM itself was never written.
    expect(emu.requests({ pathIncludes: '/operations/' })).toHaveLength(0);
    expect(emu.requests({ method: 'PATCH' }).every((entry) => entry.path.endsWith('/tags/default'))).toBe(true);
  });

  it('validates tags as a VM PATCH does and refuses an unknown operation', async () => {
    const long = await raw('PATCH', tagsPath(), '2021-04-01', { operation: 'Merge', properties: { tags: { a: 'x'.repeat(257) } } });
    expect(long.body.error.code).toBe('InvalidTagValueLength');
    const odd = await raw('PATCH', tagsPath(), '2021-04-01', { operation: 'Append', properties: { tags: { a: 'b' } } });
    expect(odd).toMatchObject({ status: 400, body: { error: { code: 'InvalidTagPatchOperation' } } });
  });
});

describe('LinkedAuthorizationFailed on VM writes', () => {
  it('refuses a VM PATCH with 403 LinkedAuthorizationFailed, but not the tags API on the same VM', async () => {
    const fault = emu.faults.linkedAuthorizationFailed({ vm: 'vm01' });
    const error = await failure(compute.virtualMachines.beginUpdateAndWait(RG, 'vm01', { tags: { a: 'b' } }));
    expect(error).toMatchObject({ statusCode: 403, code: 'LinkedAuthorizationFailed' });
    expect(error.message).toMatch(
      /has permission to perform action 'Microsoft\.Compute\/virtualMachines\/write' on scope .*however, it does not have permission to perform action 'Microsoft\.Network\/networkInterfaces\/join\/action' on the linked scope/,
    );
    const tags = await raw('PATCH', `${vm01.vmId}/providers/Microsoft.Resources/tags/default`, '2021-04-01', {
      operation: 'Merge',
      properties: { tags: { a: 'b' } },
    });
    expect(tags.status).toBe(200);
    expect(fault.hits).toBe(1);
    expect(emu.state.getVm(SUB, RG, 'vm01')?.tags).toEqual({ a: 'b' });
  });
});

describe('operations that end Canceled', () => {
  it('core-lro throws a bare Error("Operation was canceled") and the rule PUT changed nothing', async () => {
    emu.faults.add({
      method: 'PUT',
      pathIncludes: '/securityRules/r1',
      status: 409,
      code: 'CanceledAndSupersededDueToAnotherOperation',
      message: 'Operation was canceled and superseded by another operation on the same resource.',
      asyncFailure: true,
      asyncStatus: 'Canceled',
      times: 1,
    });
    const error = await failure(
      network.securityRules.beginCreateOrUpdateAndWait(RG, 'vm01-nsg', 'r1', allowRule, { updateIntervalInMs: 1 }),
    );
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('Operation was canceled');
    expect(error).not.toHaveProperty('statusCode');
    expect(emu.state.getRule(SUB, RG, 'vm01-nsg', 'r1')).toBeUndefined();
    const status = emu.requests({ pathIncludes: '/operations/' }).at(-1);
    expect(status?.status).toBe(200);
    await network.securityRules.beginCreateOrUpdateAndWait(RG, 'vm01-nsg', 'r1', allowRule, { updateIntervalInMs: 1 });
    expect(emu.state.getRule(SUB, RG, 'vm01-nsg', 'r1')?.properties.provisioningState).toBe('Succeeded');
  });

  it('a cancelled DELETE leaves the rule in place, Succeeded', async () => {
    emu.faults.add({ method: 'DELETE', status: 409, asyncFailure: true, asyncStatus: 'Canceled', times: 1 });
    const error = await failure(network.securityRules.beginDeleteAndWait(RG, 'vm01-nsg', 'SSH', { updateIntervalInMs: 1 }));
    expect(error.message).toBe('Operation was canceled');
    expect(emu.state.getRule(SUB, RG, 'vm01-nsg', 'SSH')?.properties.provisioningState).toBe('Succeeded');
  });
});

describe('route tables and prefix-form NIC addresses', () => {
  it('a subnet carries its route table, which the SDK reads with its routes', async () => {
    emu.state.reset();
    const vm = seedLinuxVm(emu, {
      vmName: 'vm02',
      routes: [{ name: 'to-firewall', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.1.4' }],
    });
    const vnet = await network.virtualNetworks.get(RG, 'vnet-jit');
    const subnet = vnet.subnets?.find((s) => s.id === vm.subnetId);
    expect(subnet?.routeTable?.id).toBe(`${RG_ID}/providers/Microsoft.Network/routeTables/vnet-jit-default-rt`);
    const table = await network.routeTables.get(RG, 'vnet-jit-default-rt');
    expect(table.routes).toEqual([
      expect.objectContaining({ name: 'to-firewall', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.1.4' }),
    ]);
    const all = [];
    for await (const item of network.routeTables.listAll()) all.push(item.name);
    expect(all).toEqual(['vnet-jit-default-rt']);
  });

  it('an IP configuration can hold a prefix, with privateIPAddressPrefixLength', async () => {
    emu.state.reset();
    seedLinuxVm(emu, { vmName: 'vm03', privateIp: '10.0.0.16/28' });
    const nic = await network.networkInterfaces.get(RG, 'vm03-nic');
    expect(nic.ipConfigurations?.[0]).toMatchObject({ privateIPAddress: '10.0.0.16/28', privateIPAddressPrefixLength: 28 });
  });
});
