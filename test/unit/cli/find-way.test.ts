/**
 * The commands that help a user find their way (issue 11): `list`, `doctor`, what a grant says about
 * connecting, `scan` for CI, `role --scope`, and completion from the local VM cache. In-process
 * (cli-world.ts): the real program and ledger, MemoryProvider as the cloud, a fake clock.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError } from '../../../src/core/errors.js';
import { buildPolicy } from '../../../src/core/policy.js';
import { baseEnv, runCli } from '../../support/cli.js';
import { type CliWorld, cliWorld, DETECTED_IP } from '../../support/cli-world.js';

let world: CliWorld;
const ssh = [{ from: 22, to: 22, protocol: 'tcp' as const }];

beforeAll(() => {
  world = cliWorld();
  world.provider.addVm('vm01', buildPolicy({ ports: ssh, maxDuration: 3600, requireJustification: true }));
  world.provider.addVm('vm02');
  world.provider.openToInternet('vm02', 22);
  world.provider.addVm('db01', buildPolicy({ ports: [{ from: 5432, to: 5432, protocol: 'tcp' }] }));
});
afterAll(() => world.cleanup());

describe('jit list', () => {
  it('lists the enabled VMs with their policy and no grant yet; not the VM without a policy', async () => {
    const listed = await world.jit(['list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.json).toEqual({
      schemaVersion: 2,
      requester: 'alice@example.com',
      vms: [
        {
          cloud: 'azure', id: '/vm/db01', name: 'db01', scope: { subscription: 'sub' }, state: 'VM running',
          policyTag: 'v1;p=5432/tcp;d=3h', problem: null, grants: [],
          policy: { ports: [{ from: 5432, to: 5432, protocol: 'tcp' }], maxDuration: 10800, allowSources: [], requireJustification: false, tag: 'v1;p=5432/tcp;d=3h' },
        },
        {
          cloud: 'azure', id: '/vm/vm01', name: 'vm01', scope: { subscription: 'sub' }, state: 'VM running',
          policyTag: 'v1;p=22/tcp;d=1h;j=1', problem: null, grants: [],
          policy: { ports: ssh, maxDuration: 3600, allowSources: [], requireJustification: true, tag: 'v1;p=22/tcp;d=1h;j=1' },
        },
      ],
      warnings: [],
      notes: [],
    });
  });

  it('shows my grant on its VM, not a colleague\'s, and a tag that does not decode with its problem', async () => {
    const granted = await world.jit(['request', 'vm01', '-d', '30m', '--justification', 'INC-1', '--json']);
    expect(granted.code, granted.stderr).toBe(0);
    world.provider.rules.push({ grantId: 'bbbbbbbb', target: 'db01', source: '198.51.100.9/32', ports: [{ from: 5432, to: 5432, protocol: 'tcp' }], expiresAt: '2030-01-01T12:20:00.000Z', requester: 'bob@example.com' });
    world.provider.addVm('bad01');
    world.provider.targets.get('bad01')!.policyTag = 'v9;nonsense';
    const listed = await world.jit(['list', '--json']);
    type Listed = { name: string; grants: { grantId: string; secondsLeft: number }[]; problem: string | null };
    const vms = listed.json.vms as Listed[];
    expect(vms.map((vm) => [vm.name, vm.grants.map((g) => [g.grantId, g.secondsLeft])])).toEqual([
      ['bad01', []],
      ['db01', []],
      ['vm01', [[granted.json.grant!.grantId, 1800]]],
    ]);
    expect(vms[0]!.problem).toMatch(/./);
    const text = await world.jit(['list']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('vm01  VM running\n  policy  22/tcp, at most 1h, from any public address, justification required\n');
    expect(text.stdout).toMatch(new RegExp(`^ {2}${granted.json.grant!.grantId} {2}22/tcp {2}${DETECTED_IP}/32 {2}alice@example\\.com {2}12:30 \\(in 30 min\\)$`, 'm'));
    expect(text.stdout).toMatch(/^ {2}policy {2}unreadable: /m);
    world.provider.targets.delete('bad01');
    world.provider.rules.splice(world.provider.rules.findIndex((r) => r.grantId === 'bbbbbbbb'), 1);
  });
});

describe('jit doctor', () => {
  it('all good: exit 0, the identity, the detected address, the config path; the scheduler seen through its lock', async () => {
    const { processStart } = await import('../../../src/scheduler/lock.js');
    writeFileSync(path.join(world.dir, 'scheduler.pid'), `${process.pid}\n${(await processStart(process.pid)) ?? ''}\n`, { mode: 0o600 });
    // A log line with a terminal escape in it, as a cloud error message quoted in the log could carry.
    writeFileSync(path.join(world.dir, 'scheduler.log'), 'old line\nrevoked grant aaaaaaaa\nfailed: \u001b[31mred\n', { mode: 0o600 });
    const doctor = await world.jit(['doctor', '--json']);
    expect(doctor.code, doctor.stderr).toBe(0);
    expect(doctor.json).toMatchObject({
      configPath: path.join(world.dir, 'config.json'),
      cloud: { value: 'azure', source: 'env' },
      clouds: [{ cloud: 'azure', identity: 'alice@example.com', ok: true, error: null, credentials: expect.stringMatching(/DefaultAzureCredential/) }],
      ip: { ok: true, v4: DETECTED_IP, v6: null, error: null },
      scheduler: { running: true, pid: process.pid, log: ['old line', 'revoked grant aaaaaaaa', 'failed: \u001b[31mred'] },
      ready: true,
    });
    const text = await world.jit(['doctor']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ok {3}azure {2}credentials: DefaultAzureCredential chain/m);
    expect(text.stdout).toMatch(new RegExp(`^scheduler {2}running \\(pid ${process.pid}\\)$`, 'm'));
    expect(text.stdout).not.toContain('\u001b');
    expect(text.stdout).toMatch(/^Ready: a request can work\.$/m);
    rmSync(path.join(world.dir, 'scheduler.pid'));
  });

  it('a credential the cloud refuses: exit 4, the error and its hint; nothing else is wrong', async () => {
    const whoami = world.provider.whoami;
    world.provider.whoami = async () => {
      throw new AuthError('JIT_AZURE_NOT_SIGNED_IN', 'No Azure credential produced a token.', { hint: 'Sign in with `az login`.' });
    };
    try {
      const doctor = await world.jit(['doctor', '--json']);
      expect(doctor.code).toBe(4);
      expect(doctor.json).toMatchObject({
        clouds: [{ cloud: 'azure', ok: false, identity: null, error: { code: 'JIT_AZURE_NOT_SIGNED_IN', hint: 'Sign in with `az login`.' } }],
        ip: { ok: true },
        scheduler: { running: false, pid: null },
        ready: false,
      });
      const text = await world.jit(['doctor', '--cloud', 'aws']);
      expect(text.code).toBe(4);
      expect(text.stdout).toMatch(/^FAIL aws {2}credentials: default chain/m);
      expect(text.stdout).toMatch(/^Not ready/m);
    } finally {
      world.provider.whoami = whoami;
    }
  });
});

describe('after a grant: how to connect', () => {
  it('names the address and the ssh command with the admin user, and the scheduler that closes it', async () => {
    world.provider.addVm('web01', buildPolicy({ ports: ssh }));
    world.provider.targets.get('web01')!.adminUser = 'azureuser';
    const text = await world.jit(['request', 'web01', '-d', '20m']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.split('\n').slice(1)).toEqual([
      '  open until 12:20 (in 20 min)',
      '  connect with ssh azureuser@20.0.0.4',
      '  a background scheduler closes it at 12:20, even if this terminal closes',
      '',
    ]);
    const json = await world.jit(['request', 'web01', '-d', '30m', '--json']);
    expect(json.json.connect).toEqual({ address: '20.0.0.4', public: true, user: 'azureuser', command: 'ssh azureuser@20.0.0.4' });
    // An admin name that is no login name (forged metadata) is not put into a command to copy.
    world.provider.targets.get('web01')!.adminUser = '$(id)';
    const forged = await world.jit(['request', 'web01', '-d', '30m', '--json']);
    expect(forged.json.connect).toMatchObject({ user: null, command: 'ssh 20.0.0.4' });
    world.provider.targets.get('web01')!.adminUser = 'azureuser';
  });

  it('a VM without a public address: its private one, said to be private; a non-ssh port gets no ssh command; not in CI', async () => {
    world.provider.addVm('db02', buildPolicy({ ports: [{ from: 5432, to: 5432, protocol: 'tcp' }] }));
    world.provider.targets.get('db02')!.publicAddresses = [];
    const json = await world.jit(['request', 'db02', '-d', '20m', '--json']);
    expect(json.json.connect).toEqual({ address: '10.0.0.4', public: false, user: null, command: null });
    const ci = await world.jit(['request', 'db02', '-d', '25m'], { env: { CI: 'true' } });
    expect(ci.stdout).toMatch(/^ {2}connect to 10\.0\.0\.4 \(a private address: connect from inside its network\)$/m);
    expect(ci.stdout).not.toMatch(/background scheduler/);
  });

  it('jit ssh connects itself: no advice, connect null', async () => {
    const ran = await world.jit(['ssh', 'web01', '--json', '--', 'true']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.json.connect).toBeNull();
  });
});

describe('jit scan for CI', () => {
  it('each finding with where it lives, a summary, and --fail-on-findings exits 1 with the document whole', async () => {
    const plain = await world.jit(['scan']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toBe(
      'VM    OPEN  JIT\n' +
      'vm02  22    none\n' +
      '    22: allow-22-internet\n' +
      '1 VM open to the internet, 1 not managed by jit.\n`jit enable <vm>` locks one down.\n',
    );
    const gate = await world.jit(['scan', '--fail-on-findings', '--json']);
    expect(gate.code).toBe(1);
    expect(gate.json).toMatchObject({
      findings: [{ target: { name: 'vm02' }, scope: { subscription: 'sub' }, managed: false }],
      summary: { open: 1, unmanaged: 1 },
      warnings: [{ code: 'JIT_SCAN_FINDINGS' }],
    });
    world.provider.state.userRules.splice(0);
    const clean = await world.jit(['scan', '--fail-on-findings']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toBe('No VM has a management port open to the internet.\n');
    world.provider.openToInternet('vm02', 22);
  });
});

describe('jit role --scope', () => {
  const SUB = '11111111-2222-3333-4444-555555555555';
  const role = async (argv: string[], extra: Record<string, string> = {}) => runCli(['role', ...argv], { env: baseEnv(world.dir, extra) });

  it('Azure: one definition, the subscription filled in, nothing else on stdout (even with --json)', async () => {
    for (const json of [[], ['--json']]) {
      const requester = await role(['--cloud', 'azure', '--scope', 'requester', ...json], { AZURE_SUBSCRIPTION_ID: SUB });
      expect(requester.code, requester.stderr).toBe(0);
      const doc = JSON.parse(requester.stdout) as Record<string, unknown>;
      expect(doc).toMatchObject({ Name: 'jit-access requester', IsCustom: true, AssignableScopes: [`/subscriptions/${SUB}`] });
      expect(doc.Actions).not.toContain('Microsoft.Resources/tags/write');
      expect(requester.stderr).toBe('');
    }
    const admin = JSON.parse((await role(['--cloud', 'azure', '--scope', 'admin', '--subscription', SUB])).stdout) as { Actions: string[] };
    expect(admin.Actions).toContain('Microsoft.Resources/tags/write');
  });

  it('Azure without a subscription: the placeholder, and a warning on stderr that says what to do', async () => {
    const result = await role(['--cloud', 'azure', '--scope', 'requester']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ AssignableScopes: ['/subscriptions/<subscription-id>'] });
    expect(result.stderr).toMatch(/^warning: No Azure subscription is set: AssignableScopes holds the placeholder/);
  });

  it('AWS: one IAM policy document; a bad --scope is a usage error naming the flag, exit 2', async () => {
    const admin = await role(['--cloud', 'aws', '--region', 'eu-west-1', '--scope', 'admin']);
    expect(admin.code, admin.stderr).toBe(0);
    expect(JSON.parse(admin.stdout)).toMatchObject({ Version: '2012-10-17', Statement: expect.any(Array) });
    const bad = await role(['--cloud', 'aws', '--scope', 'owner']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^error: --scope "owner" is not a role scope: use requester or admin\./);
  });
});

describe('completion knows the world', () => {
  it('jit list and jit scan leave the VM names in a 0600 cache that __vms reads until it is stale', async () => {
    rmSync(path.join(world.dir, 'vm-cache.json'), { force: true });
    expect((await world.jit(['__vms'])).stdout).toBe('');
    expect((await world.jit(['list'])).code).toBe(0);
    expect((await world.jit(['scan'])).code).toBe(0);
    const names = await world.jit(['__vms']);
    expect(names.code, names.stderr).toBe(0);
    expect(names.stdout.split('\n').filter(Boolean)).toEqual(['db01', 'db02', 'vm01', 'vm02', 'web01']);
    expect(statSync(path.join(world.dir, 'vm-cache.json')).mode & 0o777).toBe(0o600);
    // A name a shell word cannot hold as it is never reaches the completion script.
    writeFileSync(path.join(world.dir, 'vm-cache.json'), JSON.stringify({ writtenAt: world.now.toISOString(), names: ['ok01', '$(touch x)', 'a b'] }), { mode: 0o600 });
    expect((await world.jit(['__vms'])).stdout).toBe('ok01\n');
    world.advance(16 * 60);
    expect((await world.jit(['__vms'])).stdout).toBe('');
    expect((await world.jit(['--help'])).stdout).not.toContain('__vms');
  });

  it('the bash script completes config keys, --cloud, the shells and VM names from `jit __vms`', async () => {
    const script = (await world.jit(['completion', 'bash'])).stdout;
    const stub = path.join(world.dir, 'jit-stub');
    // Stands in for `jit` on Tab: what `jit __vms` prints from the cache.
    writeFileSync(stub, '#!/bin/sh\n[ "$1" = __vms ] && printf "vm01\\nvm02\\n"\n', { mode: 0o700 });
    writeFileSync(path.join(world.dir, 'jit.bash'), script);
    const complete = (...words: string[]) => {
      const driver = `source ${JSON.stringify(path.join(world.dir, 'jit.bash'))}
COMP_WORDS=(${[stub, ...words].map((w) => JSON.stringify(w)).join(' ')}); COMP_CWORD=${words.length}; _jit_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
      return execFileSync('bash', ['-c', driver], { encoding: 'utf8' }).split('\n').filter(Boolean);
    };
    expect(complete('config', 'set', '')).toEqual(['cloud', 'subscription', 'resource-group', 'region', 'profile', 'azure-cloud', 'duration', 'ip.services']);
    expect(complete('config', 'get', 're')).toEqual(['resource-group', 'region']);
    expect(complete('status', '--cloud', '')).toEqual(['azure', 'aws']);
    expect(complete('completion', '')).toEqual(expect.arrayContaining(['bash', 'zsh', 'fish']));
    expect(complete('request', 'vm')).toEqual(['vm01', 'vm02']);
    expect(complete('role', '--scope', 'a')).toEqual(['admin']);
    expect(complete('request', '--dur')).toEqual(['--duration']);
    expect(complete('li')).toEqual(['list']);
  });

  it('zsh and fish scripts carry the same knowledge', async () => {
    const zsh = (await world.jit(['completion', 'zsh'])).stdout;
    expect(zsh).toContain('--cloud) compadd -- azure aws; return ;;');
    expect(zsh).toMatch(/ {4}request\) \(\( CURRENT == 3 \)\) .*__vms 2>\/dev\/null/);
    expect(zsh).toContain('[[ ${words[3]} == (get|set|unset) ]] && compadd -- cloud subscription');
    const fish = (await world.jit(['completion', 'fish'])).stdout;
    expect(fish).toContain("complete -c jit -l cloud -x -a 'azure aws'");
    expect(fish).toContain("complete -c jit -n '__fish_seen_subcommand_from ssh' -a '(jit __vms 2>/dev/null)'");
    expect(fish).toContain("complete -c jit -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'");
  });
});
