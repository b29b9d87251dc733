/**
 * What real Azure does that the happy path never shows (issue 9), through the real SDKs against the
 * ARM emulator: management locks, operations that end Canceled, VM writes refused with
 * LinkedAuthorizationFailed, NIC addresses given as prefixes, and a subnet whose default route goes to
 * a virtual appliance. Each test asserts the state of the cloud, not only what jit said.
 */
import { describe, expect, it } from 'vitest';
import type { CloudProvider, GrantSpec, TargetInfo } from '../../../src/core/ports.js';
import { encodePolicy } from '../../../src/core/policy.js';
import { ENABLE_DEFAULTS as ENABLE, SSH_POLICY as SSH } from '../../support/provider-fixtures.js';
import { RG, rule, rulesOf, SUB, seedVm01, useHarness } from './support.js';

const h = useHarness();

const NIC_NSG = 'vm01-nsg';
const SUBNET_NSG = 'vnet-jit-default-nsg';
const RG_ID = `/subscriptions/${SUB}/resourceGroups/${RG}`;
const VM_ID = `${RG_ID}/providers/Microsoft.Compute/virtualMachines/vm01`;

async function resolved(): Promise<{ provider: CloudProvider; target: TargetInfo }> {
  const provider = await h.provider();
  return { provider, target: await provider.resolveTarget('vm01') };
}

const grant = (id: string, source = '81.2.69.5/32'): GrantSpec => ({
  id,
  ports: [{ from: 22, to: 22, protocol: 'tcp' }],
  source,
  requester: 'alice@example.com',
  expiresAt: '2030-01-01T12:00:00.000Z',
});

const jitRules = (nsg: string, prefix: string) => rulesOf(h.emu, nsg).filter((r) => r.name.startsWith(prefix));
const tagsOfVm = () => h.emu.state.getVm(SUB, RG, 'vm01')?.tags;
const writeCount = () => h.emu.log.filter((e) => ['PUT', 'PATCH', 'DELETE'].includes(e.method)).length;

async function enabled(): Promise<void> {
  const { provider, target } = await resolved();
  await provider.enable(target, SSH, ENABLE);
}

describe('management locks: never open what cannot be closed', () => {
  it('a CanNotDelete lock on the resource group: request refuses naming the lock, writes nothing; without it, succeeds', async () => {
    seedVm01(h.emu);
    await enabled();
    h.emu.state.addLock(RG_ID, 'keep-network', 'CanNotDelete', 'platform team');
    h.emu.clearLog();
    const { provider, target } = await resolved();
    const error = await provider.openGrant(target, grant('k3v9x2ab'), { dryRun: false }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'JIT_AZURE_SCOPE_LOCKED', exitCode: 1 });
    expect((error as Error).message).toMatch(/Management lock keep-network \(CanNotDelete\) on resource group rg-jit .*Nothing was changed/);
    expect((error as { hint?: string }).hint).toContain('/providers/Microsoft.Authorization/locks/keep-network');
    expect(writeCount()).toBe(0);
    expect(jitRules(NIC_NSG, 'jit-allow-')).toEqual([]);
    expect(jitRules(SUBNET_NSG, 'jit-allow-')).toEqual([]);

    h.emu.state.removeLock(RG_ID, 'keep-network');
    const again = await resolved();
    await again.provider.openGrant(again.target, grant('k3v9x2ab'), { dryRun: false });
    expect(jitRules(NIC_NSG, 'jit-allow-')).toHaveLength(1);
    expect(jitRules(SUBNET_NSG, 'jit-allow-')).toHaveLength(1);
  });

  it('enable refuses the same way under a ReadOnly lock on one NSG, leaving both NSGs and the tag as they were', async () => {
    seedVm01(h.emu, { tags: { owner: 'ops' } });
    h.emu.state.addLock(`${RG_ID}/providers/Microsoft.Network/networkSecurityGroups/${SUBNET_NSG}`, 'frozen', 'ReadOnly');
    const before = { nic: rulesOf(h.emu, NIC_NSG), subnet: rulesOf(h.emu, SUBNET_NSG) };
    const { provider, target } = await resolved();
    const error = await provider.enable(target, SSH, ENABLE).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'JIT_AZURE_SCOPE_LOCKED', exitCode: 1 });
    expect((error as Error).message).toContain(`frozen (ReadOnly) on network security group ${SUBNET_NSG}`);
    expect(rulesOf(h.emu, NIC_NSG)).toEqual(before.nic);
    expect(rulesOf(h.emu, SUBNET_NSG)).toEqual(before.subnet);
    expect(tagsOfVm()).toEqual({ owner: 'ops' });
  });

  it('a lock on another resource group, or one that blocks nothing (NotSpecified), does not stop enable', async () => {
    seedVm01(h.emu);
    h.emu.state.addLock('/subscriptions/' + SUB + '/resourceGroups/rg-other', 'elsewhere', 'CanNotDelete');
    h.emu.state.addLock(RG_ID, 'informational', 'NotSpecified');
    const { provider, target } = await resolved();
    await provider.enable(target, SSH, ENABLE);
    expect(jitRules(NIC_NSG, 'jit-deny-')).toHaveLength(1);
  });

  it('reads every page of the locks list: a blocking lock on the second page still refuses', async () => {
    seedVm01(h.emu);
    h.emu.options.pageSize = 1;
    h.emu.state.addLock(`/subscriptions/${SUB}`, 'informational', 'NotSpecified');
    h.emu.state.addLock(RG_ID, 'keep-network', 'CanNotDelete');
    const { provider, target } = await resolved();
    const error = await provider.enable(target, SSH, ENABLE).catch((e: unknown) => e);
    h.emu.options.pageSize = 100;
    expect(error).toMatchObject({ code: 'JIT_AZURE_SCOPE_LOCKED' });
    expect(h.emu.requests({ pathIncludes: `${NIC_NSG}/providers/Microsoft.Authorization/locks` }).map((e) => e.query.$skiptoken)).toEqual([
      undefined,
      '1',
    ]);
    expect(jitRules(NIC_NSG, 'jit-deny-')).toEqual([]);
  });

  it('403 on reading locks: refuses with exit 4 naming Microsoft.Authorization/locks/read, before any write', async () => {
    seedVm01(h.emu);
    h.emu.faults.add({ method: 'GET', pathIncludes: '/providers/Microsoft.Authorization/locks', status: 403 });
    h.emu.clearLog();
    const { provider, target } = await resolved();
    const error = await provider.enable(target, SSH, ENABLE).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'JIT_AZURE_FORBIDDEN', exitCode: 4 });
    expect((error as Error).message).toContain('Microsoft.Authorization/locks/read');
    expect(writeCount()).toBe(0);
    expect(jitRules(NIC_NSG, 'jit-deny-')).toEqual([]);
  });

  it('ScopeLocked from a DELETE (a lock added after the grant) is its own error and is not retried', async () => {
    seedVm01(h.emu);
    await enabled();
    const { provider, target } = await resolved();
    await provider.openGrant(target, grant('k3v9x2ab'), { dryRun: false });
    h.emu.state.addLock(RG_ID, 'late-lock', 'CanNotDelete');
    h.emu.clearLog();
    const [open] = await provider.listGrants(target);
    const error = await provider.closeGrant(open!, { dryRun: false }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'JIT_AZURE_SCOPE_LOCKED', exitCode: 1 });
    expect((error as Error).message).toContain(`following scope(s) are locked: '${RG_ID}'`);
    // One DELETE per NSG, none repeated: waiting does not lift a lock.
    expect(h.emu.requests({ method: 'DELETE' })).toHaveLength(2);
    expect(jitRules(NIC_NSG, 'jit-allow-')).toHaveLength(1);
  });
});

describe('operations that end Canceled', () => {
  it('a rule PUT whose operation is cancelled (superseded) is retried, and the grant lands on every NSG', async () => {
    seedVm01(h.emu);
    await enabled();
    h.emu.clearLog();
    const fault = h.emu.faults.add({
      method: 'PUT',
      pathIncludes: `/networkSecurityGroups/${NIC_NSG}/securityRules/jit-allow-`,
      status: 409,
      code: 'CanceledAndSupersededDueToAnotherOperation',
      message: 'Operation was canceled and superseded by another operation.',
      asyncFailure: true,
      asyncStatus: 'Canceled',
      times: 1,
    });
    const { provider, target } = await resolved();
    await provider.openGrant(target, grant('k3v9x2ab'), { dryRun: false });
    expect(fault.hits).toBe(1);
    expect(h.emu.requests({ method: 'PUT', pathIncludes: `/${NIC_NSG}/securityRules/jit-allow-` })).toHaveLength(2);
    for (const nsg of [NIC_NSG, SUBNET_NSG]) {
      expect(jitRules(nsg, 'jit-allow-')).toMatchObject([{ access: 'Allow', sourceAddressPrefix: '81.2.69.5/32' }]);
    }
  });

  it('a cancelled DELETE when revoking is retried too, and the rule is gone', async () => {
    seedVm01(h.emu);
    await enabled();
    const { provider, target } = await resolved();
    await provider.openGrant(target, grant('k3v9x2ab'), { dryRun: false });
    h.emu.faults.add({ method: 'DELETE', status: 409, asyncFailure: true, asyncStatus: 'Canceled', times: 1 });
    const [open] = await provider.listGrants(target);
    await provider.closeGrant(open!, { dryRun: false });
    expect(jitRules(NIC_NSG, 'jit-allow-')).toEqual([]);
    expect(jitRules(SUBNET_NSG, 'jit-allow-')).toEqual([]);
  });
});

describe('the policy tag through the tags API', () => {
  it('with every VM write refused (LinkedAuthorizationFailed), enable and disable still succeed', async () => {
    seedVm01(h.emu, { tags: { owner: 'ops' } });
    const before = { nic: rulesOf(h.emu, NIC_NSG), subnet: rulesOf(h.emu, SUBNET_NSG) };
    const fault = h.emu.faults.linkedAuthorizationFailed();
    await enabled();
    expect(tagsOfVm()).toEqual({ owner: 'ops', 'jit-access': encodePolicy(SSH) });
    const disabling = await resolved();
    await disabling.provider.disable(disabling.target, { dryRun: false });
    expect(tagsOfVm()).toEqual({ owner: 'ops' });
    expect(rulesOf(h.emu, NIC_NSG)).toEqual(before.nic);
    expect(rulesOf(h.emu, SUBNET_NSG)).toEqual(before.subnet);
    expect(fault.hits).toBe(0);
    expect(h.emu.requests({ method: 'PATCH' }).map((e) => [e.path, (e.body as { operation: string }).operation])).toEqual([
      [`${VM_ID}/providers/Microsoft.Resources/tags/default`, 'Merge'],
      [`${VM_ID}/providers/Microsoft.Resources/tags/default`, 'Delete'],
    ]);
  });

  it('a concurrent change to another tag is kept: only the policy tag is ever sent', async () => {
    seedVm01(h.emu, { tags: { owner: 'ops' } });
    const { provider, target } = await resolved();
    h.emu.state.setVmTags(SUB, RG, 'vm01', { owner: 'ops', 'cost-center': '42' });
    await provider.enable(target, SSH, ENABLE);
    expect(tagsOfVm()).toEqual({ owner: 'ops', 'cost-center': '42', 'jit-access': encodePolicy(SSH) });
  });
});

describe('NIC addresses given as prefixes', () => {
  it('an IP configuration holding 10.0.0.16/28 is in the deny rule\'s destinations, and in the grant\'s', async () => {
    seedVm01(h.emu, { privateIp: '10.0.0.16/28' });
    await enabled();
    for (const nsg of [NIC_NSG, SUBNET_NSG]) {
      expect(jitRules(nsg, 'jit-deny-')).toMatchObject([{ access: 'Deny', destinationAddressPrefix: '10.0.0.16/28' }]);
    }
    const { provider, target } = await resolved();
    await provider.openGrant(target, grant('k3v9x2ab'), { dryRun: false });
    expect(jitRules(NIC_NSG, 'jit-allow-')).toMatchObject([{ destinationAddressPrefix: '10.0.0.16/28' }]);
    const status = await provider.status(target, SSH, []);
    expect(status.exposure).toMatchObject([{ verdict: 'locked' }]);
  });
});

describe('a subnet whose default route goes to a virtual appliance', () => {
  const VNET_SSH = rule('Allow-VNet-SSH', 200, { sourceAddressPrefix: 'VirtualNetwork', destinationPortRange: '22' });
  const TO_FIREWALL = [{ name: 'default-to-fw', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.9.4' }];

  it('puts the deny rule ahead of a VirtualNetwork Allow, which status first names as open to the internet', async () => {
    seedVm01(h.emu, { rules: [VNET_SSH], subnetNsg: null, routes: TO_FIREWALL });
    const { provider, target } = await resolved();
    const before = await provider.status(target, SSH, []);
    expect(before.exposure).toMatchObject([{ verdict: 'exposed', rules: expect.arrayContaining([`${NIC_NSG}/Allow-VNet-SSH`]) }]);
    const report = await provider.enable(target, SSH, ENABLE);
    expect(report.notes).toContain(`broad rule ${NIC_NSG}/Allow-VNet-SSH (priority 200) now sits behind jit's deny rule and no longer lets the internet in`);
    const [deny] = jitRules(NIC_NSG, 'jit-deny-');
    expect(deny?.priority).toBeLessThan(200);
    const after = await (await resolved()).provider;
    const again = await after.status(await after.resolveTarget('vm01'), SSH, []);
    expect(again.exposure).toMatchObject([{ verdict: 'locked' }]);
  });

  it('without that route, the same VirtualNetwork Allow stays narrow and keeps working ahead of the deny', async () => {
    seedVm01(h.emu, { rules: [VNET_SSH], subnetNsg: null, routes: [{ name: 'onprem', addressPrefix: '192.168.0.0/16', nextHopType: 'VirtualNetworkGateway' }] });
    await enabled();
    expect(jitRules(NIC_NSG, 'jit-deny-')[0]?.priority).toBeGreaterThan(200);
  });
});
