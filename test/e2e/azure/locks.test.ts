/**
 * Management locks, jit run in this process (test/support/in-process-jit.ts) against the ARM emulator:
 * under a CanNotDelete lock on the resource group `request` and `enable` exit 1 naming the lock and
 * leave every NSG as it was; without the lock the same request succeeds; an identity that may not
 * read locks gets exit 4 naming the permission.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ArmEmulator, type SeededVm, seedLinuxVm, startArmEmulator } from '../../emulators/arm/server.js';
import { type Cli, cliFor, writesIn } from './support.js';

const AZ = ['--cloud', 'azure'];
const NSGS = ['vm01-nsg', 'vnet-jit-default-nsg'];

let emu: ArmEmulator;
let cli: Cli;
let vm01: SeededVm;
let rgId = '';

const rules = (nsg: string) => emu.state.ruleSummary(vm01.subscriptionId, vm01.resourceGroup, nsg);
const allowRules = () => NSGS.flatMap((nsg) => rules(nsg).filter((r) => r.name.startsWith('jit-allow-')));

beforeAll(async () => {
  emu = await startArmEmulator();
  cli = cliFor(emu, {}, { inProcess: true });
});

beforeEach(() => {
  emu.state.reset();
  emu.faults.clear();
  vm01 = seedLinuxVm(emu, { vmName: 'vm01', privateIp: '10.0.0.4', tags: { 'jit-access': 'v1;p=22/tcp;d=3h' } });
  rgId = `/subscriptions/${vm01.subscriptionId}/resourceGroups/${vm01.resourceGroup}`;
  emu.clearLog();
});

afterAll(async () => {
  cli?.cleanup();
  await emu?.close();
});

describe('management locks, end to end', () => {
  it('request: refused under a CanNotDelete lock on the resource group (exit 1, no allow rule); granted without it', async () => {
    emu.state.addLock(rgId, 'keep-network', 'CanNotDelete');
    const refused = await cli.jit(['request', 'vm01', ...AZ, '-p', '22', '-d', '15m', '--source', '81.2.69.78']);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.json.error).toMatchObject({ code: 'JIT_AZURE_SCOPE_LOCKED' });
    expect(refused.json.error?.message).toContain('keep-network (CanNotDelete) on resource group rg-jit');
    expect(writesIn(emu.log)).toEqual([]);
    expect(allowRules()).toEqual([]);

    emu.state.removeLock(rgId, 'keep-network');
    const granted = await cli.jit(['request', 'vm01', ...AZ, '-p', '22', '-d', '15m', '--source', '81.2.69.78']);
    expect(granted.code, granted.stderr).toBe(0);
    expect(allowRules()).toHaveLength(2);
  }, 60_000);

  it('enable: refused the same way, the deny rules never written and the policy tag unchanged', async () => {
    emu.state.addLock(rgId, 'keep-network', 'CanNotDelete');
    const before = NSGS.map(rules);
    // More ports is a weakening, confirmed with --yes: the lock is what refuses it.
    const result = await cli.jit(['enable', 'vm01', ...AZ, '-p', '22,3389', '--yes']);
    expect(result.code, result.stderr).toBe(1);
    expect(result.json.error).toMatchObject({ code: 'JIT_AZURE_SCOPE_LOCKED' });
    expect(NSGS.map(rules)).toEqual(before);
    expect(emu.state.getVm(vm01.subscriptionId, vm01.resourceGroup, 'vm01')?.tags).toEqual({ 'jit-access': 'v1;p=22/tcp;d=3h' });
  });

  it('an identity that may not read locks: exit 4 naming Microsoft.Authorization/locks/read, nothing written', async () => {
    emu.faults.add({ method: 'GET', pathIncludes: '/providers/Microsoft.Authorization/locks', status: 403 });
    const result = await cli.jit(['request', 'vm01', ...AZ, '-p', '22', '-d', '15m', '--source', '81.2.69.78']);
    expect(result.code, result.stderr).toBe(4);
    expect(result.json.error).toMatchObject({ code: 'JIT_AZURE_FORBIDDEN' });
    expect(result.json.error?.message).toContain('Microsoft.Authorization/locks/read');
    expect(writesIn(emu.log)).toEqual([]);
  });
});
