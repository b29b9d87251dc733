/**
 * In-process tests of the commands that work without a cloud provider (config, completion, ip), and
 * of every command's help.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, COMMANDS, runCli, tempConfigDir } from '../../support/cli.js';
import { LocalHttp } from '../../support/local-http.js';

const { dir, cleanup } = tempConfigDir();
afterAll(cleanup);

describe('jit config', () => {
  it('sets, gets, lists with sources, and unsets', async () => {
    const env = baseEnv(dir);
    expect((await runCli(['config', 'set', 'region', 'EU-West-1'], { env })).stdout).toBe(
      'region = eu-west-1\n',
    );
    expect((await runCli(['config', 'get', 'region'], { env })).stdout).toBe('eu-west-1\n');
    const listed = await runCli(['config', 'list', '--json', '--profile', 'ops'], {
      env: baseEnv(dir, { JIT_DURATION: '20m' }),
    });
    const { settings, path } = JSON.parse(listed.stdout);
    expect(path).toBe(`${dir}/config.json`);
    expect(settings).toEqual(
      expect.arrayContaining([
        { key: 'region', value: 'eu-west-1', source: 'config' },
        { key: 'duration', value: '20m', source: 'env' },
        { key: 'profile', value: 'ops', source: 'flag' },
        { key: 'azure-cloud', value: 'AzurePublicCloud', source: 'default' },
      ]),
    );
    expect((await runCli(['config', 'unset', 'region'], { env })).code).toBe(0);
    const gone = await runCli(['config', 'get', 'region', '--json'], { env });
    expect(JSON.parse(gone.stdout)).toEqual({ schemaVersion: 2, key: 'region', value: null, warnings: [], notes: [] });
  });

  it('lets the environment override the file and a flag override both', async () => {
    const env = baseEnv(dir, { AWS_REGION: 'us-east-2' });
    await runCli(['config', 'set', 'region', 'eu-west-1'], { env });
    const rows = async (argv: string[]) =>
      JSON.parse((await runCli(['config', 'list', '--json', ...argv], { env })).stdout).settings;
    expect(await rows([])).toContainEqual({ key: 'region', value: 'us-east-2', source: 'env' });
    expect(await rows(['--region', 'ap-south-1'])).toContainEqual({
      key: 'region',
      value: 'ap-south-1',
      source: 'flag',
    });
  });
});

describe('jit completion', () => {
  it('completes commands and flags in bash', async () => {
    const script = (await runCli(['completion', 'bash'], { env: baseEnv(dir) })).stdout;
    const complete = (words: string) =>
      execFileSync(
        'bash',
        [
          '-c',
          `${script}\nCOMP_WORDS=(${words}); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); _jit_complete; echo "\${COMPREPLY[*]}"`,
        ],
        { encoding: 'utf8' },
      ).trim();
    expect(complete('jit req')).toBe('request');
    expect(complete('jit request --dur')).toBe('--duration');
    expect(complete('jit config s')).toBe('set');
    expect(complete('jit sweep --dry')).toBe('--dry-run');
  });

  it.each([
    ['zsh', /#compdef jit jit-access[\s\S]*'request:open access[\s\S]*request\) .*compadd -- .*--duration/],
    [
      'fish',
      /complete -c jit -n '__fish_use_subcommand' -a request[\s\S]*__fish_seen_subcommand_from ssh' -l user/,
    ],
  ])('prints a %s script listing every command and its flags', async (shell, shape) => {
    const result = await runCli(['completion', shell], { env: baseEnv(dir) });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(shape);
    for (const command of COMMANDS) expect(result.stdout).toContain(command);
  });
});

describe('jit ip', () => {
  const local = new LocalHttp();
  const urls: string[] = [];
  beforeAll(async () => {
    // The liar answers at once and the others after it, so the liar is heard before two agree.
    urls.push(await local.echo('8.8.4.4\n', 150), await local.echo('ip=8.8.4.4\nts=1\n', 150), await local.echo('1.0.0.1'));
  });
  afterAll(() => local.closeAll());

  it('prints the address two services agreed on, and warns about the one that lied', async () => {
    const result = await runCli(['ip'], { env: baseEnv(dir, { JIT_IP_URLS: urls.join(',') }) });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^IPv4 {2}8\.8\.4\.4 {2}\(agreed by 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+\)\nIPv6 {2}not detected\n$/,
    );
    expect(result.stderr).toMatch(/warning: IPv4: services disagreed: .*said 1\.0\.0\.1/);
  });

  it('--json lists every answer', async () => {
    const result = await runCli(['ip', '--json'], {
      env: baseEnv(dir, { JIT_IP_URLS: urls.slice(0, 2).join(',') }),
    });
    const body = JSON.parse(result.stdout);
    expect(body).toMatchObject({
      source: 'detected',
      v4: { address: '8.8.4.4', prefix: '8.8.4.4/32', agreement: 'agreed' },
      v6: null,
    });
    expect(body.v4.services).toEqual(urls.slice(0, 2));
    expect(body.answers.filter((a: { family: number }) => a.family === 4)).toHaveLength(2);
  });

  it('--source skips detection', async () => {
    const result = await runCli(['ip', '--source', '2001:DB8::7', '--json'], {
      env: baseEnv(dir, { JIT_IP_URLS: 'http://127.0.0.1:9/' }),
    });
    expect(JSON.parse(result.stdout)).toEqual({
      schemaVersion: 2,
      source: 'flag',
      v4: null,
      v6: { address: '2001:db8::7', prefix: '2001:db8::7/128', agreement: 'given', services: [] },
      answers: [],
      warnings: [],
      notes: [],
    });
  });
});

describe('help', () => {
  it.each(COMMANDS)('`jit %s --help` shows an example, exit 0', async (command) => {
    const result = await runCli([command, '--help'], { env: baseEnv(dir) });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: jit ${command} `));
    expect(result.stdout).toMatch(/Examples?:\n {2}\$ /);
  });
});

describe('jit ip against services that fail', () => {
  const local = new LocalHttp();
  afterAll(() => local.closeAll());

  it('fails with JIT_IP_NOT_DETECTED (exit 1), naming what each service said', async () => {
    const urls = [
      await local.serve((_q, s) => s.writeHead(500).end()),
      await local.serve((_q, s) => s.end('<html>hello</html>')),
      await local.serve((_q, s) => s.end('10.0.0.1')),
    ];
    const result = await runCli(['ip'], { env: baseEnv(dir, { JIT_IP_URLS: urls.join(',') }) });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: /);
    expect(result.stderr).toMatch(/HTTP 500/);
    expect(result.stderr).toMatch(/10\.0\.0\.1 \(private\)/);
    expect(result.stderr).toMatch(/hint: Pass --source/);
  });
});
