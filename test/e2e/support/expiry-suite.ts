/**
 * docs/expiry.md, end to end on each cloud's emulator: the detached scheduler removes rules at
 * expiry with no jit command in between, the next command repairs a killed scheduler, sweep works
 * from another machine, and -- CMD revokes when the command ends. What a process shows (the first
 * expiry, ten processes on one ledger, exit codes, Ctrl-C, ssh) runs through bin/jit.js; the set-up
 * and the commands whose output is checked (the repairing status, sweep) run in this process, and
 * every scheduler is the built one (CloudHarness.jitInProcess).
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runBin } from '../../support/cli.js';
import { allowedSources, type CloudHarness, enabledVm } from './cloud-harness.js';
import { alive, NET_GUARD, schedulerPid, schedulerRunning, testConfigDir, waitFor, workersFor } from './processes.js';

// Tests that wait out real grant durations (seconds each) and then the scheduler's exit: under CI's
// load they take 10-25 s, so they carry a limit meant to catch a hang, not to time them.
const WAITS_TIMEOUT_MS = 60_000;

/** One cloud's harness, made once for the file, and what its tests share. */
class CloudUnderTest {
  cloud!: CloudHarness;

  constructor(readonly name: string, readonly makeHarness: () => Promise<CloudHarness>) {}

  /** A config directory for one test, its schedulers ended with that test (testConfigDir). */
  readonly newDir = testConfigDir;

  readonly jit = (dir: string, args: string[]) => runBin(args, { env: this.cloud.env(dir) });

  readonly sources = (vm: string): Promise<string[]> => allowedSources(this.cloud, vm);

  /** A new VM with port 22 enabled, set up in this process (enabledVm). */
  readonly enabled = (dir: string): Promise<string> => enabledVm(this.cloud, dir);
}

/**
 * The expiry tests of every cloud given, in one test file (one test worker): most of their time is
 * waiting for grants to expire, and a worker that waits for all of them leaves the others to the
 * CPU-bound files (docs/testing.md, "Idle cores and the fake `az`, a third pass"). Three phases,
 * each with a suite per cloud: the timing test, every cloud's side by side (as when each cloud had
 * a file and a worker of its own) and nothing else of this file beside them; then the tests that
 * wait out real grants, every cloud's side by side; then the sweeps, one after the other and after
 * everything else, as a sweep covers its cloud's whole subscription or region and would close the
 * other tests' overdue grants.
 */
export function describeExpiry(clouds: { name: string; makeHarness: () => Promise<CloudHarness> }[]): void {
  const all = clouds.map(({ name, makeHarness }) => new CloudUnderTest(name, makeHarness));
  beforeAll(async () => {
    await Promise.all(all.map(async (c) => void (c.cloud = await c.makeHarness())));
  });
  afterAll(async () => {
    for (const c of all) await c.cloud?.close();
  });
  // Phases run one after the other, as sibling suites that are not concurrent; a test's full name
  // stays `expiry on <cloud> <test>`.
  describe('expiry on', () => {
    for (const c of all) describe.concurrent(c.name, () => timing(c));
  });
  describe('expiry on', () => {
    for (const c of all) describe.concurrent(c.name, () => waits(c));
  });
  describe('expiry on', () => {
    for (const c of all) describe(c.name, () => sweep(c));
  });
}

function timing(c: CloudUnderTest): void {
  const { newDir, jit, sources, enabled } = c;
  it('removes a 5 s grant within 3 s of expiry after jit has exited, with no jit command in between', async (test) => {
    const dir = newDir(test);
    const vm = await enabled(dir);
    const result = await jit(dir, ['request', vm, '-p', '22', '-d', '5s', '--source', '198.51.100.7', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const expiresAt = Date.parse(JSON.parse(result.stdout).grant.expiresAt);
    expect(await sources(vm)).toEqual(['198.51.100.7/32']);
    // The detached worker writes its pid once it holds the lock, a moment after jit returns.
    expect(await waitFor(async () => alive(schedulerPid(dir)), 10_000, 50)).toBeDefined();
    const gone = await waitFor(async () => (await sources(vm)).length === 0, expiresAt - Date.now() + 3000);
    expect(gone, 'rule still present 3 s after expiry').toBeDefined();
    expect(gone! - expiresAt).toBeLessThanOrEqual(3000);
    expect(gone!).toBeGreaterThanOrEqual(expiresAt);
    // Nothing left open: the scheduler exits by itself.
    expect(await waitFor(async () => !alive(schedulerPid(dir)), 12_000)).toBeDefined();
  }, WAITS_TIMEOUT_MS);
}

function waits(c: CloudUnderTest): void {
  const { newDir, jit, sources, enabled } = c;
  // These wait out real grant durations, each on its own VM and config directory: side by side.
  it.concurrent('repairs a scheduler killed with SIGKILL: the next `jit status` revokes the overdue rule and says so', async (test) => {
    const dir = newDir(test);
    const vm = await enabled(dir);
    // Long enough that the scheduler is killed before the grant is due, however slow the machine.
    // In this process: the scheduler it starts is the built one, as bin/jit.js's would be.
    const result = await c.cloud.jitInProcess(dir, ['request', vm, '-p', '22', '-d', '6s', '--source', '198.51.100.8', '--json']);
    const { grantId: id, expiresAt } = JSON.parse(result.stdout).grant;
    await waitFor(async () => alive(schedulerPid(dir)), 3000, 50);
    process.kill(schedulerPid(dir)!, 'SIGKILL');
    await waitFor(async () => Date.now() > Date.parse(expiresAt) + 1000, 60_000);
    expect(await sources(vm)).toEqual(['198.51.100.8/32']); // the killed scheduler did not remove it
    const status = await c.cloud.jitInProcess(dir, ['status', vm, '--json']);
    expect(status.code, status.stderr).toBe(0);
    // The reaper closes it within its budget, or, on a slow machine, restarts the scheduler to finish.
    expect(status.stderr).toMatch(new RegExp(`(revoked|still revoking) overdue grant ${id} on ${vm}`));
    expect(await waitFor(async () => (await sources(vm)).length === 0, 15_000)).toBeDefined();
  }, WAITS_TIMEOUT_MS);

  // 20 s grants: beside the other tests, ten requests can take longer than a few seconds, and a
  // grant must not expire before the ledger and the rules are checked.
  it.concurrent('10 requests at once: 10 grants in the ledger, one scheduler, all 10 rules removed at expiry', async (test) => {
    const dir = newDir(test);
    const vm = await enabled(dir);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        jit(dir, ['request', vm, '-p', '22', '-d', '20s', '--source', `198.51.100.${20 + i}`, '--json']),
      ),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const ledger = JSON.parse(readFileSync(path.join(dir, 'grants.json'), 'utf8'));
    expect(ledger.grants.filter((g: { state: string }) => g.state === 'active')).toHaveLength(10);
    expect(await sources(vm)).toHaveLength(10);
    // Schedulers that lost the start race exit at once: one is left.
    expect(await waitFor(async () => (await workersFor(dir)).length === 1, 10_000, 100)).toBeDefined();
    const last = Math.max(...results.map((r) => Date.parse(JSON.parse(r.stdout).grant.expiresAt)));
    // Every 500 ms: ~20 s of waiting, and on AWS each look is three EC2 calls. The timing is the
    // first test's; this one asks whether all ten are gone by the deadline.
    expect(await waitFor(async () => (await sources(vm)).length === 0, last - Date.now() + 3000, 500)).toBeDefined();
  }, 2 * WAITS_TIMEOUT_MS);

  it.concurrent('`request -- CMD` returns the command\'s exit code and revokes when it ends', async (test) => {
    const dir = newDir(test);
    const vm = await enabled(dir);
    const result = await jit(dir, ['request', vm, '-p', '22', '-d', '1h', '--source', '198.51.100.11', '--', 'sh', '-c', 'exit 7']);
    expect(result.code, result.stderr).toBe(7);
    expect(result.stderr).toMatch(/Revoked grant [0-9a-z]{8}\./);
    expect(await sources(vm)).toEqual([]);
  }, WAITS_TIMEOUT_MS);

  it.concurrent('Ctrl-C (SIGINT) during the command revokes too, and exits 130', async (test) => {
    const dir = newDir(test);
    const vm = await enabled(dir);
    const child = spawn(
      process.execPath,
      [BIN, 'request', vm, '-p', '22', '-d', '1h', '--source', '198.51.100.12', '--', 'sleep', '30'],
      { env: { ...c.cloud.env(dir), NODE_OPTIONS: `--import=${NET_GUARD}` }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(await waitFor(async () => (await sources(vm)).length === 1, 40_000)).toBeDefined();
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(await sources(vm)).toEqual([]);
  }, WAITS_TIMEOUT_MS);

  it.concurrent('`jit ssh` connects to the public address with the user and extra arguments, then revokes', async (test) => {
    const dir = newDir(test);
    const vm = await enabled(dir);
    const bin = path.join(dir, 'bin');
    const record = path.join(dir, 'ssh-args.txt');
    execFileSync('mkdir', ['-p', bin]);
    // A stand-in for ssh: records its arguments and exits 3, as a failed remote command would.
    writeFileSync(path.join(bin, 'ssh'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${record}'\nexit 3\n`);
    chmodSync(path.join(bin, 'ssh'), 0o755);
    const env = c.cloud.env(dir);
    const result = await runBin(['ssh', vm, '--user', 'azureuser', '--source', '198.51.100.13', '--', '-i', 'key'], {
      env: { ...env, PATH: `${bin}:${env.PATH}` },
    });
    expect(result.code, result.stderr).toBe(3);
    expect(readFileSync(record, 'utf8').trim().split('\n')).toEqual(['-l', 'azureuser', '-i', 'key', await c.cloud.publicAddress(vm)]);
    expect(result.stderr).toMatch(/Revoked grant/);
    expect(await sources(vm)).toEqual([]);
  }, WAITS_TIMEOUT_MS);
}

function sweep(c: CloudUnderTest): void {
  const { newDir, sources, enabled } = c;
  it('sweeps expired rules from a machine with no ledger, leaving unexpired grants and user rules alone', async (test) => {
    const dir = newDir(test);
    const vm = await enabled(dir);
    const userRules = await c.cloud.userRules(vm);
    // In this process, as the sweeps: what is tested is what sweep finds, not the bundle.
    await c.cloud.jitInProcess(dir, ['request', vm, '-p', '22', '-d', '1h', '--source', '198.51.100.10', '--json']);
    const short = await c.cloud.jitInProcess(dir, ['request', vm, '-p', '22', '-d', '6s', '--source', '198.51.100.9', '--json']);
    const shortExpiry = Date.parse(JSON.parse(short.stdout).grant.expiresAt);
    // Two requests in quick succession can each start a scheduler before either holds the lock;
    // the one that loses exits. Kill the winner only once it is the only one, or the other would
    // take over and remove the rule this test needs overdue.
    await waitFor(async () => schedulerRunning(dir), 10_000, 50);
    process.kill(schedulerPid(dir)!, 'SIGKILL');
    await waitFor(async () => Date.now() > shortExpiry + 500, 60_000);
    const elsewhere = newDir(test);
    // Sweep covers the whole subscription / region; this test looks at its own VM's grants.
    type Listed = { source: string; target: { name: string } };
    const onVm = (grants: Listed[]) => grants.filter((g) => g.target.name === vm).map((g) => g.source);
    const dry = await c.cloud.jitInProcess(elsewhere, ['sweep', '--dry-run', '--json']);
    expect(onVm(JSON.parse(dry.stdout).removed)).toEqual(['198.51.100.9/32']);
    expect(await sources(vm)).toEqual(['198.51.100.10/32', '198.51.100.9/32']);
    const swept = await c.cloud.jitInProcess(elsewhere, ['sweep', '--json']);
    expect(swept.code, swept.stderr).toBe(0);
    const body = JSON.parse(swept.stdout);
    expect(onVm(body.removed)).toEqual(['198.51.100.9/32']);
    expect(onVm(body.kept)).toEqual(['198.51.100.10/32']);
    expect(await sources(vm)).toEqual(['198.51.100.10/32']);
    expect(await c.cloud.userRules(vm)).toEqual(userRules);
  }, WAITS_TIMEOUT_MS);
}
