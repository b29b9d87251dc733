/**
 * A user DNAT rule on an Azure Firewall (classic rules and Firewall Policy) that exposes port 22 of a VM
 * to `*`: `scan` reports it, `status` names it, and `enable` refuses for that VM, naming it, and writes
 * nothing. jit runs in this process (test/support/in-process-jit.ts) against the ARM emulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArmEmulator, startArmEmulator } from '../../emulators/arm/server.js';
import { type FirewalledWorld, firewallState, seedFirewalledWorld } from './firewall-support.js';
import { type Cli, cliFor, writesIn } from './support.js';

const AZ = ['--cloud', 'azure'];

describe.each(['classic', 'policy'] as const)('a user DNAT rule exposing a VM (%s rules)', (mode) => {
  let emu: ArmEmulator;
  let cli: Cli;
  let world: FirewalledWorld;

  beforeAll(async () => {
    emu = await startArmEmulator({ lroPolls: { network: 0 } });
    world = seedFirewalledWorld(emu, mode);
    cli = cliFor(emu, {}, { inProcess: true });
  });

  afterAll(async () => {
    cli?.cleanup();
    await emu?.close();
  });

  it('a user DNAT rule exposing vm02:22 to * makes enable refuse, naming it; scan and status report it', async () => {
    const label = mode === 'classic' ? 'fw-hub/user-dnat/ssh-vm02-any' : 'fw-hub/user-dnat-group/user-dnat/ssh-vm02-any';
    const firewallBefore = firewallState(emu, world);
    emu.clearLog();
    const refused = await cli.jit(['enable', 'vm02', ...AZ, '-p', '22']);
    expect(refused.code).toBe(1);
    expect(refused.json.error?.code).toBe('JIT_AZURE_FIREWALL_EXPOSED');
    expect(refused.json.error?.message).toContain(label);
    expect(emu.state.getVm(world.vm02.subscriptionId, world.vm02.resourceGroup, 'vm02')?.tags ?? {}).toEqual({});
    expect(firewallState(emu, world)).toEqual(firewallBefore);
    expect(writesIn(emu.log)).toEqual([]);
    const scan = await cli.jit(['scan', ...AZ]);
    type Finding = { target: { name: string }; open: { port: { from: number }; rules: string[] }[] };
    const findings = scan.json.findings as Finding[];
    expect(findings.find((f) => f.target.name === 'vm02')?.open).toContainEqual(
      expect.objectContaining({ port: { from: 22, to: 22, protocol: 'tcp' }, rules: expect.arrayContaining([label]) }),
    );
    const status = await cli.jit(['status', 'vm02', ...AZ]);
    const exposure = status.json.exposure as { verdict: string; rules: string[] }[];
    expect(exposure[0]).toMatchObject({ verdict: 'exposed', rules: expect.arrayContaining([label]) });
  }, 40_000);
});
