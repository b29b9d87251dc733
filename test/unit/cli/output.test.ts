/** The one output policy: streams, colour, prompts, --json, --verbose (SPEC §3). */
import { afterAll, describe, expect, it } from 'vitest';
import { baseEnv, runCli, tempConfigDir } from '../../support/cli.js';

const { dir, cleanup } = tempConfigDir();
afterAll(cleanup);
const ESC = '\u001b[';
// A failure that needs no cloud: IP detection against a closed loopback port.
const failing = ['ip'];
const failingEnv = (extra: Record<string, string> = {}) => baseEnv(dir, { JIT_IP_URLS: 'http://127.0.0.1:1/', ...extra });

describe('output policy', () => {
  it('colours results only on a TTY outside CI, and honours NO_COLOR and --no-color', async () => {
    const tty = { stdoutTTY: true, stderrTTY: true };
    expect(
      (await runCli(['config', 'set', 'cloud', 'azure'], { env: baseEnv(dir), ...tty })).stdout,
    ).toContain(ESC);
    const plain = [
      await runCli(['config', 'set', 'cloud', 'azure'], { env: baseEnv(dir) }),
      await runCli(['config', 'set', 'cloud', 'azure'], { env: baseEnv(dir, { NO_COLOR: '1' }), ...tty }),
      await runCli(['config', 'set', 'cloud', 'azure', '--no-color'], { env: baseEnv(dir), ...tty }),
      await runCli(['config', 'set', 'cloud', 'azure'], { env: baseEnv(dir, { CI: 'true' }), ...tty }),
    ];
    for (const result of plain) {
      expect(result.code).toBe(0);
      expect(result.stdout).toBe('cloud = azure\n');
    }
  });

  it('colours errors on a TTY stderr only', async () => {
    const tty = await runCli(failing, { env: failingEnv(), stderrTTY: true });
    expect(tty.stderr).toContain(ESC);
    const piped = await runCli(failing, { env: failingEnv() });
    expect(piped.stderr).not.toContain(ESC);
    expect(piped.stderr).toMatch(/^error: Could not detect your public IP address/);
  });

  it('puts results on stdout and nothing else there', async () => {
    const result = await runCli(failing, { env: failingEnv() });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
  });

  it('prints exactly one JSON document on stdout for success and failure', async () => {
    const ok = await runCli(['config', 'set', 'duration', 'PT90M', '--json'], { env: baseEnv(dir) });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ key: 'duration', value: '1h30m' });
    expect(ok.stderr).toBe('');
    const failed = await runCli([...failing, '--json'], { env: failingEnv(), stderrTTY: true });
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({
      error: {
        code: 'JIT_IP_NOT_DETECTED',
        message: expect.stringMatching(/^Could not detect your public IP address \(127\.0\.0\.1:1 over IPv4: /),
        hint: 'Pass --source <your IP> or set JIT_IP_URLS',
        details: { answers: [{ url: 'http://127.0.0.1:1/', family: 4 }] },
      },
    });
    expect(failed.stderr).toBe('');
  });

  it('never prompts without a TTY, in CI, with --no-input or with --json', async () => {
    const cases = [
      { argv: ['request', '--cloud', 'azure'], stdinTTY: false, env: {} as Record<string, string> },
      { argv: ['request', '--cloud', 'azure'], stdinTTY: true, env: { CI: 'true' } },
      { argv: ['request', '--cloud', 'azure', '--no-input'], stdinTTY: true, env: {} },
      { argv: ['request', '--cloud', 'azure', '--json'], stdinTTY: true, env: {} },
    ];
    for (const c of cases) {
      const result = await runCli(c.argv, { env: baseEnv(dir, c.env), stdinTTY: c.stdinTTY });
      expect(result.code).toBe(2);
      expect(result.stdout + result.stderr).toMatch(/Missing <vm>/);
    }
  });

  it('adds the stack trace with --verbose only', async () => {
    expect((await runCli(failing, { env: failingEnv() })).stderr).not.toMatch(/\n\s+at /);
    expect((await runCli([...failing, '--verbose'], { env: failingEnv() })).stderr).toMatch(/\n\s+at .*ip-evidence/);
  });

  it('exits 0 with help on stdout, and 2 with help on stderr for a bare `jit`', async () => {
    const help = await runCli(['request', '--help'], { env: baseEnv(dir) });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: jit request/);
    expect(help.stdout).toMatch(/Example/);
    expect(help.stdout).toMatch(/Global Options:[\s\S]*--json/);
    const bare = await runCli([], { env: baseEnv(dir) });
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toMatch(/Usage: jit/);
  });
});
