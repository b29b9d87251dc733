/**
 * 20 `jit request` runs at once, for 20 sources, on one VM with a NIC NSG and a subnet NSG: they all
 * plan the same free priority first, ARM refuses all but one (SecurityRuleConflict), and each loser
 * re-reads that NSG and re-plans (docs/azure.md, "Conflicts and cancelled operations"). All must
 * succeed, each with its own rule on each NSG, and no two rules may share a priority.
 *
 * The 20 run in this process (main() with the real SDKs, one config directory and ledger): the
 * clash is ARM's, and it is the same whether the writers share a process or not. 20 processes cost
 * ~15 CPU-s per suite run (docs/testing.md, "What a test costs"); the expiry suites start 10
 * `request` processes at once on each cloud, which is where concurrent processes on one ledger and
 * one scheduler are tested (test/e2e/support/expiry-suite.ts).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ArmEmulator, type SeededVm, seedLinuxVm, startArmEmulator } from '../../emulators/arm/server.js';
import { type Cli, cliFor } from './support.js';

const COUNT = 20;
let emu: ArmEmulator;
let vm: SeededVm;
let cli: Cli;

beforeAll(async () => {
  emu = await startArmEmulator();
  vm = seedLinuxVm(emu, { vmName: 'vm01', privateIp: '10.0.0.4' });
  // The subscription is given, so no `az account show`; --source skips IP detection.
  cli = cliFor(emu, { AZURE_SUBSCRIPTION_ID: vm.subscriptionId }, { inProcess: true });
  const enabled = await cli.jit(['enable', 'vm01', '--cloud', 'azure', '-p', '22']);
  expect(enabled.code, enabled.stderr).toBe(0);
});

afterAll(async () => {
  cli?.cleanup();
  await emu?.close();
});

it(`${COUNT} concurrent requests for ${COUNT} sources all succeed, each with its own rule, no priority clash left`, { timeout: 90_000 }, async () => {
  emu.clearLog();
  const sources = Array.from({ length: COUNT }, (_, i) => `81.2.70.${i + 1}`);
  const results = await Promise.all(sources.map((source) => cli.jit(['request', 'vm01', '--cloud', 'azure', '--source', source, '-d', '1h'])));
  for (const result of results) expect(result.code, result.stderr).toBe(0);
  const grantIds = results.map((result) => (result.json.grant as { grantId: string }).grantId);
  expect(new Set(grantIds).size).toBe(COUNT);

  for (const nsg of [vm.nicNsgName!, vm.subnetNsgName!]) {
    const rules = emu.state.ruleSummary(vm.subscriptionId, vm.resourceGroup, nsg);
    const allows = rules.filter((rule) => rule.name.startsWith('jit-allow-'));
    expect(allows.map((rule) => rule.sourceAddressPrefix).sort()).toEqual(sources.map((s) => `${s}/32`).sort());
    expect(allows.map((rule) => rule.name).sort()).toEqual(grantIds.map((id) => `jit-allow-vm01-${id}`).sort());
    const inbound = rules.filter((rule) => rule.direction === 'Inbound').map((rule) => rule.priority);
    expect(new Set(inbound).size).toBe(inbound.length);
    const deny = rules.find((rule) => rule.name.startsWith('jit-deny-'))!;
    for (const allow of allows) expect(Number(allow.priority)).toBeLessThan(Number(deny.priority));
  }
  // The runs did clash (ARM refused writes), and ARM settled every clash: refused writes were
  // retried, and nothing is left mid-operation.
  const refused = emu.log.filter((entry) => entry.method === 'PUT' && entry.status >= 400);
  expect(refused.length).toBeGreaterThan(0);
  expect(refused.every((entry) => entry.errorCode === 'SecurityRuleConflict')).toBe(true);
  expect(emu.pendingOperations()).toBe(0);

  const status = await cli.jit(['status', 'vm01', '--cloud', 'azure']);
  expect(status.json).toMatchObject({ lockedDown: true, exposure: [{ verdict: 'locked' }] });
  expect((status.json.grants as unknown[]).length).toBe(COUNT);
});
