/**
 * The operator's session both firewall kinds share, against the ARM emulator: enable, a grant
 * through the firewall that expires with no jit command run, concurrent grants, revoke and disable.
 * The concurrent requests are bin/jit.js processes (`npm run build` first): the bundle's firewall
 * models, and ARM's refusals of concurrent writers, which each process retries; the other steps run
 * jit in the test's process (test/support/in-process-jit.ts), and the built scheduler removes the
 * expired grant. Each step builds on the one before; a file adds
 * the steps of its own firewall kind after the expiry (`afterExpiry`) and after the concurrent grants
 * (`afterConcurrent`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArmEmulator, startArmEmulator } from '../../emulators/arm/server.js';
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

export const AZ = ['--cloud', 'azure'];

interface FirewallSession {
  emu: ArmEmulator;
  cli: Cli;
  world: FirewalledWorld;
  before: { firewall: unknown; user: unknown };
}

export interface FirewallSessionOptions {
  /** Requests sent at once on the one firewall. */
  concurrent: number;
  /** Hang limit of the request-until-expiry step. */
  requestTimeoutMs: number;
  afterExpiry?: (session: () => FirewallSession) => void;
  afterConcurrent?: (session: () => FirewallSession, sources: string[]) => void;
}

export function describeFirewallSession(mode: 'classic' | 'policy', title: string, options: FirewallSessionOptions): void {
  let s: FirewallSession;
  const session = () => s;
  const sources = Array.from({ length: options.concurrent }, (_, n) => `81.2.69.${11 + n}`);

  beforeAll(async () => {
    // One poll per operation: a firewall write completes as soon as the SDK first polls it.
    const emu = await startArmEmulator({ lroPolls: { network: 0 } });
    const world = seedFirewalledWorld(emu, mode);
    const before = { firewall: firewallState(emu, world), user: userCollections(emu, world) };
    s = { emu, world, cli: cliFor(emu, {}, { inProcess: true }), before };
  });

  afterAll(async () => {
    s?.cli.cleanup();
    await s?.emu.close();
  });

  describe(title, () => {
    it('enable locks the NSGs and leaves the firewall as it was', async () => {
      const { emu, cli, world, before } = s;
      const result = await cli.jit(['enable', 'fwvm01', ...AZ, '-p', '22']);
      expect(result.code, result.stderr).toBe(0);
      expect(firewallState(emu, world)).toEqual(before.firewall);
      expect(nsgAdmitsFirewall(emu, world.vm01)).toBe(false);
    });

    it('request: one DNAT rule for the requester /32 to VM:22 on a free port, the NSG path admits the firewall, and it is gone at expiry with no jit command', async () => {
      const { emu, cli, world, before } = s;
      const result = await cli.jit(['request', 'fwvm01', ...AZ, '--source', '81.2.69.7', '-d', '5s']);
      expect(result.code, result.stderr).toBe(0);
      const grant = result.json.grant as { grantId: string; expiresAt: string; endpoints: unknown[] };
      // Port 22 of the firewall is taken by the user's rule for vm02: the grant gets the first free high port.
      expect(grant.endpoints).toEqual([
        { address: FW_IP, port: 49152, targetAddress: '10.0.0.4', targetPort: 22, protocol: 'tcp', via: 'fw-hub' },
      ]);
      const rules = jitDnatRules(emu, world);
      expect(rules).toEqual([
        expect.objectContaining({ sources: ['81.2.69.7/32'], port: '49152', translatedAddress: '10.0.0.4', translatedPort: '22' }),
      ]);
      expect(rules[0]?.description).toMatch(new RegExp(`^jit:v1 g=${grant.grantId} exp=\\d{8}T\\d{6}Z by=`));
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
    }, options.requestTimeoutMs);

    options.afterExpiry?.(session);

    it(`${options.concurrent} concurrent requests on one firewall each end with their own DNAT rule; none is lost`, async () => {
      const { emu, cli, world, before } = s;
      const results = await Promise.all(sources.map((source) => cli.bin(['request', 'fwvm01', ...AZ, '--source', source, '-d', '10m'])));
      for (const result of results) expect(result.code, result.stderr).toBe(0);
      const rules = jitDnatRules(emu, world);
      expect(rules.map((rule) => rule.sources[0]).sort()).toEqual(sources.map((source) => `${source}/32`).sort());
      expect(new Set(rules.map((rule) => rule.port)).size).toBe(options.concurrent);
      const ports = results.map((r) => (r.json.grant as { endpoints: { port: number }[] }).endpoints[0]!.port).sort();
      expect(ports).toEqual(rules.map((rule) => Number(rule.port)).sort());
      expect(userCollections(emu, world)).toEqual(before.user);
    }, 90_000);

    options.afterConcurrent?.(session, sources);

    it('revoke and disable leave the firewall exactly as before enable', async () => {
      const { emu, cli, world, before } = s;
      const revoked = await cli.jit(['revoke', 'fwvm01', ...AZ, '--all', '--yes']);
      expect(revoked.code, revoked.stderr).toBe(0);
      expect(jitDnatRules(emu, world)).toEqual([]);
      const disabled = await cli.jit(['disable', 'fwvm01', ...AZ, '--yes']);
      expect(disabled.code, disabled.stderr).toBe(0);
      expect(firewallState(emu, world)).toEqual(before.firewall);
    });
  });
}
