/**
 * A bad input exits 2 with a message naming the flag and the accepted form, no stack trace, and
 * never reaches the cloud (docs/cli.md, "Exit codes"): MemoryProvider stands in for it, and neither it nor the
 * ledger nor the scheduler sees anything.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { baseEnv, runCli } from '../../support/cli.js';
import { cliWorld } from '../../support/cli-world.js';
import { SSH_POLICY } from '../../support/provider-fixtures.js';

// No default cloud: a VM name alone leaves the cloud unknown.
const world = cliWorld({ env: {} });
const { dir } = world;
afterAll(() => world.cleanup());
// An enabled vm01: an input that slipped through would open or change something there.
world.provider.addVm('vm01', SSH_POLICY);

const az = ['--cloud', 'azure'];

// [argv, what the message must name, the error code]
const table: [string[], RegExp, string][] = [
  [['request', 'vm01', ...az, '--port', '0'], /--port "0".*1-65535/, 'JIT_INVALID_PORT'],
  [['request', 'vm01', ...az, '--port', '70000'], /--port "70000".*1-65535/, 'JIT_INVALID_PORT'],
  [['request', 'vm01', ...az, '--port', 'ssh'], /--port "ssh".*1-65535/, 'JIT_INVALID_PORT'],
  [['enable', 'vm01', ...az, '--port', '22-21'], /--port "22-21".*backwards/, 'JIT_INVALID_PORT'],
  [
    ['enable', 'vm01', ...az, '--protocol', 'icmp'],
    /--protocol "icmp".*tcp, udp or \*/,
    'JIT_INVALID_PROTOCOL',
  ],
  [['request', 'vm01', ...az, '--duration', '0s'], /--duration "0s".*1s to 24h/, 'JIT_INVALID_DURATION'],
  [['request', 'vm01', ...az, '--duration', '25h'], /--duration "25h".*1s to 24h/, 'JIT_INVALID_DURATION'],
  [
    ['request', 'vm01', ...az, '--duration', 'banana'],
    /--duration "banana".*90s, 15m, 3h/,
    'JIT_INVALID_DURATION',
  ],
  [['request', 'vm01', ...az, '--duration', '-1h'], /--duration "-1h".*90s, 15m, 3h/, 'JIT_INVALID_DURATION'],
  [['enable', 'vm01', ...az, '--max-duration', '2d'], /--max-duration "2d".*24h/, 'JIT_INVALID_DURATION'],
  [['ssh', 'vm01', ...az, '-d', 'forever'], /--duration "forever"/, 'JIT_INVALID_DURATION'],
  [
    ['request', 'vm01', ...az, '--source', '10.0.0.300'],
    /--source "10.0.0.300".*IPv4 or IPv6/,
    'JIT_INVALID_PREFIX',
  ],
  [['request', 'vm01', ...az, '--source', '::g'], /--source "::g".*IPv4 or IPv6/, 'JIT_INVALID_PREFIX'],
  [
    ['request', 'vm01', ...az, '--source', '1.2.3.4/33'],
    /--source "1.2.3.4\/33".*\/0 to \/32/,
    'JIT_INVALID_PREFIX',
  ],
  [
    ['enable', 'vm01', ...az, '--allow-source', '10.0.0.5/8'],
    /--allow-source "10.0.0.5\/8".*host bits/,
    'JIT_INVALID_PREFIX',
  ],
  [['ip', '--source', '2001:db8::/129'], /--source "2001:db8::\/129".*\/0 to \/128/, 'JIT_INVALID_PREFIX'],
  [
    ['request', 'vm01', ...az, '--justification', ''],
    /--justification must be one line/,
    'JIT_INVALID_JUSTIFICATION',
  ],
  [['ssh', 'vm01', ...az, '--user', 'root;id'], /--user "root;id".*login name/, 'JIT_INVALID_USER'],
  [['request', 'vm01', '--cloud', 'gcp'], /--cloud "gcp".*azure or aws/, 'JIT_INVALID_CONFIG'],
  [['request', 'vm01', ...az, '--region', 'Mars-1'], /--region "Mars-1"/, 'JIT_INVALID_CONFIG'],
  [
    ['request', 'vm01', ...az, '--subscription', 'not-a-guid'],
    /--subscription "not-a-guid"/,
    'JIT_INVALID_CONFIG',
  ],
  [
    ['request', 'vm01', ...az, '--resource-group', 'rg/evil'],
    /--resource-group "rg\/evil"/,
    'JIT_INVALID_CONFIG',
  ],
  [['request', 'vm01', '--bogus'], /Unknown option '--bogus'/, 'JIT_USAGE'],
  [['reqest', 'vm01'], /Unknown command 'reqest'.*request/s, 'JIT_USAGE'],
  [['frobnicate'], /Unknown command 'frobnicate'/, 'JIT_USAGE'],
  [['request', 'vm01', '--duration'], /'-d, --duration <duration>' argument missing/, 'JIT_USAGE'],
  [['status', 'vm01', 'vm02'], /Too many arguments for 'status'/, 'JIT_USAGE'],
  [['request', '--no-input', ...az], /Missing <vm>: jit request <vm> needs a VM name/, 'JIT_MISSING_TARGET'],
  [['disable', ...az], /Missing <vm>: jit disable <vm>/, 'JIT_MISSING_TARGET'], // stdin is no TTY: no prompt,
  [['revoke'], /Missing <grant-or-vm>.*--all/, 'JIT_MISSING_TARGET'],
  [['request', 'vm01'], /Cannot tell which cloud "vm01" is on/, 'JIT_CLOUD_UNKNOWN'],
  [
    ['request', '/subscriptions/x/vm'],
    /<vm> "\/subscriptions\/x\/vm" is not an Azure VM resource ID/,
    'JIT_INVALID_TARGET',
  ],
  [['request', 'vm 01', ...az], /<vm> "vm 01" is not a VM name/, 'JIT_INVALID_TARGET'],
  [['role'], /`jit role` needs to know the cloud/, 'JIT_CLOUD_UNKNOWN'],
  [['config', 'set', 'duration', 'banana'], /duration "banana"/, 'JIT_INVALID_CONFIG'],
  [['config', 'set', 'colour', 'red'], /colour/, 'JIT_UNKNOWN_CONFIG_KEY'],
  [['completion', 'tcsh'], /<shell> "tcsh".*bash, zsh or fish/, 'JIT_INVALID_SHELL'],
];

describe('bad input exits 2 before any cloud call', () => {
  it('covers at least 25 cases', () => {
    expect(table.length).toBeGreaterThanOrEqual(25);
  });

  it.each(table)('jit %j', async (argv, message, code) => {
    const result = await world.jit(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/^error: /);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(result.stdout).toBe('');
    const json = await world.jit([...argv, '--json']);
    expect(json.code).toBe(2);
    expect(json.json).toMatchObject({
      error: { code, message: expect.stringMatching(message) },
    });
    expect(json.stderr).toBe('');
    expect(world.provider.writes).toEqual([]);
    expect(world.ensured).toBe(0);
    expect(await world.ledger()).toEqual([]);
  });

  it('reports an invalid environment variable by its name', async () => {
    const result = await runCli(['ip'], { env: baseEnv(dir, { JIT_IP_URLS: 'http://example.com/' }) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/JIT_IP_URLS/);
    expect(result.stderr).toMatch(/https/);
  });
});
