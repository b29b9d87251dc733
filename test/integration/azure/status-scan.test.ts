/** status (docs/azure.md, "Effectiveness") and scan (docs/cli.md) on Azure, against the ARM emulator. */
import { describe, expect, it } from 'vitest';
import { buildPolicy } from '../../../src/core/policy.js';
import type { CloudProvider, TargetInfo } from '../../../src/core/ports.js';
import type { SecurityRuleInput } from '../../emulators/arm/state.js';
import { seedLinuxVm } from '../../emulators/arm/server.js';
import { ENABLE_DEFAULTS as ENABLE, SSH_POLICY as SSH } from '../../support/provider-fixtures.js';
import { RG, rule, SUB, seedVm01, useHarness } from './support.js';

const h = useHarness();

const NIC_NSG = 'vm01-nsg';
const SUBNET_NSG = 'vnet-jit-default-nsg';

async function resolved(name = 'vm01', settings = {}): Promise<{ provider: CloudProvider; target: TargetInfo }> {
  const provider = await h.provider(settings);
  return { provider, target: await provider.resolveTarget(name) };
}

async function statusOf(name = 'vm01') {
  const { provider, target } = await resolved(name);
  const grants = await provider.listGrants(target);
  return { ...(await provider.status(target, SSH, grants.map((g) => g.source))), grants };
}

/** SSH open to every source: the rule the lock-down must sit ahead of. */
const broad = (name: string, priority: number, extra: Partial<SecurityRuleInput> = {}): SecurityRuleInput =>
  rule(name, priority, { destinationPortRange: '22', ...extra });

describe('status', () => {
  it('before enable: exposed, naming the rule on each NSG that lets the internet in', async () => {
    seedVm01(h.emu);
    const status = await statusOf();
    expect(status.lockedDown).toBe(false);
    expect(status.exposure).toEqual([
      {
        port: { from: 22, to: 22, protocol: 'tcp' },
        verdict: 'exposed',
        rules: [`${NIC_NSG}/SSH`, `${SUBNET_NSG}/Allow-SSH-Internet`],
        reason: 'the internet reaches 10.0.0.4 through rules that allow any source',
      },
    ]);
  });

  it('after enable: locked and in place, also with a grant open', async () => {
    seedVm01(h.emu);
    const enabling = await resolved();
    await enabling.provider.enable(enabling.target, SSH, ENABLE);
    expect(await statusOf()).toMatchObject({ lockedDown: true, exposure: [{ verdict: 'locked', rules: [] }] });
    const granting = await resolved();
    await granting.provider.openGrant(
      granting.target,
      { id: 'k3v9x2ab', ports: SSH.ports, source: '81.2.69.5/32', requester: 'alice@example.com', expiresAt: '2030-01-01T00:00:00.000Z' },
      { dryRun: false },
    );
    const status = await statusOf();
    expect(status).toMatchObject({ lockedDown: true, exposure: [{ verdict: 'locked' }] });
    expect(status.grants.map((g) => g.grantId)).toEqual(['k3v9x2ab']);
  });

  it('defeated by a broad rule placed ahead of the deny afterwards, naming it on both NSGs', async () => {
    seedVm01(h.emu);
    const enabling = await resolved();
    await enabling.provider.enable(enabling.target, SSH, ENABLE);
    h.emu.state.putRule(SUB, RG, NIC_NSG, broad('Temp-Debug', 150));
    h.emu.state.putRule(SUB, RG, SUBNET_NSG, broad('Open-Internet', 160, { sourceAddressPrefix: 'Internet' }));
    expect(await statusOf()).toMatchObject({
      lockedDown: true,
      exposure: [{ verdict: 'exposed', rules: [`${NIC_NSG}/Temp-Debug`, `${SUBNET_NSG}/Open-Internet`] }],
    });
  });

  it('unknown when only a rule jit cannot evaluate (an application security group) may let the internet in', async () => {
    seedVm01(h.emu);
    const enabling = await resolved();
    await enabling.provider.enable(enabling.target, SSH, ENABLE);
    const asg = { destinationAddressPrefix: undefined, destinationApplicationSecurityGroups: [{ id: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/applicationSecurityGroups/web` }] };
    h.emu.state.putRule(SUB, RG, NIC_NSG, broad('Web-ASG', 150, asg));
    h.emu.state.putRule(SUB, RG, SUBNET_NSG, broad('Web-ASG', 160, asg));
    expect(await statusOf()).toMatchObject({ exposure: [{ verdict: 'unknown', rules: [`${NIC_NSG}/Web-ASG`, `${SUBNET_NSG}/Web-ASG`] }] });
  });

  it('a VM without a policy has no exposure to report', async () => {
    seedVm01(h.emu);
    const { provider, target } = await resolved();
    expect(await provider.status(target, undefined, [])).toMatchObject({ exposure: [], lockedDown: false });
  });
});

describe('scan', () => {
  function seedWorld() {
    seedVm01(h.emu);
    // Behind the same subnet NSG, but its own NSG only lets the VPN in.
    seedLinuxVm(h.emu, {
      vmName: 'vm02',
      privateIp: '10.0.0.5',
      rules: [broad('Allow-VPN', 200, { sourceAddressPrefix: '10.8.0.0/16' })],
    });
    // No NSG anywhere on its path.
    seedLinuxVm(h.emu, { vmName: 'vm03', privateIp: '10.1.0.4', vnetName: 'vnet-open', subnetPrefix: '10.1.0.0/24', nicNsg: null, subnetNsg: null });
    seedLinuxVm(h.emu, { vmName: 'vm04', resourceGroup: 'rg-other', privateIp: '10.2.0.4' });
  }

  it('finds every VM whose management ports the internet reaches, naming the rules, from five listings', async () => {
    seedWorld();
    const provider = await h.provider();
    h.emu.clearLog();
    const findings = await provider.scan();
    expect(findings).toEqual([
      { target: { id: expect.stringMatching(/\/vm01$/), name: 'vm01' }, scope: { subscription: SUB, 'resource-group': RG }, open: [{ port: 22, rules: [`${NIC_NSG}/SSH`, `${SUBNET_NSG}/Allow-SSH-Internet`] }], managed: false },
      { target: { id: expect.stringMatching(/\/vm03$/), name: 'vm03' }, scope: { subscription: SUB, 'resource-group': RG }, open: [22, 3389, 5985, 5986].map((port) => ({ port, rules: [] })), managed: false },
      { target: { id: expect.stringMatching(/\/vm04$/), name: 'vm04' }, scope: { subscription: SUB, 'resource-group': 'rg-other' }, open: [{ port: 22, rules: ['vm04-nsg/SSH', 'vnet-jit-default-nsg/Allow-SSH-Internet'] }], managed: false },
    ]);
    expect(h.emu.log.map((e) => e.path.split('/').at(-1)).sort()).toEqual(['networkInterfaces', 'networkSecurityGroups', 'routeTables', 'virtualMachines', 'virtualNetworks']);
  });

  it('after enable, a locked VM drops out; one still open on another port is flagged as managed; --resource-group narrows', async () => {
    seedWorld();
    const enabling = await resolved();
    await enabling.provider.enable(enabling.target, buildPolicy({ ports: [{ from: 3389, to: 3389, protocol: 'tcp' }] }), ENABLE);
    const managed = (await (await h.provider()).scan()).find((f) => f.target.name === 'vm01');
    expect(managed).toMatchObject({ managed: true, open: [{ port: 22 }] });
    await enabling.provider.enable(enabling.target, SSH, ENABLE);
    expect((await (await h.provider()).scan()).map((f) => f.target.name)).toEqual(['vm03', 'vm04']);
    expect((await (await h.provider({ 'resource-group': 'rg-other' })).scan()).map((f) => f.target.name)).toEqual(['vm04']);
  });
});
