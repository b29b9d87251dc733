/**
 * enable and disable on Azure (docs/azure.md, docs/safety.md) through the real SDKs against the ARM
 * emulator: where the deny rules go, --dry-run, "enable then disable leaves every NSG identical",
 * no rule of the user's ever written, no room → nothing changed, a failure half-way → rolled back.
 */
import { describe, expect, it } from 'vitest';
import { buildPolicy, encodePolicy } from '../../../src/core/policy.js';
import type { CloudProvider } from '../../../src/core/ports.js';
import type { SecurityRuleInput } from '../../emulators/arm/state.js';
import { ENABLE_DEFAULTS as ENABLE, SSH_POLICY as SSH } from '../../support/provider-fixtures.js';
import {
  RG,
  rule,
  rulesOf,
  ruleNames,
  SUB,
  seedVm01,
  useHarness,
  writes,
  writeTargets,
} from './support.js';

const h = useHarness();

const MIXED = buildPolicy({
  ports: [
    { from: 22, to: 22, protocol: 'tcp' },
    { from: 3389, to: 3389, protocol: 'tcp' },
    { from: 53, to: 53, protocol: 'udp' },
  ],
});

/** A NIC NSG as a team leaves it after a year: VPN and bastion access, web, monitoring, denies, outbound. */
const REALISTIC: SecurityRuleInput[] = [
  rule('Allow-LB-Probe', 150, { sourceAddressPrefix: 'AzureLoadBalancer', destinationPortRange: '*' }),
  rule('Allow-VPN-SSH', 200, { sourceAddressPrefix: undefined, sourceAddressPrefixes: ['10.8.0.0/16', '192.168.50.0/24'], destinationPortRange: '22', description: 'Office VPN' }),
  rule('Allow-Bastion', 210, { sourceAddressPrefix: 'VirtualNetwork', destinationPortRanges: ['22', '3389'] }),
  rule('Allow-HTTPS', 250, { destinationPortRange: '443' }),
  rule('Allow-HTTP', 260, { sourceAddressPrefix: 'Internet', destinationPortRange: '80' }),
  rule('Deny-Telnet', 270, { access: 'Deny', destinationPortRange: '23' }),
  rule('Allow-Monitoring', 280, { protocol: '*', sourceAddressPrefix: '10.1.2.0/24', destinationAddressPrefix: '10.0.0.0/24', destinationPortRange: '9100-9200' }),
  rule('SSH', 300, { destinationPortRange: '22', description: 'Created by the portal' }),
  rule('RDP', 320, { sourceAddressPrefix: 'Internet', destinationPortRange: '3389' }),
  rule('Allow-ICMP', 400, { protocol: 'Icmp', destinationPortRange: '*' }),
  rule('Deny-SMB', 500, { access: 'Deny', protocol: '*', destinationPortRange: '445' }),
  rule('Allow-DNS-Out', 300, { direction: 'Outbound', protocol: 'Udp', destinationPortRange: '53' }),
  rule('Deny-Rest', 4096, { access: 'Deny', protocol: '*', destinationPortRange: '*' }),
];

const NIC_NSG = 'vm01-nsg';
const vmIdOf = () => `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/vm01`;
const SUBNET_NSG = 'vnet-jit-default-nsg';

async function resolved(settings = {}): Promise<{ provider: CloudProvider; target: Awaited<ReturnType<CloudProvider['resolveTarget']>> }> {
  const provider = await h.provider(settings);
  return { provider, target: await provider.resolveTarget('vm01') };
}

const grantOf = (id: string, source: string, minutes = 60) => ({
  id,
  ports: [{ from: 22, to: 22, protocol: 'tcp' as const }],
  source,
  requester: 'alice@example.com',
  expiresAt: new Date(Date.now() + minutes * 60_000).toISOString(),
});

describe('enable', () => {
  it('puts a deny rule on every NSG on the path, behind narrow rules and ahead of broad ones, and sets the tag', async () => {
    seedVm01(h.emu, { rules: REALISTIC, tags: { owner: 'ops', env: 'prod' } });
    const { provider, target } = await resolved();
    const report = await provider.enable(target, SSH, ENABLE);
    expect(report.applied).toBe(true);
    const nicDeny = rulesOf(h.emu, NIC_NSG).find((r) => r.name.startsWith('jit-deny-vm01-'));
    expect(nicDeny).toMatchObject({
      priority: 299, // after Allow-Bastion (210, narrow), before SSH (300, broad)
      access: 'Deny',
      protocol: 'Tcp',
      sourceAddressPrefix: '*',
      destinationAddressPrefix: '10.0.0.4',
      destinationPortRange: '22',
      description: 'jit:v1 deny vm=vm01',
    });
    // Ahead of Allow-SSH-Internet (1000).
    expect(rulesOf(h.emu, SUBNET_NSG).find((r) => r.name === nicDeny?.name)?.priority).toBe(999);
    // The tags API merges the one tag: the VM's own tags are never sent, the VM itself never written.
    expect(h.emu.state.getVm(SUB, RG, 'vm01')?.tags).toEqual({ owner: 'ops', env: 'prod', 'jit-access': encodePolicy(SSH) });
    const patches = h.emu.requests({ method: 'PATCH' });
    expect(patches.map((e) => e.path)).toEqual([`${vmIdOf()}/providers/Microsoft.Resources/tags/default`]);
    expect(patches[0]?.body).toEqual({ operation: 'Merge', properties: { tags: { 'jit-access': encodePolicy(SSH) } } });
    expect(report.changes.map((c) => `${c.op} ${c.on}`)).toEqual([`add-rule ${SUBNET_NSG}`, `add-rule ${NIC_NSG}`, 'set-tag vm01']);
    expect(report.notes).toEqual(
      expect.arrayContaining([
        'narrow rule vm01-nsg/Allow-VPN-SSH (priority 200) keeps working ahead of the lock-down',
        'broad rule vm01-nsg/SSH (priority 300) now sits behind jit\'s deny rule and no longer lets the internet in',
      ]),
    );
  });

  it('--dry-run returns the exact changes and writes nothing', async () => {
    seedVm01(h.emu, { rules: REALISTIC });
    const before = h.emu.state.snapshot();
    const { provider, target } = await resolved();
    h.emu.clearLog();
    const dry = await provider.enable(target, MIXED, { ...ENABLE, dryRun: true });
    expect(dry.applied).toBe(false);
    expect(h.emu.log.filter((e) => e.method !== 'GET')).toEqual([]);
    expect(h.emu.state.snapshot()).toEqual(before);
    const real = await (await resolved()).provider.enable(target, MIXED, ENABLE);
    expect(real.changes).toEqual(dry.changes);
    expect(dry.changes.map((c) => c.summary)).toEqual([
      expect.stringMatching(/^jit-deny-vm01-\w{8} prio 999 Deny Tcp 22,3389 from \* to 10\.0\.0\.4$/),
      expect.stringMatching(/^jit-deny-vm01-\w{8} prio 4096 Deny Udp 53 from \* to 10\.0\.0\.4$/),
      expect.stringMatching(/^jit-deny-vm01-\w{8} prio 299 Deny Tcp 22,3389 from \* to 10\.0\.0\.4$/),
      expect.stringMatching(/^jit-deny-vm01-\w{8} prio 4095 Deny Udp 53 from \* to 10\.0\.0\.4$/),
      `jit-access=${encodePolicy(MIXED)}`,
    ]);
  });

  it('covers every address of the VM behind an NSG, in one rule', async () => {
    const vm = seedVm01(h.emu);
    h.emu.state.putNic(SUB, RG, 'vm01-nic', {
      ipConfigurations: [
        { name: 'ipconfig1', privateIPAddress: '10.0.0.4', subnetId: vm.subnetId },
        { name: 'ipconfig2', privateIPAddress: '10.0.0.5', subnetId: vm.subnetId },
      ],
      networkSecurityGroupId: vm.nicNsgId,
    });
    const { provider, target } = await resolved();
    await provider.enable(target, SSH, ENABLE);
    for (const nsg of [NIC_NSG, SUBNET_NSG]) {
      expect(rulesOf(h.emu, nsg).find((r) => r.name.startsWith('jit-deny-'))?.destinationAddressPrefixes).toEqual(['10.0.0.4', '10.0.0.5']);
    }
  });

  it('run again with the same policy changes nothing; with a new one, replaces jit\'s rules only', async () => {
    seedVm01(h.emu, { rules: REALISTIC });
    const first = await resolved();
    await first.provider.enable(first.target, SSH, ENABLE);
    h.emu.clearLog();
    const again = await resolved();
    const report = await again.provider.enable(again.target, SSH, ENABLE);
    expect(report.changes).toEqual([]);
    expect(writes(h.emu)).toEqual([]);
    const next = await resolved();
    await next.provider.enable(next.target, MIXED, ENABLE);
    expect(ruleNames(h.emu, NIC_NSG).filter((n) => n.startsWith('jit-deny-'))).toHaveLength(2);
    expect(h.emu.state.getVm(SUB, RG, 'vm01')?.tags?.['jit-access']).toBe(encodePolicy(MIXED));
    expect(writeTargets(h.emu).every((w) => /(jit-deny-vm01-\w{8}|tags\/default)$/.test(w))).toBe(true);
  });

  it('with no priority between a broad rule and a narrow one behind it, fails naming both, and changes nothing', async () => {
    seedVm01(h.emu, {
      rules: [rule('SSH', 300, { destinationPortRange: '22' }), rule('Allow-VPN', 310, { sourceAddressPrefix: '10.8.0.0/16', destinationPortRange: '22' })],
    });
    const { provider, target } = await resolved();
    const error = await provider.enable(target, SSH, ENABLE).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'JIT_AZURE_NO_PRIORITY_SLOT', exitCode: 1, details: { reason: 'broad-ahead-of-narrow' } });
    expect((error as Error).message).toMatch(/vm01-nsg.*SSH \(Allow, priority 300\), Allow-VPN \(Allow, priority 310\).*Nothing was changed/);
    expect(writes(h.emu)).toEqual([]);
  });

  it('with the window between narrow and broad rules full, names the rules filling it', async () => {
    seedVm01(h.emu, {
      rules: [
        rule('Allow-VPN', 297, { sourceAddressPrefix: '10.8.0.0/16', destinationPortRange: '22' }),
        rule('Web', 298, { destinationPortRange: '443' }),
        rule('Deny-FTP', 299, { access: 'Deny', destinationPortRange: '21' }),
        rule('SSH', 300, { destinationPortRange: '22' }),
      ],
    });
    const { provider, target } = await resolved();
    const error = await provider.enable(target, SSH, ENABLE).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'JIT_AZURE_NO_PRIORITY_SLOT', details: { reason: 'no-free-priority' } });
    expect((error as Error).message).toContain('Allow-VPN (Allow, priority 297), Web (Allow, priority 298), Deny-FTP (Deny, priority 299), SSH (Allow, priority 300)');
    expect(writes(h.emu)).toEqual([]);
  });

  it('rolls back the first NSG when the second refuses the write', async () => {
    seedVm01(h.emu, { rules: REALISTIC, tags: { owner: 'ops' } });
    const before = { nic: rulesOf(h.emu, NIC_NSG), subnet: rulesOf(h.emu, SUBNET_NSG) };
    h.emu.faults.refuseWrites({ nsg: SUBNET_NSG });
    const { provider, target } = await resolved();
    const error = await provider.enable(target, SSH, ENABLE).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'JIT_AZURE_FORBIDDEN', exitCode: 4 });
    expect((error as Error).message).toContain('Microsoft.Network/networkSecurityGroups/securityRules/write');
    expect(rulesOf(h.emu, NIC_NSG)).toEqual(before.nic);
    expect(rulesOf(h.emu, SUBNET_NSG)).toEqual(before.subnet);
    expect(h.emu.state.getVm(SUB, RG, 'vm01')?.tags).toEqual({ owner: 'ops' });
    const nicWrites = writeTargets(h.emu).filter((w) => w.includes(NIC_NSG));
    expect(nicWrites).toEqual([expect.stringMatching(/^PUT vm01-nsg\/jit-deny-vm01-/), expect.stringMatching(/^DELETE vm01-nsg\/jit-deny-vm01-/)]);
    expect(h.warnings.at(-1)).toMatch(/Rolled back/);
  });

  it('rolls the rules back when the policy tag cannot be written', async () => {
    seedVm01(h.emu);
    const before = { nic: rulesOf(h.emu, NIC_NSG), subnet: rulesOf(h.emu, SUBNET_NSG) };
    h.emu.faults.add({ method: 'PATCH', status: 403, message: "The client 'alice@example.com' with object id 'x' does not have authorization to perform action 'Microsoft.Resources/tags/write' over scope 'vm01' or the scope is invalid." });
    const { provider, target } = await resolved();
    const error = await provider.enable(target, SSH, ENABLE).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'JIT_AZURE_FORBIDDEN', exitCode: 4 });
    expect((error as Error).message).toContain('Microsoft.Resources/tags/write');
    expect(rulesOf(h.emu, NIC_NSG)).toEqual(before.nic);
    expect(rulesOf(h.emu, SUBNET_NSG)).toEqual(before.subnet);
  });
});

describe('disable', () => {
  it('after enable (and a grant made and revoked), leaves every NSG and the tags exactly as before; no user rule is ever written', async () => {
    seedVm01(h.emu, { rules: REALISTIC, tags: { owner: 'ops', env: 'prod' } });
    const before = { nic: rulesOf(h.emu, NIC_NSG), subnet: rulesOf(h.emu, SUBNET_NSG), tags: h.emu.state.getVm(SUB, RG, 'vm01')?.tags };
    expect(before.nic.length).toBeGreaterThanOrEqual(10);

    const enabling = await resolved();
    await enabling.provider.enable(enabling.target, MIXED, ENABLE);
    expect(ruleNames(h.emu, NIC_NSG)).toHaveLength(before.nic.length + 2);
    const granting = await resolved();
    await granting.provider.openGrant(granting.target, grantOf('k3v9x2ab', '81.2.69.5/32'), { dryRun: false });

    // What `jit disable` does: close the grants the cloud shows, then remove the lock-down.
    const disabling = await resolved();
    for (const grant of await disabling.provider.listGrants(disabling.target)) {
      await disabling.provider.closeGrant(grant, { dryRun: false });
    }
    const report = await disabling.provider.disable(disabling.target, { dryRun: false });
    expect(report.changes.map((c) => c.op)).toEqual(['remove-rule', 'remove-rule', 'remove-rule', 'remove-rule', 'remove-tag']);

    expect(rulesOf(h.emu, NIC_NSG)).toEqual(before.nic);
    expect(rulesOf(h.emu, SUBNET_NSG)).toEqual(before.subnet);
    expect(h.emu.state.getVm(SUB, RG, 'vm01')?.tags).toEqual(before.tags);
    const userRules = new Set([...before.nic, ...before.subnet].map((r) => r.name.toLowerCase()));
    for (const entry of writes(h.emu)) {
      const name = entry.path.split('/').at(-1)!.toLowerCase();
      expect(userRules.has(name)).toBe(false);
      expect(entry.path.endsWith('/vm01/providers/Microsoft.Resources/tags/default') || name.startsWith('jit-')).toBe(true);
    }
  });

  it('--dry-run lists the removals and writes nothing', async () => {
    seedVm01(h.emu);
    const enabling = await resolved();
    await enabling.provider.enable(enabling.target, SSH, ENABLE);
    h.emu.clearLog();
    const { provider, target } = await resolved();
    const report = await provider.disable(target, { dryRun: true });
    expect(report).toMatchObject({ applied: false });
    expect(report.changes.map((c) => `${c.op} ${c.on}`)).toEqual([`remove-rule ${SUBNET_NSG}`, `remove-rule ${NIC_NSG}`, 'remove-tag vm01']);
    expect(writes(h.emu)).toEqual([]);
  });

  it('on a VM jit never enabled, changes nothing', async () => {
    seedVm01(h.emu, { tags: { owner: 'ops' } });
    const { provider, target } = await resolved();
    expect(await provider.disable(target, { dryRun: false })).toEqual({ changes: [], applied: true, notes: [] });
    expect(writes(h.emu)).toEqual([]);
  });
});
