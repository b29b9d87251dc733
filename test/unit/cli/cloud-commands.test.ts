/**
 * The cloud commands in-process (cli-world.ts): the real program, the real ledger, MemoryProvider as
 * the cloud and a fake clock. Each step asserts the cloud's rules, the VM's policy and the ledger,
 * and builds on the one before, as an operator's session would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshArgv } from '../../../src/cli/ssh-argv.js';
import { buildPolicy } from '../../../src/core/policy.js';
import { type CliWorld, cliWorld, DETECTED_IP } from '../../support/cli-world.js';

let world: CliWorld;
const sources = (vm: string) => world.provider.rules.filter((r) => r.target === vm).map((r) => r.source).sort();
const ledgerStates = async () => Object.fromEntries((await world.ledger()).map((g) => [g.id, g.state]));

beforeAll(() => {
  world = cliWorld();
  world.provider.addVm('vm01');
  world.provider.openToInternet('vm01', 22);
  world.provider.addVm('vm02');
  world.provider.openToInternet('vm02', 3389);
});
afterAll(() => world.cleanup());

describe('jit on MemoryProvider, in-process', () => {
  let grantId = '';

  it('scan names the VMs whose management ports the internet reaches', async () => {
    const scan = await world.jit(['scan', '--json']);
    expect(scan.code, scan.stderr).toBe(0);
    expect(scan.json.findings).toEqual([
      { target: { id: '/vm/vm01', name: 'vm01' }, scope: { subscription: 'sub' }, open: [{ port: { from: 22, to: 22, protocol: 'tcp' }, rules: ['allow-22-internet'] }], managed: false },
      { target: { id: '/vm/vm02', name: 'vm02' }, scope: { subscription: 'sub' }, open: [{ port: { from: 3389, to: 3389, protocol: 'tcp' }, rules: ['allow-3389-internet'] }], managed: false },
    ]);
    expect((await world.jit(['scan'])).stdout).toMatch(/^VM {4}OPEN {2}JIT\nvm01 {2}22 {4}none\n {4}22: allow-22-internet\n/);
  });

  it('enable --dry-run reports the changes and writes nothing', async () => {
    const dry = await world.jit(['enable', 'vm01', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json).toMatchObject({ policy: { tag: 'v1;p=22/tcp;d=3h', ports: [{ from: 22, to: 22, protocol: 'tcp' }], maxDuration: 10800 }, applied: false });
    expect(world.provider.writes).toEqual([]);
    expect(world.provider.targets.get('vm01')!.policyTag).toBeUndefined();
  });

  it('enable stores the policy and locks the VM down; status finds it effective', async () => {
    const enabled = await world.jit(['enable', 'vm01', '-p', '22', '--max-duration', '1h']);
    expect(enabled.code, enabled.stderr).toBe(0);
    expect(enabled.stdout).toMatch(/^Enabled jit on vm01 \(v1;p=22\/tcp;d=1h\):\n {2}\+ add-rule/);
    expect(world.provider.targets.get('vm01')!.policyTag).toBe('v1;p=22/tcp;d=1h');
    const status = await world.jit(['status', 'vm01', '--json']);
    expect(status.json).toMatchObject({ policy: { tag: 'v1;p=22/tcp;d=1h' }, lockedDown: true, effective: true, grants: [] });
    expect((await world.jit(['status', 'vm01'])).stdout).toMatch(/^lock-down {2}effective$/m);
  });

  it('request opens 22 for the detected address, making sure of the scheduler first', async () => {
    const ensured = world.ensured;
    const first = await world.jit(['request', 'vm01', '-d', '30m']);
    expect(first.code, first.stderr).toBe(0);
    grantId = first.stdout.match(/\(grant ([0-9a-z]{8})\)$/m)![1]!;
    expect(first.stdout).toBe(
      `Granted 22/tcp on vm01 to ${DETECTED_IP}/32 (grant ${grantId})\n` +
      '  open until 12:30 (in 30 min)\n' +
      '  connect with ssh 20.0.0.4\n' +
      '  (add the login: ssh <user>@…; `jit ssh` does it all and closes the port after)\n' +
      '  a background scheduler closes it at 12:30, even if this terminal closes\n',
    );
    expect(world.ensured).toBe(ensured + 1);
    expect(sources('vm01')).toEqual([`${DETECTED_IP}/32`]);
    expect(await world.ledger()).toMatchObject([{ id: grantId, state: 'active', expiresAt: '2030-01-01T12:30:00.000Z' }]);
  });

  it('repeating it in CI extends the same grant, with the CI note in --json notes and on stderr', async () => {
    const again = await world.jit(['request', 'vm01', '-d', '45m', '--json'], { env: { CI: 'true' } });
    expect(again.code, again.stderr).toBe(0);
    expect(again.json).toMatchObject({ outcome: 'extended', extended: true, grant: { grantId, expiresAt: '2030-01-01T12:45:00Z' } });
    expect(again.json.notes).toEqual([{ code: 'JIT_CI_SCHEDULER_ENDS', message: expect.stringMatching(/^In CI the background scheduler ends with the job/) }]);
    expect(again.stderr).toMatch(/^note: In CI/m);
    expect(world.provider.rules).toHaveLength(1);
  });

  it('--dry-run and a refused request write nothing', async () => {
    const writes = world.provider.writes.length;
    const before = await world.ledger();
    const dry = await world.jit(['request', 'vm01', '-d', '10m', '--source', '81.2.69.99', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json).toMatchObject({ applied: false, outcome: 'created' });
    const refused = await world.jit(['request', 'vm01', '-d', '2h', '--json']);
    expect(refused.code).toBe(3);
    expect(refused.json.error).toMatchObject({ code: expect.stringMatching(/^JIT_POLICY_/) });
    const notEnabled = await world.jit(['request', 'vm02', '--source', '81.2.69.99']);
    expect(notEnabled.code).toBe(3);
    expect(notEnabled.stderr).toMatch(/^error: vm02 is not enabled for jit access\.\nhint: An admin can enable it/);
    expect(world.provider.writes).toHaveLength(writes);
    expect(await world.ledger()).toEqual(before);
  });

  it('status lists the grant with its time left, and status without a VM lists it by VM', async () => {
    world.advance(5 * 60);
    const one = await world.jit(['status', 'vm01']);
    expect(one.stdout).toMatch(new RegExp(`^ {2}GRANT {5}PORTS {3}SOURCE {9}REQUESTER {10}EXPIRES\n {2}${grantId} {2}22/tcp {2}${DETECTED_IP}/32 {2}alice@example.com {2}12:45 \\(in 40 min\\)$`, 'm'));
    const all = await world.jit(['status', '--json']);
    expect(all.json.grants).toMatchObject([{ grantId, secondsLeft: 2400, target: { name: 'vm01' } }]);
  });

  it('request -- CMD runs the command while a new grant is open, closes it after, and exits with its status', async () => {
    world.commandExit = 7;
    const result = await world.jit(['request', 'vm01', '--source', '81.2.69.80', '-d', '10m', '--', 'psql', '-c', 'select 1']);
    world.commandExit = 0;
    expect(result.code, result.stderr).toBe(7);
    const ran = world.ran.at(-1)!;
    expect(ran.argv).toEqual(['psql', '-c', 'select 1']);
    expect(ran.openGrants).toHaveLength(2);
    const opened = ran.openGrants.find((id) => id !== grantId)!;
    expect(result.stderr).toMatch(new RegExp(`^Revoked grant ${opened}\\.$`, 'm'));
    expect(world.provider.rules.map((r) => r.grantId)).toEqual([grantId]);
    expect(await ledgerStates()).toMatchObject({ [grantId]: 'active', [opened]: 'revoked' });
    expect((await world.jit(['request', 'vm01', '--dry-run', '--', 'true'])).code).toBe(2);
  });

  it('ssh runs ssh to the public address and leaves the grant that was already open as it was', async () => {
    const result = await world.jit(['ssh', 'vm01', '--user', 'azureuser', '--source', `${DETECTED_IP}`, '--', '-i', 'key']);
    expect(result.code, result.stderr).toBe(0);
    expect(world.ran.at(-1)).toEqual({ argv: ['ssh', '-l', 'azureuser', '-i', 'key', '20.0.0.4'], openGrants: [grantId] });
    expect(result.stderr).toMatch(new RegExp(`Grant ${grantId} was open before; left as it was\\.`));
    expect(world.provider.rules.map((r) => r.grantId)).toEqual([grantId]);
  });

  it.each([
    [{ address: '20.0.0.4', port: 22, user: undefined, extra: [] }, ['ssh', '20.0.0.4']],
    [{ address: '20.0.0.4', port: 2222, user: 'ops', extra: ['-v'] }, ['ssh', '-l', 'ops', '-p', '2222', '-v', '20.0.0.4']],
  ])('ssh argv for %j', (target, argv) => {
    expect(sshArgv(target)).toEqual(argv);
  });

  it('revoke <grant-id> removes exactly that grant and records it revoked', async () => {
    const revoked = await world.jit(['revoke', grantId, '--json']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.json).toMatchObject({ revoked: [{ grantId, target: { name: 'vm01' } }], applied: true, changes: [{ op: 'remove-rule' }] });
    expect(world.provider.rules).toEqual([]);
    expect(await ledgerStates()).toMatchObject({ [grantId]: 'revoked' });
    expect((await world.jit(['revoke', '--all'])).stdout).toBe('No matching grant.\n');
  });

  it('the reaper closes an overdue grant of the ledger before the next command', async () => {
    const opened = await world.jit(['request', 'vm01', '-d', '10m', '--json']);
    const id = opened.json.grant!.grantId;
    world.advance(11 * 60);
    const next = await world.jit(['status', 'vm01', '--json']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(new RegExp(`^note: revoked overdue grant ${id} on vm01`, 'm'));
    expect(next.json.grants).toEqual([]);
    expect(world.provider.rules).toEqual([]);
    expect(await ledgerStates()).toMatchObject({ [id]: 'revoked' });
  });

  it('an overdue grant the reaper cannot close is handed to the scheduler, and the command carries on', async () => {
    const opened = await world.jit(['request', 'vm01', '-d', '10m', '--json']);
    const id = opened.json.grant!.grantId;
    world.advance(11 * 60);
    world.provider.beforeWrite = () => {
      throw new Error('throttled');
    };
    const ensured = world.ensured;
    const next = await world.jit(['role', '--json', '--subscription', '00000000-0000-0000-0000-000000000000']);
    world.provider.beforeWrite = () => {};
    expect(next.code, next.stderr).toBe(0);
    // The reaper's warning reaches the document too, with its code.
    expect(next.json).toEqual({
      schemaVersion: 2,
      requester: {},
      admin: {},
      warnings: [{ code: 'JIT_REAP_FAILED', message: `could not revoke overdue grant ${id} on vm01: throttled` }],
      notes: [],
    });
    expect(next.stderr).toMatch(new RegExp(`^warning: could not revoke overdue grant ${id} on vm01: throttled$`, 'm'));
    expect(world.ensured).toBe(ensured + 1);
    expect(world.provider.rules.map((r) => r.grantId)).toEqual([id]);
    expect(await ledgerStates()).toMatchObject({ [id]: 'active' });
  });

  it('sweep removes expired grants from the cloud\'s metadata alone, anyone\'s, and keeps the rest', async () => {
    // The grant the reaper could not close in the step before is closed by the reaper now; an expired
    // grant of someone else's, unknown to this ledger, is the sweep's, and a live one stays.
    const [left] = world.provider.rules.map((r) => r.grantId);
    const at = (minutes: number) => new Date(world.now.getTime() + minutes * 60_000).toISOString();
    const ssh = [{ from: 22, to: 22, protocol: 'tcp' as const }];
    const other = { target: 'vm01', ports: ssh, requester: 'bob@example.com' };
    world.provider.rules.push(
      { ...other, grantId: 'zzzzzzzz', source: '198.51.100.9/32', expiresAt: at(-1) },
      { ...other, grantId: 'yyyyyyyy', source: '198.51.100.10/32', expiresAt: at(30) },
    );
    const dry = await world.jit(['sweep', '--dry-run']);
    expect(dry.stderr).toMatch(new RegExp(`^note: revoked overdue grant ${left} on vm01`, 'm'));
    expect(dry.stdout).toMatch(/^Would remove 1 expired grant\(s\); 1 unexpired left alone\.\n {2}GRANT +VM +PORTS +SOURCE +REQUESTER +EXPIRES\n {2}zzzzzzzz {2}vm01 {2}22\/tcp {2}198\.51\.100\.9\/32 {2}bob@example\.com {2}expired 1 min ago$/m);
    expect(world.provider.rules.map((r) => r.grantId)).toEqual(['zzzzzzzz', 'yyyyyyyy']);
    const swept = await world.jit(['sweep', '--json']);
    expect(swept.code, swept.stderr).toBe(0);
    expect(swept.json).toMatchObject({ removed: [{ grantId: 'zzzzzzzz' }], kept: [{ grantId: 'yyyyyyyy' }], failed: [], applied: true });
    expect(world.provider.rules.map((r) => r.grantId)).toEqual(['yyyyyyyy']);
  });

  it('disable needs --yes without a terminal, then removes grants, lock-down and policy', async () => {
    await world.jit(['request', 'vm01', '-d', '10m']);
    const refused = await world.jit(['disable', 'vm01']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: jit disable vm01 removes the lock-down and closes 2 grants.*: pass --yes to confirm\./);
    expect(world.provider.lockedDown.has('vm01')).toBe(true);
    const disabled = await world.jit(['disable', 'vm01', '--yes', '--json']);
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(disabled.json.revoked).toHaveLength(2);
    expect(disabled.json.changes).toMatchObject([{ op: 'remove-rule' }, { op: 'remove-rule' }, { op: 'remove-tag' }]);
    expect(world.provider.rules).toEqual([]);
    expect(world.provider.lockedDown.has('vm01')).toBe(false);
    expect(world.provider.targets.get('vm01')!.policyTag).toBeUndefined();
    expect((await world.ledger()).every((g) => g.state === 'revoked')).toBe(true);
  });

  it('a policy that requires a justification refuses a request without one (exit 3)', async () => {
    world.provider.addVm('vpn', buildPolicy({ ports: [{ from: 22, to: 22, protocol: 'tcp' }], requireJustification: true }));
    const refused = await world.jit(['request', 'vpn', '--json']);
    expect(refused.code).toBe(3);
    const granted = await world.jit(['request', 'vpn', '--justification', 'INC-1', '--json']);
    expect(granted.code, granted.stderr).toBe(0);
    expect(sources('vpn')).toEqual([`${DETECTED_IP}/32`]);
  });
});
