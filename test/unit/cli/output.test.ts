/** The one output policy: streams, colour, prompts, --json, --verbose (docs/cli.md, "Output"). */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Output } from '../../../src/cli/output.js';
import { ProviderError } from '../../../src/core/errors.js';
import { baseEnv, runCli, tempConfigDir } from '../../support/cli.js';
import { LocalHttp } from '../../support/local-http.js';

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
    expect(JSON.parse(ok.stdout)).toEqual({ schemaVersion: 2, key: 'duration', value: '1h30m', warnings: [], notes: [] });
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

describe('warnings and notes reach --json', () => {
  function capture(flags: { json?: boolean } = { json: true }) {
    const streams = { stdout: '', stderr: '' };
    const io = {
      stdout: { write: (s: string) => ((streams.stdout += s), true), isTTY: false },
      stderr: { write: (s: string) => ((streams.stderr += s), true), isTTY: false },
      stdin: { isTTY: false },
      env: {},
    };
    return { io, streams, flags };
  }

  it('a result carries every warning and note said during the run, with its code, and stderr keeps them', async () => {
    const { io, streams, flags } = capture();
    const out = new Output(io, flags);
    out.warn('IPv4: only one service answered (a.example).', 'JIT_IP_SINGLE_SERVICE');
    out.warn({ code: 'JIT_TARGET_NOT_RUNNING', message: 'vm01 is stopped.' });
    out.warn('No code given.');
    out.note('In CI the scheduler ends with the job.');
    const progress = await out.progress();
    progress.warn('No AWS region is set.', 'JIT_AWS_PARTITION_ASSUMED');
    out.result({ applied: true, notes: ['10.8.0.0/16 keeps working.', 'In CI the scheduler ends with the job.'] }, () => 'x', () => []);
    expect(JSON.parse(streams.stdout)).toEqual({
      schemaVersion: 2,
      applied: true,
      warnings: [
        { code: 'JIT_IP_SINGLE_SERVICE', message: 'IPv4: only one service answered (a.example).' },
        { code: 'JIT_TARGET_NOT_RUNNING', message: 'vm01 is stopped.' },
        { code: 'JIT_WARNING', message: 'No code given.' },
        { code: 'JIT_AWS_PARTITION_ASSUMED', message: 'No AWS region is set.' },
      ],
      // The change report's own remark, then the note said with note() (once, with its code).
      notes: [
        { code: 'JIT_PLAN_NOTE', message: '10.8.0.0/16 keeps working.' },
        { code: 'JIT_NOTE', message: 'In CI the scheduler ends with the job.' },
      ],
    });
    expect(streams.stderr.split('\n').filter(Boolean)).toEqual([
      'warning: IPv4: only one service answered (a.example).',
      'warning: vm01 is stopped.',
      'warning: No code given.',
      'note: In CI the scheduler ends with the job.',
      'warning: No AWS region is set.',
    ]);
  });

  it('a failure document carries the warnings said before it, also by another Output of the run', () => {
    const { io, streams, flags } = capture();
    const notices = { warnings: [], notes: [] };
    new Output(io, flags, notices).warn('IPv4: services disagreed.', 'JIT_IP_SERVICES_DISAGREE');
    new Output(io, flags, notices).error(new ProviderError('JIT_IP_NOT_DETECTED', 'Could not detect.'));
    expect(JSON.parse(streams.stdout)).toEqual({
      schemaVersion: 2,
      error: { code: 'JIT_IP_NOT_DETECTED', message: 'Could not detect.', hint: null },
      warnings: [{ code: 'JIT_IP_SERVICES_DISAGREE', message: 'IPv4: services disagreed.' }],
      notes: [],
    });
  });

  it('jit ip --json reports a lone answering service as a coded warning', async () => {
    const local = new LocalHttp();
    try {
      const url = await local.echo('81.2.69.160');
      const result = await runCli(['ip', '--json'], { env: baseEnv(dir, { JIT_IP_URLS: url }) });
      expect(result.code).toBe(0);
      const doc = JSON.parse(result.stdout);
      expect(doc.v4).toMatchObject({ address: '81.2.69.160', agreement: 'single' });
      expect(doc.warnings).toEqual([{ code: 'JIT_IP_SINGLE_SERVICE', message: expect.stringMatching(/^IPv4: only one service answered/) }]);
      expect(result.stderr).toMatch(/^warning: IPv4: only one service answered/m);
    } finally {
      await local.closeAll();
    }
  });

  it("the reaper's warnings reach the document of the command that follows", async () => {
    const own = tempConfigDir();
    try {
      writeFileSync(path.join(own.dir, 'grants.json'), '{ not json', { mode: 0o600 });
      const result = await runCli(['config', 'get', 'region', '--json'], { env: baseEnv(own.dir) });
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout).warnings).toEqual([
        { code: 'JIT_REAP_UNCHECKED', message: expect.stringMatching(/^could not check for overdue grants: The grant ledger/) },
      ]);
      expect(result.stderr).toMatch(/^warning: could not check for overdue grants/m);
    } finally {
      own.cleanup();
    }
  });
});

describe('text from outside jit reaches the terminal harmless', () => {
  const HOSTILE = '\u001b]0;pwned\u0007\u001b[31mred\u009b2J\u202eevil\r\nforged line';
  const SGR = /\u001b\[[0-9;]*m/g;
  const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
  const ESCAPED = '\\x1b]0;pwned\\x07\\x1b[31mred\\x9b2J\\u202eevil\\r\\nforged line';

  it('warnings, notes, progress and errors escape it, and keep their own colours', async () => {
    let stderr = '';
    const out = new Output(
      {
        stdout: { write: () => true, isTTY: false },
        stderr: { write: (s: string) => ((stderr += s), true), isTTY: false },
        stdin: { isTTY: false },
        env: { FORCE_COLOR: '1' },
      },
      { verbose: true },
    );
    out.warn(`VM ${HOSTILE} is stopped`);
    out.info(`Revoked grant on ${HOSTILE}.`);
    const progress = await out.progress();
    progress.step(`Reading ${HOSTILE}'s rules…`);
    out.error(new ProviderError('JIT_POLICY_CORRUPT', `The tag ${HOSTILE} is bad.`, { hint: HOSTILE }));
    expect(stderr).toMatch(SGR);
    const plain = stderr.replace(SGR, '');
    expect(plain).not.toMatch(CONTROL);
    expect(plain).not.toMatch(/^forged line/m);
    expect(plain.split('\n').filter((line) => line.includes(ESCAPED))).toHaveLength(6);
  });

  it('an IP service answering escape sequences is quoted harmlessly (jit ip, text and --json)', async () => {
    const local = new LocalHttp();
    try {
      const url = await local.echo(HOSTILE);
      const env = baseEnv(dir, { JIT_IP_URLS: url });
      const text = await runCli(['ip'], { env });
      expect(text.code).toBe(1);
      expect(text.stderr).not.toMatch(CONTROL);
      expect(text.stderr).not.toMatch(/^forged line/m);
      // src/ip shows an answer's unprintable characters as "?" itself; what matters is that none arrives raw.
      expect(text.stderr).toContain(']0;pwned');
      const json = await runCli(['ip', '--json'], { env });
      expect(json.stdout).not.toMatch(CONTROL);
      expect(JSON.stringify(JSON.parse(json.stdout))).toContain('pwned');
    } finally {
      await local.closeAll();
    }
  });
});
