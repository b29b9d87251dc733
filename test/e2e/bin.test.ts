/**
 * The built bin/jit.js as a user's shell runs it: help, version, exit codes, --json, start-up weight.
 * Everything a subprocess adds nothing to runs in-process (test/unit/cli).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, baseEnv, COMMANDS, ROOT, runBin, tempConfigDir } from '../support/cli.js';

const { dir, cleanup } = tempConfigDir();
afterAll(cleanup);
const env = baseEnv(dir);
const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;

describe('bin/jit.js', () => {
  it('is the shebang shim the package exposes as jit and jit-access', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.bin).toEqual({ jit: 'bin/jit.js', 'jit-access': 'bin/jit.js' });
    expect(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('--help lists every command with examples, exit 0', async () => {
    const result = await runBin(['--help'], { env });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    for (const command of COMMANDS) expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(result.stdout).toMatch(/Examples:\n {2}\$ jit enable vm01/);
  });

  it('--version prints the package version', async () => {
    const result = await runBin(['--version'], { env });
    expect(result).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('an unknown command exits 2 with a suggestion', async () => {
    const result = await runBin(['stauts'], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: Unknown command 'stauts'/);
    expect(result.stderr).toMatch(/Did you mean status\?/);
    expect(result.stdout).toBe('');
  });

  it('a bad flag exits 2 naming the flag', async () => {
    const result = await runBin(['request', 'vm01', '--cloud', 'azure', '--port', '70000'], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: --port "70000" is not a port 1-65535/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('--json errors have the documented shape, alone on stdout', async () => {
    const result = await runBin(['request', 'vm01', '--cloud', 'azure', '--duration', '25h', '--json'], {
      env,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('');
    const body = JSON.parse(result.stdout);
    expect(Object.keys(body)).toEqual(['schemaVersion', 'error', 'warnings', 'notes']);
    expect(Object.keys(body.error).sort()).toEqual(['code', 'hint', 'message']);
    expect([body.warnings, body.notes]).toEqual([[], []]);
    expect(body.error.code).toBe('JIT_INVALID_DURATION');
  });

  it('an EC2 instance id with no region anywhere exits 2 before any AWS call, naming where to set one', async () => {
    const result = await runBin(['enable', 'i-0123456789abcdef0', '--json'], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(''); // not even the SDK's Node-version notice
    expect(JSON.parse(result.stdout).error).toMatchObject({ code: 'JIT_AWS_NO_REGION', hint: expect.stringMatching(/--region/) });
  });

  // A subprocess: the SDK reads the region from the process environment too, which only a clean
  // process controls.
  it('`jit role --cloud aws` needs no region: commercial-partition ARNs, and a note on stderr that says so', async () => {
    const result = await runBin(['role', '--cloud', 'aws', '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(result.stdout).admin)).toContain('"arn:aws:ec2:*:*:security-group/*"');
    expect(result.stderr).toMatch(/No AWS region is set: .*--region us-gov-west-1/);
  });

  it('`jit --help`, `jit ip --source` and `jit config list` load no cloud SDK, spinner or prompt library', async () => {
    // The build bundles every package into dist/ and writes which package went into which output
    // file (esbuild's metafile); what a command loaded is read back through it.
    const metafile = JSON.parse(readFileSync(path.join(ROOT, '.tmp', 'esbuild-metafile.json'), 'utf8')) as {
      outputs: Record<string, { inputs: Record<string, unknown> }>;
    };
    const cases: [string[], string[]][] = [
      [['--help'], ['/node_modules/conf/']],
      [['ip', '--source', '203.0.113.9', '--json'], ['/node_modules/conf/']],
      [['config', 'list'], []],
    ];
    for (const [argv, alsoHeavy] of cases) {
      const file = path.join(dir, `imports-${argv[0]}.txt`);
      const hook = path.join(ROOT, 'test', 'support', 'record-imports.mjs');
      const result = await runBin(argv, {
        env: { ...env, JIT_TEST_IMPORTS_FILE: file },
        nodeOptions: `--import=${hook}`,
      });
      expect(result.code).toBe(0);
      const loaded = readFileSync(file, 'utf8').split('\n').filter(Boolean);
      expect(loaded).toContain(`file://${path.join(ROOT, 'dist', 'main.js')}`); // the hook saw the program load
      // Self-contained: nothing is resolved from node_modules, everything comes from dist/.
      expect(loaded.filter((url) => url.includes('/node_modules/'))).toEqual([]);
      const inputs = loaded
        .filter((url) => url.startsWith(`file://${ROOT}/dist/`))
        .flatMap((url) => Object.keys(metafile.outputs[path.relative(ROOT, new URL(url).pathname)]?.inputs ?? {}))
        .map((input) => `/${input}`);
      expect(inputs.some((input) => input.includes('/node_modules/commander/'))).toBe(true);
      for (const heavy of ['@azure/', '@aws-sdk/', '@smithy/', '/node_modules/ora/', '@inquirer/', ...alsoHeavy]) {
        expect(inputs.filter((input) => input.includes(heavy)), `${argv.join(' ')} loaded ${heavy}`).toEqual([]);
      }
    }
  });

  it('--version --verbose lists the bundled SDK packages with their versions', async () => {
    const installed = (name: string) =>
      (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
        .version;
    const text = await runBin(['--version', '--verbose'], { env });
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toBe(version);
    for (const name of ['@azure/identity', '@azure/arm-network', '@aws-sdk/client-ec2']) {
      expect(text.stdout).toMatch(new RegExp(`^  ${name} +${installed(name).replaceAll('.', '\\.')} `, 'm'));
    }
    const json = await runBin(['--version', '--verbose', '--json'], { env });
    const body = JSON.parse(json.stdout) as { version: string; bundled: { name: string; version: string }[] };
    expect(body.version).toBe(version);
    expect(body.bundled).toContainEqual(expect.objectContaining({ name: 'commander', version: installed('commander') }));
  });

  it('leaves quietly when its reader goes away (EPIPE)', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [BIN, 'completion', 'fish'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
