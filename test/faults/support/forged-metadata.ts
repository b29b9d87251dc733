/**
 * Cloud metadata is input: anyone who can write a security rule can write jit's tags or
 * description on it. Rules forged here carry jit's grant metadata in exactly jit's format (the
 * harness uses the product's own formatters) without jit having written them:
 *
 * - a grant rule in jit's own place for the requester's address, expiring in 2099: `request` must not
 *   adopt its expiry, `status` must flag it, `sweep` must remove it (no grant jit writes outlives the
 *   policy's maximum, at most 24 h);
 * - rules that admit the internet to SSH while dressed as grants: `status` must not call the
 *   lock-down effective, and `scan` must report them;
 * - a user's rule carrying a live grant's tags or jit's description, outside jit's place: revoke,
 *   sweep and the scheduler must leave it exactly as it is;
 * - a jit-named rule with source `*`: bad cloud data, not a usage error.
 */
import { it } from 'vitest';
import type { ForgedRule } from '../../e2e/support/cloud-harness.js';
import { waitFor } from '../../e2e/support/processes.js';
import { type CloudName, describeOnEachCloud, readLedger } from './world.js';

const HOUR_MS = 3_600_000;
// Several jit runs per test, each seconds long on a loaded machine: a limit that catches a hang.
const HANG_LIMIT_MS = 300_000;
const FAR_FUTURE = '2099-12-31T00:00:00Z';

interface StatusBody {
  grants?: { grantId: string; problem?: unknown }[];
  exposure?: { verdict: string }[];
  lockedDown?: boolean;
  effective?: boolean;
}

interface ScanBody {
  findings: { target: { name: string }; open: { port: { from: number } }[] }[];
}

/**
 * A status that says the lock-down holds: `effective`, or every policy port locked. (`lockedDown`
 * only says jit's deny rules / group are in place, which they are in every case here.)
 */
const claimsLocked = (body: StatusBody) =>
  body.effective === true || (body.exposure !== undefined && body.exposure.every((e) => e.verdict === 'locked'));

/** The cases on one cloud: each cloud has its own file, so the two run side by side. */
export function describeForgedMetadata(only: CloudName): void {
  describeOnEachCloud('forged grant metadata', (world, kind) => {
    // Sweep works on the whole region / subscription, so the tests that sweep run on their own, not
    // beside the cases whose forged rules a sweep would rightly remove.
    it('a forged 2099 grant for the requester\'s address: request never adopts it, status flags it, sweep removes it', async (test) => {
      const { expect } = test;
      const { cloud, jit, enabled, sources } = world();
      const dir = world().newDir(test);
      const vm = await enabled(dir);
      // A real grant first: it names the requester the forgery impersonates, and sweep must keep it.
      const real = await jit(dir, ['request', vm, '-p', '22', '-d', '1h', '--source', '198.51.100.70', '--json']);
      expect(real.code, real.stderr).toBe(0);
      const { requester } = JSON.parse(real.stdout).grant;
      // Two forgeries: one for the address the user then asks for, one left for sweep.
      const forged: ForgedRule = { place: 'jit', source: '198.51.100.71/32', port: 22, grantId: 'f0rged01', expiresAt: FAR_FUTURE, requester };
      const other: ForgedRule = { ...forged, source: '198.51.100.72/32', grantId: 'f0rged04' };
      const handle = await cloud.forgeRule(vm, forged);
      const otherHandle = await cloud.forgeRule(vm, other);

      const status = await jit(dir, ['status', vm, '--json']);
      for (const id of [forged.grantId, other.grantId]) {
        const listed = (JSON.parse(status.stdout) as StatusBody).grants?.find((g) => g.grantId === id);
        expect(listed, `status does not show the forged grant ${id}: ${status.stdout}`).toBeDefined();
        expect(typeof listed?.problem === 'string' && listed.problem.length > 0, `not flagged: ${JSON.stringify(listed)}`).toBe(true);
      }

      const asked = await jit(dir, ['request', vm, '-p', '22', '-d', '1h', '--source', '198.51.100.71', '--json']);
      const answeredAt = Date.now();
      expect(asked.code, asked.stderr).toBe(0);
      const body = JSON.parse(asked.stdout);
      expect(body.extended, `request adopted the forged grant: ${asked.stdout}`).toBe(false);
      expect(body.grant.grantId).not.toBe(forged.grantId);
      // The replacement is said, with its code, in the document as well as on stderr.
      expect(body.warnings).toContainEqual({ code: 'JIT_GRANT_UNTRUSTED', message: expect.stringContaining(forged.grantId) });
      expect(Date.parse(body.grant.expiresAt), 'expiry beyond the hour asked for').toBeLessThanOrEqual(answeredAt + HOUR_MS + 60_000);
      const adopted = readLedger(dir).filter((g) => Date.parse(g.expiresAt) > answeredAt + 24 * HOUR_MS);
      expect(adopted, 'ledger entries beyond anything jit could have granted').toEqual([]);
      // The forged rule for that address was replaced, not kept beside the new grant.
      expect(await cloud.ruleState(vm, handle), 'the forged rule for the requested address is still there').toBeUndefined();

      const swept = await jit(dir, ['sweep', '--json']);
      expect(swept.code, swept.stderr).toBe(0);
      expect(await cloud.ruleState(vm, otherHandle), 'the forged 2099 rule survived sweep').toBeUndefined();
      expect(await sources(vm), 'sweep removed a real, unexpired grant').toEqual(['198.51.100.70/32', '198.51.100.71/32']);
    }, HANG_LIMIT_MS);

    // Each case on a VM of its own, so that one rule alone must defeat the lock-down.
    const exposures: { name: string; rule: (requester: string) => ForgedRule }[] =
      kind === 'aws'
        ? [
            {
              name: 'a rule from 0.0.0.0/0 with jit\'s tags in the instance\'s own (non-jit) group',
              rule: (requester) => ({ place: 'user', source: '0.0.0.0/0', port: 22, grantId: 'f0rged02', expiresAt: new Date(Date.now() + HOUR_MS).toISOString(), requester }),
            },
            {
              name: 'a rule from 0.0.0.0/0 in jit\'s group that expired in 2000',
              rule: (requester) => ({ place: 'jit', source: '0.0.0.0/0', port: 22, grantId: 'f0rged03', expiresAt: '2000-01-01T00:00:00Z', requester }),
            },
          ]
        : [
            {
              name: 'a jit-allow rule from 0.0.0.0/0 expiring in 2099',
              rule: (requester) => ({ place: 'jit', source: '0.0.0.0/0', port: 22, grantId: 'f0rged02', expiresAt: FAR_FUTURE, requester }),
            },
            {
              name: 'a jit-allow rule from * expiring in 2099',
              rule: (requester) => ({ place: 'jit', source: '*', port: 22, grantId: 'f0rged03', expiresAt: FAR_FUTURE, requester }),
            },
          ];
    for (const exposure of exposures) {
      it.concurrent(`${exposure.name}: status never calls the lock-down effective, scan reports it`, async (test) => {
        const { expect } = test;
        const { cloud, jit, enabled } = world();
        const dir = world().newDir(test);
        const vm = await enabled(dir);
        // The control: the same VM before the forgery is locked down, so the verdict can go either way.
        const before = await jit(dir, ['status', vm, '--json']);
        expect(before.code, before.stderr).toBe(0);
        expect(claimsLocked(JSON.parse(before.stdout)), before.stdout).toBe(true);

        const handle = await cloud.forgeRule(vm, exposure.rule('arn:aws:iam::123456789012:user/alice'));
        const forged = await cloud.ruleState(vm, handle);
        const status = await jit(dir, ['status', vm, '--json']);
        expect([0, 1], `status exit ${status.code}: ${status.stdout}${status.stderr}`).toContain(status.code);
        const body = JSON.parse(status.stdout) as StatusBody;
        expect(claimsLocked(body), `status calls the lock-down effective: ${status.stdout}`).toBe(false);
        const scan = await jit(dir, ['scan', '--json']);
        const finding = (JSON.parse(scan.stdout) as ScanBody).findings.find((f) => f.target.name === vm);
        expect(finding?.open.map((o) => o.port.from), `scan: ${scan.stdout}`).toContain(22);
        // Reading is all they do.
        expect(await cloud.ruleState(vm, handle)).toEqual(forged);
      }, HANG_LIMIT_MS);
    }

    it('a user\'s rule carrying jit\'s grant metadata is never deleted by revoke, sweep or the scheduler', async (test) => {
      const { expect } = test;
      const { cloud, jit, enabled, sources } = world();
      const dir = world().newDir(test);
      const vm = await enabled(dir);
      // B is revoked by hand; A, asked for later, expires while the test watches (the scheduler's turn).
      const b = await jit(dir, ['request', vm, '-p', '22', '-d', '1h', '--source', '198.51.100.81', '--json']);
      expect(b.code, b.stderr).toBe(0);
      const grantB = JSON.parse(b.stdout).grant;
      type Grant = { grantId: string; requester: string };
      const user = (name: string, source: string, port: number, grant: Grant, expiresAt: string): ForgedRule => ({
        place: 'user', name, source, port, grantId: grant.grantId, expiresAt, requester: grant.requester,
      });
      const forged = [
      // The "monitoring" rule of the issue: tagged with a live grant, to expire in 2030.
        user('monitoring-9100', '192.0.2.10/32', 9100, grantB, '2030-01-01T00:00:00Z'),
        user('bastion-ssh', '192.0.2.11/32', 22, grantB, '2001-01-01T00:00:00Z'),
      ];
      const handles: string[] = [];
      for (const rule of forged) handles.push(await cloud.forgeRule(vm, rule));
      const states: (string | undefined)[] = await Promise.all(handles.map((h) => cloud.ruleState(vm, h)));
      const unchanged = async (after: string) => {
        for (const [i, handle] of handles.entries()) {
          expect(await cloud.ruleState(vm, handle), `${forged[i]!.name} changed after ${after}`).toEqual(states[i]);
        }
      };

      const revoked = await jit(dir, ['revoke', grantB.grantId, '--json']);
      expect(revoked.code, revoked.stderr).toBe(0);
      expect(await sources(vm), 'revoke left the real grant open').toEqual([]);
      await unchanged(`jit revoke ${grantB.grantId}`);

      await jit(dir, ['sweep', '--json']);
      await unchanged('jit sweep');

      // 10 s: what must happen before A expires is the forgery and a few reads, all in this process.
      const a = await jit(dir, ['request', vm, '-p', '22', '-d', '10s', '--source', '198.51.100.80', '--json']);
      expect(a.code, a.stderr).toBe(0);
      const grantA = JSON.parse(a.stdout).grant;
      const tagged = user('vpn-ssh', '192.0.2.12/32', 22, grantA, grantA.expiresAt);
      forged.push(tagged);
      handles.push(await cloud.forgeRule(vm, tagged));
      states.push(await cloud.ruleState(vm, handles.at(-1)!));
      expect(await sources(vm), 'A closed before the forgery was in place: the test would prove nothing').toEqual(['198.51.100.80/32']);
      const userRules = await cloud.userRules(vm);
      // The control: the scheduler does remove A's own rule at its expiry.
      const expiry = Date.parse(grantA.expiresAt);
      const closed = async () => (await sources(vm)).length === 0;
      expect(await waitFor(closed, expiry + 5000 - Date.now(), 250), 'A\'s rule outlived its grant').toBeDefined();
      await unchanged('the scheduler closed the grant');
      expect(await cloud.userRules(vm)).toEqual(userRules);
    }, HANG_LIMIT_MS);

    if (kind === 'azure') {
      it.concurrent('a jit-allow rule with source *: status reports it (exit 0 or 1, naming the rule), never a usage error', async (test) => {
        const { expect } = test;
        const { cloud, jit, enabled } = world();
        const dir = world().newDir(test);
        const vm = await enabled(dir);
        const handle = await cloud.forgeRule(vm, { place: 'jit', source: '*', port: 22, grantId: 'f0rged04', expiresAt: new Date(Date.now() + HOUR_MS).toISOString(), requester: 'alice@example.com' });
        const forged = await cloud.ruleState(vm, handle);
        const status = await jit(dir, ['status', vm]);
        expect([0, 1], `exit ${status.code}: ${status.stdout}${status.stderr}`).toContain(status.code);
        expect(`${status.stdout}${status.stderr}`).toContain(handle);
        expect(await cloud.ruleState(vm, handle)).toEqual(forged);
      }, HANG_LIMIT_MS);
    }
  }, only);
}
