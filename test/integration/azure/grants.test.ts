/**
 * Grants on Azure (request and revoke: docs/cli.md, docs/azure.md, docs/expiry.md) through the real
 * SDKs against the ARM emulator: allow rules on every NSG ahead of the deny, extend in place, close
 * exactly, read back from the cloud alone by a fresh provider, and concurrent writers met by
 * re-reading and re-planning.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { buildPolicy } from '../../../src/core/policy.js';
import type { CloudProvider, GrantSpec, TargetInfo } from '../../../src/core/ports.js';
import { seedLinuxVm } from '../../emulators/arm/server.js';
import { ENABLE_DEFAULTS as ENABLE, SSH_POLICY as SSH } from '../../support/provider-fixtures.js';
import { RG, rulesOf, ruleNames, SUB, seedVm01, useHarness, writes, writeTargets } from './support.js';

const h = useHarness();

const NIC_NSG = 'vm01-nsg';
const SUBNET_NSG = 'vnet-jit-default-nsg';

async function resolved(name = 'vm01'): Promise<{ provider: CloudProvider; target: TargetInfo }> {
  const provider = await h.provider();
  return { provider, target: await provider.resolveTarget(name) };
}

function grant(id: string, source: string, fields: Partial<GrantSpec> = {}): GrantSpec {
  return {
    id,
    ports: [{ from: 22, to: 22, protocol: 'tcp' }],
    source,
    requester: 'alice@example.com',
    expiresAt: '2030-01-01T12:00:00.000Z',
    ...fields,
  };
}

const denyPriority = (nsg: string) => rulesOf(h.emu, nsg).find((r) => r.name.startsWith('jit-deny-'))?.priority ?? 0;
const allowRule = (nsg: string, id: string) => rulesOf(h.emu, nsg).find((r) => r.name.endsWith(id));

beforeEach(async () => {
  seedVm01(h.emu);
  const { provider, target } = await resolved();
  await provider.enable(target, SSH, ENABLE);
  h.emu.clearLog();
});

describe('openGrant', () => {
  it('writes an allow rule for the source on every NSG, ahead of the deny, with the metadata in its description', async () => {
    const { provider, target } = await resolved();
    const opened = await provider.openGrant(target, grant('k3v9x2ab', '81.2.69.5/32'), { dryRun: false });
    for (const nsg of [NIC_NSG, SUBNET_NSG]) {
      const rule = allowRule(nsg, 'k3v9x2ab');
      expect(rule).toMatchObject({
        name: 'jit-allow-vm01-k3v9x2ab',
        access: 'Allow',
        protocol: 'Tcp',
        sourceAddressPrefix: '81.2.69.5/32',
        destinationAddressPrefix: '10.0.0.4',
        destinationPortRange: '22',
        description: 'jit:v1 g=k3v9x2ab exp=20300101T120000Z by=alice@example.com',
      });
      expect(rule!.priority).toBe(denyPriority(nsg) - 1);
    }
    expect(opened.rules).toEqual([
      { nsg: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/networkSecurityGroups/${SUBNET_NSG}`, name: 'jit-allow-vm01-k3v9x2ab' },
      { nsg: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/networkSecurityGroups/${NIC_NSG}`, name: 'jit-allow-vm01-k3v9x2ab' },
    ]);
  });

  it('--dry-run plans the same rules and writes nothing', async () => {
    const { provider, target } = await resolved();
    h.emu.clearLog();
    const dry = await provider.openGrant(target, grant('k3v9x2ab', '81.2.69.5/32'), { dryRun: true });
    expect(writes(h.emu)).toEqual([]);
    expect(dry.changes.map((c) => c.summary)).toEqual([
      'jit-allow-vm01-k3v9x2ab prio 998 Allow Tcp 22 from 81.2.69.5/32 to 10.0.0.4',
      'jit-allow-vm01-k3v9x2ab prio 298 Allow Tcp 22 from 81.2.69.5/32 to 10.0.0.4',
    ]);
  });

  it('extends a grant in place: same rules, same priorities, new expiry in the description', async () => {
    const first = await resolved();
    await first.provider.openGrant(first.target, grant('k3v9x2ab', '81.2.69.5/32'), { dryRun: false });
    const before = rulesOf(h.emu, NIC_NSG);
    h.emu.clearLog();
    const again = await resolved();
    const report = await again.provider.openGrant(again.target, grant('k3v9x2ab', '81.2.69.5/32', { expiresAt: '2030-01-01T15:00:00.000Z' }), { dryRun: false });
    expect(report.changes.map((c) => c.op)).toEqual(['update-rule', 'update-rule']);
    expect(writeTargets(h.emu)).toEqual([`PUT ${SUBNET_NSG}/jit-allow-vm01-k3v9x2ab`, `PUT ${NIC_NSG}/jit-allow-vm01-k3v9x2ab`]);
    const after = rulesOf(h.emu, NIC_NSG);
    expect(after.map((r) => [r.name, r.priority])).toEqual(before.map((r) => [r.name, r.priority]));
    expect(allowRule(NIC_NSG, 'k3v9x2ab')?.description).toBe('jit:v1 g=k3v9x2ab exp=20300101T150000Z by=alice@example.com');
  });

  it('gives each protocol of a grant its own rule, and lists them as one grant', async () => {
    const mixed = buildPolicy({ ports: [{ from: 22, to: 22, protocol: 'tcp' }, { from: 60001, to: 60010, protocol: 'udp' }] });
    const enabling = await resolved();
    await enabling.provider.enable(enabling.target, mixed, ENABLE);
    const { provider, target } = await resolved();
    await provider.openGrant(target, grant('m0shpa1r', '81.2.69.5/32', { ports: mixed.ports }), { dryRun: false });
    expect(ruleNames(h.emu, NIC_NSG).filter((n) => n.startsWith('jit-allow-'))).toEqual(['jit-allow-vm01-m0shpa1r-tcp', 'jit-allow-vm01-m0shpa1r-udp']);
    const [listed] = await (await h.provider()).listGrants();
    expect(listed?.ports).toEqual(mixed.ports);
    expect(listed?.rules).toHaveLength(4);
  });

  it('keeps rule names within 80 characters for a 64-character VM name (ARM checks the pattern)', async () => {
    const name = `vm-${'x'.repeat(61)}`;
    seedLinuxVm(h.emu, { vmName: name, privateIp: '10.0.0.9', nicNsg: 'long-nsg' });
    const { provider, target } = await resolved(name);
    await provider.enable(target, SSH, ENABLE);
    await provider.openGrant(target, grant('k3v9x2ab', '81.2.69.5/32'), { dryRun: false });
    const names = ruleNames(h.emu, 'long-nsg').filter((n) => n.startsWith('jit-'));
    expect(names).toHaveLength(2);
    for (const ruleName of names) expect(ruleName.length).toBeLessThanOrEqual(80);
    expect((await provider.listGrants(target)).map((g) => g.grantId)).toEqual(['k3v9x2ab']);
  });

  it('rolls back the first NSG when the second refuses, leaving no half-open grant', async () => {
    h.emu.faults.refuseWrites({ nsg: NIC_NSG });
    const { provider, target } = await resolved();
    await expect(provider.openGrant(target, grant('k3v9x2ab', '81.2.69.5/32'), { dryRun: false })).rejects.toMatchObject({ code: 'JIT_AZURE_FORBIDDEN' });
    expect(ruleNames(h.emu, SUBNET_NSG).some((n) => n.startsWith('jit-allow-'))).toBe(false);
    expect(writeTargets(h.emu).filter((w) => w.includes(SUBNET_NSG))).toEqual([`PUT ${SUBNET_NSG}/jit-allow-vm01-k3v9x2ab`, `DELETE ${SUBNET_NSG}/jit-allow-vm01-k3v9x2ab`]);
  });

  it('refuses a source of a family the VM has no address of', async () => {
    const { provider, target } = await resolved();
    await expect(provider.openGrant(target, grant('k3v9x2ab', '2a00:1450:4001::5/128'), { dryRun: false })).rejects.toMatchObject({
      code: 'JIT_AZURE_NO_ADDRESS_FAMILY',
    });
    expect(writes(h.emu)).toEqual([]);
  });
});

describe('concurrent writers', () => {
  it('a priority taken meanwhile (SecurityRuleConflict): re-reads that NSG, re-plans, and lands on a free one', async () => {
    const { provider, target } = await resolved();
    h.emu.clearLog();
    // Another jit (or a person) takes the planned slot after this provider read the NSG.
    const taken = denyPriority(NIC_NSG) - 1;
    h.emu.state.putRule(SUB, RG, NIC_NSG, { name: 'someone-else', priority: taken, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', sourceAddressPrefix: '81.2.69.99/32', sourcePortRange: '*', destinationAddressPrefix: '10.0.0.4', destinationPortRange: '22' });
    await provider.openGrant(target, grant('k3v9x2ab', '81.2.69.5/32'), { dryRun: false });
    expect(h.emu.log.filter((e) => e.errorCode === 'SecurityRuleConflict')).toHaveLength(1);
    const nsgReads = h.emu.requests({ method: 'GET', pathIncludes: `/networkSecurityGroups/${NIC_NSG}` });
    expect(nsgReads.filter((e) => !e.path.includes('/securityRules/') && !e.path.includes('/locks'))).toHaveLength(1);
    const rule = allowRule(NIC_NSG, 'k3v9x2ab');
    expect(rule?.priority).toBeLessThan(taken);
    expect(rulesOf(h.emu, NIC_NSG).find((r) => r.name === 'someone-else')?.priority).toBe(taken);
  });

  it.each([
    ['SecurityRuleConflict', { status: 400, code: 'SecurityRuleConflict' }],
    ['429 RetryableError without a retry header (not retried by the SDK)', { status: 429, code: 'RetryableError' }],
    ['409 AnotherOperationInProgress', { status: 409, code: 'AnotherOperationInProgress' }],
  ])('%s twice, then success', async (_label, fault) => {
    const injected = h.emu.faults.add({ method: 'PUT', pathIncludes: `/${NIC_NSG}/securityRules/`, times: 2, ...fault });
    const { provider, target } = await resolved();
    await provider.openGrant(target, grant('k3v9x2ab', '81.2.69.5/32'), { dryRun: false });
    expect(injected.hits).toBe(2);
    expect(allowRule(NIC_NSG, 'k3v9x2ab')).toBeDefined();
    expect(allowRule(SUBNET_NSG, 'k3v9x2ab')).toBeDefined();
  });

  it('gives up after 8 attempts with a clear error, and rolls back the other NSG', async () => {
    const injected = h.emu.faults.add({ method: 'PUT', pathIncludes: `/${NIC_NSG}/securityRules/`, status: 400, code: 'SecurityRuleConflict', message: 'Security rule x conflicts with rule y.' });
    const { provider, target } = await resolved();
    const error = await provider.openGrant(target, grant('k3v9x2ab', '81.2.69.5/32'), { dryRun: false }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'JIT_AZURE_CONFLICT', exitCode: 1, hint: expect.stringMatching(/rolled back/) });
    expect(injected.hits).toBe(8);
    expect(ruleNames(h.emu, SUBNET_NSG).some((n) => n.startsWith('jit-allow-'))).toBe(false);
  });
});

describe('closeGrant', () => {
  it('deletes exactly the grant\'s rules; rules already gone are not an error', async () => {
    const opening = await resolved();
    await opening.provider.openGrant(opening.target, grant('k3v9x2ab', '81.2.69.5/32'), { dryRun: false });
    await opening.provider.openGrant(opening.target, grant('p4zq7w2c', '81.2.69.6/32'), { dryRun: false });
    const { provider, target } = await resolved();
    const [first] = (await provider.listGrants(target)).filter((g) => g.grantId === 'k3v9x2ab');
    h.emu.clearLog();
    const dry = await provider.closeGrant(first!, { dryRun: true });
    expect(writes(h.emu)).toEqual([]);
    expect(dry.changes.map((c) => `${c.op} ${c.on}`)).toEqual([`remove-rule ${SUBNET_NSG}`, `remove-rule ${NIC_NSG}`]);
    await provider.closeGrant(first!, { dryRun: false });
    expect(writeTargets(h.emu)).toEqual([`DELETE ${SUBNET_NSG}/jit-allow-vm01-k3v9x2ab`, `DELETE ${NIC_NSG}/jit-allow-vm01-k3v9x2ab`]);
    expect(ruleNames(h.emu, NIC_NSG).filter((n) => n.startsWith('jit-allow-'))).toEqual(['jit-allow-vm01-p4zq7w2c']);
    await expect(provider.closeGrant(first!, { dryRun: false })).resolves.toMatchObject({ applied: true });
  });

  it('never deletes a rule that is not a jit grant\'s, whatever the reference says', async () => {
    const { provider } = await resolved();
    const nsg = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/networkSecurityGroups/${NIC_NSG}`;
    const forged = { grantId: 'k3v9x2ab', target: { id: '', name: 'vm01' }, scope: {}, source: '*', ports: [], expiresAt: '', requester: '', rules: [{ nsg, name: 'SSH' }, { nsg: 'x', name: 'jit-allow-a' }, 'junk'] };
    await provider.closeGrant(forged, { dryRun: false });
    expect(writes(h.emu)).toEqual([]);
  });
});

describe('listGrants', () => {
  it('reads grants back from the cloud alone: a fresh provider, per VM and in the whole subscription', async () => {
    seedLinuxVm(h.emu, { vmName: 'vm02', privateIp: '10.0.0.5' });
    const vm02 = await resolved('vm02');
    await vm02.provider.enable(vm02.target, SSH, ENABLE);
    const one = await resolved();
    await one.provider.openGrant(one.target, grant('k3v9x2ab', '81.2.69.5/32'), { dryRun: false });
    await vm02.provider.openGrant(vm02.target, grant('p4zq7w2c', '81.2.69.6/32', { requester: 'bob@example.com', expiresAt: '2030-01-01T13:00:00.000Z' }), { dryRun: false });

    const fresh = await resolved();
    const mine = await fresh.provider.listGrants(fresh.target);
    expect(mine).toEqual([
      {
        grantId: 'k3v9x2ab',
        target: { id: fresh.target.id, name: 'vm01' },
        scope: { subscription: SUB, 'resource-group': RG, 'azure-cloud': 'AzurePublicCloud' },
        source: '81.2.69.5/32',
        ports: [{ from: 22, to: 22, protocol: 'tcp' }],
        expiresAt: '2030-01-01T12:00:00.000Z',
        requester: 'alice@example.com',
        rules: [
          { nsg: expect.stringMatching(new RegExp(`/${SUBNET_NSG}$`)), name: 'jit-allow-vm01-k3v9x2ab' },
          { nsg: expect.stringMatching(new RegExp(`/${NIC_NSG}$`)), name: 'jit-allow-vm01-k3v9x2ab' },
        ],
      },
    ]);
    h.emu.clearLog();
    const all = await (await h.provider()).listGrants();
    expect(all.map((g) => [g.grantId, g.target.id, g.requester, g.rules.length])).toEqual([
      ['k3v9x2ab', fresh.target.id, 'alice@example.com', 2],
      ['p4zq7w2c', vm02.target.id, 'bob@example.com', 2],
    ]);
    expect(h.emu.log.map((e) => e.path.split('/').at(-1)).sort()).toEqual(['azureFirewalls', 'networkInterfaces', 'networkSecurityGroups']);
  });

  it('keeps a grant whose VM is gone, so sweep can still remove it', async () => {
    const { provider, target } = await resolved();
    await provider.openGrant(target, grant('k3v9x2ab', '81.2.69.5/32'), { dryRun: false });
    h.emu.state.delete(target.id);
    h.emu.state.delete(`/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/networkInterfaces/vm01-nic`);
    const [orphan] = await (await h.provider()).listGrants();
    expect(orphan).toMatchObject({ grantId: 'k3v9x2ab', target: { id: '', name: 'vm01' } });
    await (await h.provider()).closeGrant(orphan!, { dryRun: false });
    expect(ruleNames(h.emu, NIC_NSG).some((n) => n.startsWith('jit-allow-'))).toBe(false);
  });
});
