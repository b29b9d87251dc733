/**
 * A VM behind an Azure Firewall with classic rules and no public IP, through the built bin/jit.js
 * against the ARM emulator (`npm run build` first). The steps build on each other as an operator's
 * session would: enable, a grant through the firewall that expires with no jit command run, five
 * concurrent grants, revoke and disable. firewall-exposure.test.ts covers user DNAT rules that expose a VM.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArmEmulator, startArmEmulator } from '../../emulators/arm/server.js';
import { runBin } from '../../support/cli.js';
import { waitFor } from '../support/processes.js';
import {
  FW_IP,
  type FirewalledWorld,
  firewallState,
  jitDnatRules,
  nsgAdmitsFirewall,
  seedFirewalledWorld,
  userCollections,
} from './firewall-support.js';
import { type Cli, cliFor } from './support.js';

const AZ = ['--cloud', 'azure'];
const MODE: 'classic' | 'policy' = 'classic';
const CONCURRENT = 5;
let emu: ArmEmulator;
let cli: Cli;
let world: FirewalledWorld;
let before: { firewall: unknown; user: unknown };

beforeAll(async () => {
  // One poll per operation: a firewall write completes as soon as the SDK first polls it.
  emu = await startArmEmulator({ lroPolls: { network: 0 } });
  world = seedFirewalledWorld(emu, MODE);
  before = { firewall: firewallState(emu, world), user: userCollections(emu, world) };
  cli = cliFor(emu);
});

afterAll(async () => {
  cli?.cleanup();
  await emu?.close();
});

describe('a VM behind a classic-rules Azure Firewall', () => {
  it('enable locks the NSGs and leaves the firewall as it was', async () => {
    const result = await cli.jit(['enable', 'fwvm01', ...AZ, '-p', '22']);
    expect(result.code, result.stderr).toBe(0);
    expect(firewallState(emu, world)).toEqual(before.firewall);
    expect(nsgAdmitsFirewall(emu, world.vm01)).toBe(false);
  });

  it('request: one DNAT rule for the requester /32 to VM:22 on a free port, the NSG path admits the firewall, and it is gone at expiry with no jit command', async () => {
    const result = await cli.jit(['request', 'fwvm01', ...AZ, '--source', '81.2.69.7', '-d', '5s']);
    expect(result.code, result.stderr).toBe(0);
    const grant = result.json.grant as { id: string; expiresAt: string; endpoints: unknown[] };
    // Port 22 of the firewall is taken by the user's rule for vm02: the grant gets the first free high port.
    expect(grant.endpoints).toEqual([
      { address: FW_IP, port: 49152, targetAddress: '10.0.0.4', targetPort: 22, protocol: 'tcp', via: 'fw-hub' },
    ]);
    const rules = jitDnatRules(emu, world);
    expect(rules).toEqual([
      expect.objectContaining({ sources: ['81.2.69.7/32'], port: '49152', translatedAddress: '10.0.0.4', translatedPort: '22' }),
    ]);
    expect(rules[0]?.description).toMatch(new RegExp(`^jit:v1 g=${grant.id} exp=\\d{8}T\\d{6}Z by=`));
    expect(nsgAdmitsFirewall(emu, world.vm01)).toBe(true);
    expect(userCollections(emu, world)).toEqual(before.user);
    const status = await cli.jit(['status', 'fwvm01', ...AZ]);
    expect(status.json.firewall).toEqual({
      name: 'fw-hub',
      publicAddresses: [FW_IP],
      paths: [expect.objectContaining({ source: '81.2.69.7/32', address: FW_IP, port: 49152, targetAddress: '10.0.0.4', targetPort: 22 })],
    });
    const deadline = Date.parse(grant.expiresAt) - Date.now() + 8000;
    const gone = await waitFor(async () => jitDnatRules(emu, world).length === 0, deadline);
    expect(gone).toBeDefined();
    expect(nsgAdmitsFirewall(emu, world.vm01)).toBe(false);
    expect(userCollections(emu, world)).toEqual(before.user);
  }, 40_000);

  it('jit ssh connects through the firewall (its address, -p the DNAT port) and closes the grant after', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'jit-fw-ssh-'));
    const record = path.join(dir, 'ssh-args.txt');
    // A stand-in for ssh: records its arguments and exits 0.
    writeFileSync(path.join(dir, 'ssh'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${record}'\n`);
    chmodSync(path.join(dir, 'ssh'), 0o755);
    try {
      const result = await runBin(['ssh', 'fwvm01', ...AZ, '--user', 'azureuser', '--source', '81.2.69.30'], {
        env: { ...cli.env, PATH: `${dir}:${cli.env.PATH ?? ''}` },
      });
      expect(result.code, result.stderr).toBe(0);
      expect(readFileSync(record, 'utf8').trim().split('\n')).toEqual(['-l', 'azureuser', '-p', '49152', FW_IP]);
      expect(jitDnatRules(emu, world)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('5 concurrent requests on one firewall each end with their own DNAT rule; none is lost', async () => {
    const sources = Array.from({ length: CONCURRENT }, (_, n) => `81.2.69.${11 + n}`);
    const results = await Promise.all(sources.map((source) => cli.jit(['request', 'fwvm01', ...AZ, '--source', source, '-d', '10m'])));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const rules = jitDnatRules(emu, world);
    expect(rules.map((rule) => rule.sources[0]).sort()).toEqual(sources.map((s) => `${s}/32`).sort());
    expect(new Set(rules.map((rule) => rule.port)).size).toBe(CONCURRENT);
    const ports = results.map((r) => (r.json.grant as { endpoints: { port: number }[] }).endpoints[0]!.port).sort();
    expect(ports).toEqual(rules.map((rule) => Number(rule.port)).sort());
    expect(userCollections(emu, world)).toEqual(before.user);
    // Asking again for the same access extends that grant on the same port.
    const again = await cli.jit(['request', 'fwvm01', ...AZ, '--source', sources[0]!, '-d', '20m']);
    expect(again.json).toMatchObject({ outcome: 'extended' });
    const extended = jitDnatRules(emu, world).find((rule) => rule.sources[0] === `${sources[0]}/32`);
    expect(extended?.port).toBe(rules.find((rule) => rule.sources[0] === `${sources[0]}/32`)?.port);
    expect(jitDnatRules(emu, world)).toHaveLength(CONCURRENT);
  }, 90_000);

  it('revoke and disable leave the firewall exactly as before enable', async () => {
    const revoked = await cli.jit(['revoke', 'fwvm01', ...AZ, '--all', '--yes']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(jitDnatRules(emu, world)).toEqual([]);
    const disabled = await cli.jit(['disable', 'fwvm01', ...AZ, '--yes']);
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(firewallState(emu, world)).toEqual(before.firewall);
  });
});
