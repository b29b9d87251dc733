/**
 * The firewall session (firewall-suite.ts) on a VM behind an Azure Firewall with classic rules and
 * no public IP: jit's DNAT rules go in a NAT rule collection of its own (`jit-access-dnat`). Here
 * also: `jit ssh` through the firewall, and a repeated request extending its grant on the same port.
 * firewall-exposure.test.ts covers user DNAT rules that expose a VM.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { runBin } from '../../support/cli.js';
import { FW_IP, jitDnatRules } from './firewall-support.js';
import { AZ, describeFirewallSession } from './firewall-suite.js';

const CONCURRENT = 5;

describeFirewallSession('classic', 'a VM behind a classic-rules Azure Firewall', {
  concurrent: CONCURRENT,
  requestTimeoutMs: 40_000,
  afterExpiry: (session) => {
    it('jit ssh connects through the firewall (its address, -p the DNAT port) and closes the grant after', async () => {
      const { emu, cli, world } = session();
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
    });
  },
  afterConcurrent: (session, sources) => {
    it('asking again for the same access extends that grant on the same port', async () => {
      const { emu, cli, world } = session();
      const mine = (rule: { sources: string[] }) => rule.sources[0] === `${sources[0]}/32`;
      const port = jitDnatRules(emu, world).find(mine)?.port;
      expect(port).toBeDefined();
      const again = await cli.jit(['request', 'fwvm01', ...AZ, '--source', sources[0]!, '-d', '20m']);
      expect(again.json).toMatchObject({ outcome: 'extended' });
      expect(jitDnatRules(emu, world).find(mine)?.port).toBe(port);
      expect(jitDnatRules(emu, world)).toHaveLength(CONCURRENT);
    });
  },
});
