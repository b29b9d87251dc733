/**
 * Every Azure command, run in this process with the real SDKs (test/support/in-process-jit.ts),
 * against the ARM emulator, with --json, asserting exit codes and the emulator's NSG state after
 * each step. The steps run in order and build on each other, as an operator's session would. A
 * request starts the built scheduler (run `npm run build` first). The built bin/jit.js runs the
 * same commands in the expiry, firewall, concurrency and fault suites.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArmEmulator, type SeededVm, seedLinuxVm, startArmEmulator } from '../../emulators/arm/server.js';
import { LocalHttp } from '../../support/local-http.js';
import { type Cli, cliFor, writesIn } from './support.js';

const NIC_NSG = 'vm01-nsg';
const SUBNET_NSG = 'vnet-jit-default-nsg';
const AZ = ['--cloud', 'azure'];

let emu: ArmEmulator;
let cli: Cli;
let vm01: SeededVm;
const local = new LocalHttp();
let ipUrls = '';
let initial: { nic: unknown; subnet: unknown };

const rules = (nsg: string) => emu.state.ruleSummary(vm01.subscriptionId, vm01.resourceGroup, nsg);
const jitRules = (nsg: string, prefix: string) => rules(nsg).filter((r) => r.name.startsWith(prefix));
const tags = () => emu.state.getVm(vm01.subscriptionId, vm01.resourceGroup, 'vm01')?.tags;

beforeAll(async () => {
  emu = await startArmEmulator();
  vm01 = seedLinuxVm(emu, { vmName: 'vm01', privateIp: '10.0.0.4', publicIp: '20.50.60.70', tags: { owner: 'ops' } });
  seedLinuxVm(emu, { vmName: 'vm02', privateIp: '10.0.0.5' });
  seedLinuxVm(emu, { vmName: 'vm03', privateIp: '10.0.0.6' });
  initial = { nic: rules(NIC_NSG), subnet: rules(SUBNET_NSG) };
  // Two IP services that agree on the caller's address (docs/ip-detection.md); http is accepted on loopback.
  ipUrls = [await local.echo('81.2.69.77\n'), await local.echo('81.2.69.77\n')].join(',');
  cli = cliFor(emu, {}, { inProcess: true });
});

afterAll(async () => {
  cli?.cleanup();
  await local.closeAll();
  await emu?.close();
});

describe('jit on Azure, end to end', () => {
  let grantId = '';

  it('enable: two VMs at once behind one subnet NSG, each locked down on every NSG of its path', async () => {
    const [one, two] = await Promise.all([
      cli.jit(['enable', 'vm01', ...AZ, '-p', '22']),
      cli.jit(['enable', 'vm02', ...AZ, '-p', '22', '--max-duration', '1h', '--allow-source', '81.2.69.0/24', '--require-justification']),
    ]);
    expect(one.code, one.stderr).toBe(0);
    expect(two.code, two.stderr).toBe(0);
    expect(one.json).toMatchObject({ policy: { tag: 'v1;p=22/tcp;d=3h' }, applied: true });
    expect(jitRules(NIC_NSG, 'jit-deny-vm01-')).toMatchObject([{ priority: 299, access: 'Deny', destinationAddressPrefix: '10.0.0.4' }]);
    const subnetDenies = jitRules(SUBNET_NSG, 'jit-deny-');
    expect(subnetDenies.map((r) => r.destinationAddressPrefix).sort()).toEqual(['10.0.0.4', '10.0.0.5']);
    expect(new Set(subnetDenies.map((r) => r.priority)).size).toBe(2);
    expect(tags()).toEqual({ owner: 'ops', 'jit-access': 'v1;p=22/tcp;d=3h' });
  });

  it('status by resource ID: the lock-down is in place and effective', async () => {
    const status = await cli.jit(['status', vm01.vmId]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.json).toMatchObject({
      target: { id: vm01.vmId, name: 'vm01', publicAddresses: ['20.50.60.70'] },
      policy: { tag: 'v1;p=22/tcp;d=3h' },
      lockedDown: true,
      exposure: [{ port: { from: 22, to: 22, protocol: 'tcp' }, verdict: 'locked', rules: [] }],
      grants: [],
    });
  });

  it('request: opens 22 for the detected address on both NSGs; repeating it extends the same grant', async () => {
    const first = await cli.jit(['request', 'vm01', ...AZ, '-d', '30m'], { JIT_IP_URLS: ipUrls });
    expect(first.code, first.stderr).toBe(0);
    const grant = first.json.grant as { grantId: string; source: string; requester: string; expiresAt: string };
    expect(grant).toMatchObject({ source: '81.2.69.77/32', requester: 'alice@example.com' });
    grantId = grant.grantId;
    for (const nsg of [NIC_NSG, SUBNET_NSG]) {
      expect(jitRules(nsg, 'jit-allow-')).toMatchObject([{ name: `jit-allow-vm01-${grantId}`, sourceAddressPrefix: '81.2.69.77/32', destinationAddressPrefix: '10.0.0.4' }]);
    }
    const again = await cli.jit(['request', 'vm01', ...AZ, '-d', '90m', '--source', '81.2.69.77']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json).toMatchObject({ extended: true, grant: { grantId } });
    const extendedTo = (again.json.grant as { expiresAt: string }).expiresAt;
    expect(Date.parse(extendedTo)).toBeGreaterThan(Date.parse(grant.expiresAt));
    for (const nsg of [NIC_NSG, SUBNET_NSG]) {
      const [rule] = jitRules(nsg, 'jit-allow-');
      expect(jitRules(nsg, 'jit-allow-')).toHaveLength(1);
      expect(rule?.description).toMatch(new RegExp(`^jit:v1 g=${grantId} exp=\\d{8}T\\d{6}Z by=alice@example.com$`));
    }
    const status = await cli.jit(['status', 'vm01', ...AZ]);
    expect(status.json).toMatchObject({ lockedDown: true, exposure: [{ verdict: 'locked' }], grants: [{ grantId, source: '81.2.69.77/32' }] });
  });

  it('revoke <grant-id>: removes exactly that grant\'s rules', async () => {
    const revoked = await cli.jit(['revoke', grantId, ...AZ]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.json).toMatchObject({ revoked: [{ grantId }], applied: true });
    expect(jitRules(NIC_NSG, 'jit-allow-')).toEqual([]);
    expect(jitRules(SUBNET_NSG, 'jit-allow-')).toEqual([]);
    expect(jitRules(NIC_NSG, 'jit-deny-')).toHaveLength(1);
  });

  it('every refused request exits 3 and writes nothing', async () => {
    emu.clearLog();
    const why = (code: string) => ({ code: 3, json: { error: { code } } });
    const results = await Promise.all([
      cli.jit(['request', 'vm02', ...AZ, '-p', '3389', '--source', '81.2.69.9', '--justification', 'incident 42']),
      cli.jit(['request', 'vm02', ...AZ, '-d', '2h', '--source', '81.2.69.9', '--justification', 'incident 42']),
      cli.jit(['request', 'vm02', ...AZ, '--source', '20.30.40.50', '--justification', 'incident 42']),
      cli.jit(['request', 'vm02', ...AZ, '--source', '81.2.69.9']),
      cli.jit(['request', 'vm03', ...AZ, '--source', '81.2.69.9']),
    ]);
    expect(results).toMatchObject([
      why('JIT_POLICY_PORT_NOT_ALLOWED'),
      why('JIT_POLICY_DURATION_TOO_LONG'),
      why('JIT_POLICY_SOURCE_NOT_ALLOWED'),
      why('JIT_POLICY_JUSTIFICATION_REQUIRED'),
      why('JIT_NOT_ENABLED'),
    ]);
    expect(emu.log.length).toBeGreaterThan(0);
    expect(writesIn(emu.log)).toEqual([]);
  });

  it('one request on a VM with one NIC and two NSGs: every read once, independent ones together', async () => {
    emu.clearLog();
    const result = await cli.jit(['request', 'vm01', ...AZ, '--source', '81.2.69.78']);
    expect(result.code, result.stderr).toBe(0);
    const kinds = new Map<string, number>();
    for (const entry of emu.log) {
      const kind = `${entry.method} ${entry.path.includes('/operations/') ? 'operation status' : entry.path.split('/').at(-2)}`;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    expect(Object.fromEntries(kinds)).toEqual({
      'GET Microsoft.Compute': 1, // virtualMachines: the subscription's VMs, to find vm01 by name
      'GET networkInterfaces': 1,
      'GET virtualNetworks': 1,
      'GET publicIPAddresses': 1,
      'GET networkSecurityGroups': 2,
      'GET Microsoft.Authorization': 2, // the management locks that apply to each NSG, before writing
      'PUT securityRules': 2,
      'GET operation status': 4, // core-lro polls each PUT's Azure-AsyncOperation (emulator: 1 InProgress + 1 Succeeded)
      'GET securityRules': 2, // core-lro's final GET of each rule written
    });
    const reads = emu.log.filter((e) => e.method === 'GET' && !e.path.includes('/operations/')).map((e) => e.path);
    expect(new Set(reads).size).toBe(reads.length);
  });

  it('sweep: removes every expired jit grant in scope, made from any machine, and keeps the others', async () => {
    const expired = (priority: number) => ({
      name: 'jit-allow-vm01-zzzz0000',
      priority,
      direction: 'Inbound' as const,
      access: 'Allow' as const,
      protocol: 'Tcp' as const,
      sourceAddressPrefix: '81.2.69.200/32',
      sourcePortRange: '*',
      destinationAddressPrefix: '10.0.0.4',
      destinationPortRange: '22',
      description: 'jit:v1 g=zzzz0000 exp=20240101T000000Z by=bob@example.com',
    });
    emu.state.putRule(vm01.subscriptionId, vm01.resourceGroup, NIC_NSG, expired(250));
    emu.state.putRule(vm01.subscriptionId, vm01.resourceGroup, SUBNET_NSG, expired(900));
    const other = cliFor(emu, {}, { inProcess: true }); // another machine: its own config directory and ledger
    try {
      const dry = await other.jit(['sweep', ...AZ, '--dry-run']);
      expect(dry.json).toMatchObject({ applied: false, removed: [{ grantId: 'zzzz0000', target: { name: 'vm01' } }] });
      expect(jitRules(NIC_NSG, 'jit-allow-vm01-zzzz0000')).toHaveLength(1);
      const swept = await other.jit(['sweep', ...AZ]);
      expect(swept.code, swept.stderr).toBe(0);
      expect(swept.json).toMatchObject({ applied: true, removed: [{ grantId: 'zzzz0000', requester: 'bob@example.com' }], failed: [] });
      expect((swept.json.kept as { source: string }[]).map((g) => g.source)).toEqual(['81.2.69.78/32']);
    } finally {
      other.cleanup();
    }
    for (const nsg of [NIC_NSG, SUBNET_NSG]) expect(jitRules(nsg, 'jit-allow-').map((r) => r.sourceAddressPrefix)).toEqual(['81.2.69.78/32']);
  });

  it('disable: revokes the grants, removes the lock-down and the tag, and leaves the NSGs as they were', async () => {
    const disabled = await cli.jit(['disable', 'vm01', ...AZ, '--yes']);
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(disabled.json).toMatchObject({ applied: true, revoked: [{ grantId: expect.any(String) }] });
    expect(rules(NIC_NSG)).toEqual(initial.nic);
    // vm02 is still enabled: its deny rule in the shared subnet NSG stays.
    expect(rules(SUBNET_NSG).filter((r) => !r.name.startsWith('jit-deny-vm02-'))).toEqual(initial.subnet);
    expect(tags()).toEqual({ owner: 'ops' });
  });

  it('scan: lists the VMs whose management ports the internet reaches, naming the rules', async () => {
    const scan = await cli.jit(['scan', ...AZ]);
    expect(scan.code, scan.stderr).toBe(0);
    type Finding = { target: { name: string }; open: { port: number; rules: string[] }[]; managed: boolean };
    const findings = scan.json.findings as Finding[];
    expect(findings.map((f) => f.target.name)).toEqual(['vm01', 'vm03']);
    expect(findings[0]).toMatchObject({ managed: false, open: [{ port: { from: 22, to: 22, protocol: 'tcp' }, rules: ['vm01-nsg/SSH', `${SUBNET_NSG}/Allow-SSH-Internet`] }] });
  });

  it('role: prints the requester and admin role definitions without calling Azure', async () => {
    emu.clearLog();
    const role = await cli.jit(['role', ...AZ]);
    expect(role.code, role.stderr).toBe(0);
    expect(role.json).toMatchObject({
      requester: { IsCustom: true, Actions: expect.arrayContaining(['Microsoft.Network/networkSecurityGroups/securityRules/write']) },
      admin: { Actions: expect.arrayContaining(['Microsoft.Resources/tags/write']) },
    });
    expect((role.json.requester as { Actions: string[] }).Actions).not.toContain('Microsoft.Resources/tags/write');
    expect((role.json.admin as { Actions: string[] }).Actions).not.toContain('Microsoft.Compute/virtualMachines/write');
    expect((role.json.requester as { Actions: string[] }).Actions).toContain('Microsoft.Authorization/locks/read');
    expect(emu.log).toEqual([]);
  });
});
