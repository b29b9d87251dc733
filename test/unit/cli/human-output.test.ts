/**
 * Human output that scans (docs/cli.md, "Output"): `status` as a table grouped per VM, local times
 * with a relative form (TZ and the clock fixed, so the text is the same everywhere), short targets
 * and requesters (the full forms with --verbose), every line within 80 columns, and --quiet.
 */
import { stripVTControlCharacters } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { shortRequester, shortTarget } from '../../../src/cli/render/names.js';
import { localTimes, spanText } from '../../../src/cli/render/time.js';
import { fitLines, truncate, visibleWidth } from '../../../src/cli/render/width.js';
import { buildPolicy } from '../../../src/core/policy.js';
import { type CliWorld, cliWorld } from '../../support/cli-world.js';

const ssh = [{ from: 22, to: 22, protocol: 'tcp' as const }];
const SUB = '00000000-0000-0000-0000-000000000001';
const ARM = `/subscriptions/${SUB}/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines`;

describe('short names', () => {
  it.each([
    ['arn:aws:sts::123456789012:assumed-role/Ops/alice', 'alice'],
    ['arn:aws:sts::123456789012:assumed-role/Ops/alice@example.com', 'alice@example.com'],
    ['arn:aws:iam::123456789012:user/bob', 'bob'],
    ['arn:aws:iam::123456789012:user/team/eng/bob', 'bob'],
    ['arn:aws-cn:iam::123456789012:user/carol', 'carol'],
    ['arn:aws:iam::123456789012:root', 'arn:aws:iam::123456789012:root'],
    ['alice@example.com', 'alice@example.com'],
    ['11111111-2222-3333-4444-555555555555', '11111111-2222-3333-4444-555555555555'],
  ])('requester %s → %s', (requester, short) => {
    expect(shortRequester(requester)).toBe(short);
  });

  it.each([
    [{ id: `${ARM}/vm01`, name: 'vm01' }, {}, 'rg-web/vm01'],
    [{ id: `${ARM}/vm01`, name: 'vm01' }, { 'resource-group': 'RG-Web' }, 'RG-Web/vm01'],
    [{ id: 'i-0123456789abcdef0', name: 'web' }, { region: 'eu-west-1' }, 'web (i-0123456789abcdef0)'],
    [{ id: 'i-0123456789abcdef0', name: 'i-0123456789abcdef0' }, {}, 'i-0123456789abcdef0'],
  ])('target %j in %j → %s', (target, scope, short) => {
    expect(shortTarget(target, scope)).toBe(short);
  });
});

describe('local times', () => {
  const now = new Date('2030-01-01T12:00:00Z');
  it.each([
    ['UTC', '2030-01-01T12:59:00Z', '12:59 (in 59 min)'],
    ['Asia/Kolkata', '2030-01-01T12:59:00Z', '18:29 (in 59 min)'],
    ['Asia/Kolkata', '2030-01-01T11:57:00Z', '17:27 (expired 3 min ago)'],
    ['UTC', '2030-01-01T14:05:00Z', '14:05 (in 2 h 5 min)'],
    ['UTC', '2030-01-02T15:00:00Z', '2 Jan 15:00 (in 1 d 3 h)'],
    ['UTC', '2030-01-02T09:20:00Z', '2 Jan 09:20 (in 21 h)'],
    ['UTC', '2029-12-31T23:00:00Z', '31 Dec 2029 23:00 (expired 13 h ago)'],
    ['America/New_York', '2030-01-01T12:30:45Z', '07:30 (in 30 min)'],
  ])('TZ=%s: %s is %s', (tz, iso, text) => {
    expect(localTimes({ TZ: tz }, now).at(iso)).toBe(text);
  });

  it('spans: seconds, minutes, hours and days, rounded down', () => {
    expect([45, 59 * 60 + 11, 3600, 3 * 3600 + 60, 12 * 3600 + 60, 86400 + 3600].map(spanText))
      .toEqual(['45 s', '59 min', '1 h', '3 h 1 min', '12 h', '1 d 1 h']);
  });
});

describe('fitting lines', () => {
  it('cuts by visible width, keeping colour codes and wide characters whole', () => {
    expect(truncate('abcdefghij', 5)).toBe('abcd…');
    expect(truncate('\u001b[1mabcdefghij\u001b[22m', 5)).toBe('\u001b[1mabcd\u001b[0m…');
    expect(visibleWidth(truncate('日本語のVM名前', 7))).toBeLessThanOrEqual(7);
  });

  it('wraps a long line at a space, indented under it, losing nothing', () => {
    const line = `  policy  ${'word '.repeat(30).trim()}`;
    const wrapped = fitLines(line, 40).split('\n');
    expect(wrapped.every((l) => visibleWidth(l) <= 40)).toBe(true);
    expect(wrapped.slice(1).every((l) => l.startsWith('    '))).toBe(true);
    expect(wrapped.map((l) => l.trim()).join(' ')).toBe(line.trim());
  });
});

describe('commands at 80 columns', () => {
  let world: CliWorld;
  const long = 'vm-with-a-really-quite-long-name-for-the-payments-team-eu-01';
  beforeEach(() => {
    world = cliWorld({ env: { JIT_CLOUD: 'azure', TZ: 'Asia/Kolkata' } });
    for (const name of ['vm01', long]) {
      world.provider.addVm(name, buildPolicy({ ports: [...ssh, { from: 3389, to: 3389, protocol: 'tcp' }, { from: 8000, to: 8100, protocol: 'tcp' }], requireJustification: true }));
      const target = world.provider.targets.get(name)!;
      target.id = `${ARM.replace('rg-web', 'rg-payments-production-westeurope')}/${name}`;
      target.scope = { subscription: SUB, 'resource-group': 'rg-payments-production-westeurope' };
      world.provider.openToInternet(name, 22);
    }
    world.provider.identity = 'arn:aws:sts::123456789012:assumed-role/PaymentsOperatorsWithALongRoleName/alice.longname@example.com';
  });
  afterEach(() => world.cleanup());

  const widest = (text: string) => Math.max(...stripVTControlCharacters(text).split('\n').map(visibleWidth));

  it('status, list, scan, request, revoke and sweep keep every line within 80 columns, coloured or not', async () => {
    const granted = await world.jit(['request', long, '--justification', 'INC-1', '--source', '81.2.69.0/24', '-d', '2h']);
    expect(granted.code, granted.stderr).toBe(0);
    world.provider.rules.push({
      grantId: 'bbbbbbbb',
      target: long,
      source: '2001:db8:ffff:ffff:ffff:ffff:ffff:0/112',
      ports: [{ from: 8000, to: 8100, protocol: 'tcp' }],
      expiresAt: new Date(world.now.getTime() - 180_000).toISOString(),
      requester: 'arn:aws:iam::123456789012:user/some/very/deep/path/bob.with.a.long.name',
    });
    const outputs: [string, string][] = [['request', granted.stdout]];
    for (const argv of [['status'], ['status', long], ['list'], ['scan'], ['sweep', '--dry-run'], ['revoke', long, '--all', '--yes']]) {
      for (const color of [{}, { FORCE_COLOR: '1' }] as Record<string, string>[]) {
        const result = await world.jit(argv, { env: color });
        expect(result.code, `${argv.join(' ')}: ${result.stderr}`).toBe(0);
        outputs.push([argv.join(' '), result.stdout]);
      }
    }
    for (const [what, text] of outputs) expect(widest(text), `${what}:\n${text}`).toBeLessThanOrEqual(80);
    // Not vacuous: the long values are there, cut or wrapped, and the lines come close to the edge.
    expect(Math.max(...outputs.map(([, text]) => widest(text)))).toBeGreaterThan(70);
    expect(outputs.find(([what]) => what === 'status')![1]).toContain('rg-payments-production-westeurope/vm-with-a-really');
  });

  it('status: a heading per VM, a table with headers, local time with the time left, the short requester', async () => {
    world.provider.identity = 'arn:aws:sts::123456789012:assumed-role/Ops/alice';
    const granted = await world.jit(['request', 'vm01', '--justification', 'INC-1', '-d', '59m', '--json']);
    expect(granted.code, granted.stderr).toBe(0);
    const id = granted.json.grant!.grantId;
    world.advance(60);
    const status = await world.jit(['status']);
    expect(status.stdout).toBe(
      'rg-payments-production-westeurope/vm01\n' +
      '  GRANT     PORTS                  SOURCE         REQUESTER  EXPIRES\n' +
      `  ${id}  22,3389,8000-8100/tcp  81.2.69.77/32  alice      18:29 (in 58 min)\n`,
    );
    // --verbose: the full id under the heading and the whole ARN, nothing cut; long lines wrap.
    const verbose = await world.jit(['status', '--verbose']);
    expect(widest(verbose.stdout)).toBeLessThanOrEqual(80);
    expect(verbose.stdout).not.toContain('…');
    const joined = verbose.stdout.replace(/\n {4}/g, '');
    expect(joined).toContain(`\n  ${ARM.replace('rg-web', 'rg-payments-production-westeurope')}/vm01\n`);
    expect(joined).toContain('arn:aws:sts::123456789012:assumed-role/Ops/alice');
    // JSON keeps UTC and the whole requester.
    const json = await world.jit(['status', '--json']);
    expect(json.json.grants).toMatchObject([{ expiresAt: '2030-01-01T12:59:00Z', requester: 'arn:aws:sts::123456789012:assumed-role/Ops/alice' }]);
  });
});

describe('--quiet', () => {
  let world: CliWorld;
  beforeEach(() => {
    world = cliWorld();
    world.provider.addVm('vm01', buildPolicy({ ports: ssh }));
    world.provider.addVm('vm02');
    world.provider.openToInternet('vm02', 22);
  });
  afterEach(() => world.cleanup());

  it('request prints the grant id alone; status and list the names or ids; revoke the ids; enable and disable nothing', async () => {
    const requested = await world.jit(['request', 'vm01', '-d', '30m', '-q'], { env: { CI: 'true' } });
    expect(requested.code, requested.stderr).toBe(0);
    expect(requested.stdout).toMatch(/^[0-9a-z]{8}\n$/);
    // No notes (the CI note is said without --quiet), no advice.
    expect(requested.stderr).toBe('');
    const id = requested.stdout.trim();
    expect(world.provider.rules.map((r) => r.grantId)).toEqual([id]);
    expect((await world.jit(['status', '--quiet'])).stdout).toBe('vm01\n');
    expect((await world.jit(['status', 'vm01', '--quiet'])).stdout).toBe(`${id}\n`);
    expect((await world.jit(['list', '--quiet'])).stdout).toBe('vm01\n');
    expect((await world.jit(['scan', '--quiet'])).stdout).toBe('vm02\n');
    const enabled = await world.jit(['enable', 'vm02', '--quiet']);
    expect([enabled.code, enabled.stdout]).toEqual([0, '']);
    expect(world.provider.targets.get('vm02')!.policyTag).toBe('v1;p=22/tcp;d=3h');
    const revoked = await world.jit(['revoke', id, '-q']);
    expect([revoked.code, revoked.stdout]).toEqual([0, `${id}\n`]);
    expect(world.provider.rules).toEqual([]);
    const disabled = await world.jit(['disable', 'vm02', '--yes', '--quiet']);
    expect([disabled.code, disabled.stdout, disabled.stderr]).toEqual([0, '', '']);
    expect(world.provider.targets.get('vm02')!.policyTag).toBeUndefined();
  });

  it('errors still reach stderr with their exit code; with --json, JSON wins', async () => {
    const refused = await world.jit(['request', 'vm01', '-d', '99h', '--quiet']);
    expect([refused.code, refused.stdout]).toEqual([2, '']);
    expect(refused.stderr).toMatch(/^error: --duration/);
    const both = await world.jit(['request', 'vm01', '-d', '30m', '--quiet', '--json']);
    expect(both.code, both.stderr).toBe(0);
    expect(both.json).toMatchObject({ schemaVersion: 2, outcome: 'created', grant: { grantId: expect.any(String) } });
  });

  it('no spinner at a terminal', async () => {
    const result = await world.jit(['status', 'vm01', '--quiet'], { tty: { stderr: true, stdin: true } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
  });
});
