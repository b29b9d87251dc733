/**
 * Cloud strings with terminal escape sequences, through the CLI in-process (main with captured
 * streams: the bytes it writes are what a terminal would get) with the real providers against the
 * ARM emulator and moto: a policy tag, a rule description (its requester) and an EC2 Name tag holding
 * a window-title sequence, a colour sequence, a CR/LF with a forged line, an 8-bit CSI and a bidi
 * override. The raw bytes jit writes must hold none of them and no line starting with the forged
 * text, while the escaped text stays visible (so the test cannot pass because nothing was shown)
 * and chalk's own colours still work.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import { CreateTagsCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAwsClients } from '../../src/clouds/aws/index.js';
import type { AppOverrides } from '../../src/cli/run.js';
import { DEFAULT_SUBSCRIPTION_ID, seedLinuxVm } from '../emulators/arm/server.js';
import { type Moto, startMoto } from '../emulators/moto/moto.js';
import { createGroup, createVpc, runInstance } from '../integration/aws/support.js';
import { type Harness, startHarness } from '../integration/azure/support.js';
import { baseEnv, runCli, tempConfigDir } from '../support/cli.js';

const TITLE = '\u001b]0;pwned\u0007';
const RED = '\u001b[31m';
const FORGED = '\r\nforged line';
/** Everything a terminal could act on, except the line feeds jit writes itself. */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
const SGR = /\u001b\[[0-9;]*m/g;

/** The raw output holds no control character and no forged line, and shows the attempt escaped. */
function expectHarmless(text: string, visible: string): void {
  expect(text).not.toMatch(CONTROL);
  expect(text).not.toMatch(/^forged line/m);
  expect(text).toContain(visible);
}

/** With colour forced: chalk's SGR sequences are there, and nothing else starts with ESC. */
function expectOnlyChalkColours(text: string, visible: string): void {
  expect(text).toMatch(SGR);
  expectHarmless(text.replace(SGR, ''), visible);
}

/** A fixed-offset zone (Etc/GMT-N is UTC+N) in which the local time now is between 12:00 and 13:00. */
function noonZone(): string {
  const offset = 12 - new Date().getUTCHours();
  return offset === 0 ? 'UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

const config = tempConfigDir();
afterAll(config.cleanup);

describe('Azure: hostile policy tag and rule description', () => {
  let harness: Harness;
  let env: Record<string, string>;
  // The Azure provider as jit builds it, against the emulator (its TLS certificate trusted in-process).
  const app: AppOverrides = { loadProvider: (_cloud, ctx) => harness.provider(ctx.settings) };
  const jit = (argv: string[], options: { env: Record<string, string> }) => runCli(argv, { ...options, app });

  beforeAll(async () => {
    harness = await startHarness();
    const { emu } = harness;
    // The subscription given: one `az` call fewer per command. TZ: a zone where it is now about
    // noon, so the grant's expiry (an hour from now) is shown without a date at any time of day;
    // after 23:00 UTC its date took columns from the requester, cutting the text the tests look for.
    env = { ...baseEnv(config.dir), JIT_CLOUD: 'azure', AZURE_SUBSCRIPTION_ID: DEFAULT_SUBSCRIPTION_ID, TZ: noonZone() };
    seedLinuxVm(emu, {
      vmName: 'vmtag',
      resourceGroup: 'rg-tag',
      tags: { 'jit-access': `v1;p=22/tcp${TITLE}${RED}${FORGED};d=3h` },
    });
    const expires = new Date(Date.now() + 3600_000).toISOString().slice(0, 19).replace(/[-:]/g, '');
    seedLinuxVm(emu, {
      vmName: 'vmrule',
      resourceGroup: 'rg-rule',
      privateIp: '10.0.0.4',
      tags: { 'jit-access': 'v1;p=22/tcp;d=3h' },
      rules: [
        {
          name: 'jit-allow-vmrule-abcdefgh',
          priority: 100,
          direction: 'Inbound',
          access: 'Allow',
          protocol: 'Tcp',
          sourceAddressPrefix: '81.2.69.77/32',
          sourcePortRange: '*',
          destinationAddressPrefix: '10.0.0.4',
          destinationPortRange: '22',
          // A requester written by whoever can edit the NSG (ARM's description is free text, ≤ 140).
          description: `jit:v1 g=abcdefgh exp=${expires}Z by=${TITLE}${RED}mallory\u009b2J\u202eevil`,
        },
      ],
    });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('a corrupt policy tag is quoted escaped in the error, on one line', async () => {
    const result = await jit(['status', 'vmtag'], { env });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/^error: The VM's jit-access tag "v1;p=22\/tcp\\x1b\]0;pwned\\x07\\x1b\[31m\\r\\nforged line;d=3h" is not a jit policy/);
    expectHarmless(result.stderr, '\\x1b]0;pwned\\x07');
    expect(result.stdout).toBe('');

    const coloured = await jit(['status', 'vmtag'], { env: { ...env, FORCE_COLOR: '1' } });
    expectOnlyChalkColours(coloured.stderr, '\\x1b]0;pwned\\x07');
  });

  it('--json stays JSON: the same value, every control character written as a \\u escape', async () => {
    const result = await jit(['status', 'vmrule', '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toMatch(CONTROL);
    const grants = (JSON.parse(result.stdout) as { grants: { grantId: string; requester: string }[] }).grants;
    expect(grants).toMatchObject([{ grantId: 'abcdefgh', requester: `${TITLE}${RED}mallory\u009b2J\u202eevil` }]);
    expect(result.stdout).toContain('\\u001b]0;pwned\\u0007');
    expect(result.stdout).toContain('\\u009b2J\\u202eevil');
  });

  it('status vmrule prints the requester as harmless text', async () => {
    const result = await jit(['status', 'vmrule'], { env });
    expect(result.code, result.stderr).toBe(0);
    // The requester column is cut to fit 80 columns: the escaped start of the value shows.
    expectHarmless(result.stdout, '  \\x1b]0;pwned\\x07\\x1b[31m');
  });

  it('status of every grant in scope, coloured: chalk\'s colours work, the requester\'s do not', async () => {
    const result = await jit(['status'], { env: { ...env, FORCE_COLOR: '1' } });
    expect(result.code, result.stderr).toBe(0);
    expectOnlyChalkColours(result.stdout, '  \\x1b]0;pwned\\x07\\x1b[31m');
  });
});

describe('AWS: hostile Name and policy tags', () => {
  let moto: Moto;
  let ec2: EC2Client;
  let env: Record<string, string>;
  let named: string;
  let corrupt: string;

  beforeAll(async () => {
    moto = await startMoto();
    const aws = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'eu-west-1' };
    env = { ...baseEnv(config.dir), ...aws, AWS_ENDPOINT_URL: moto.endpoint, JIT_CLOUD: 'aws' };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    ec2 = buildAwsClients({ region: 'eu-west-1', env: { AWS_ENDPOINT_URL: moto.endpoint }, maxAttempts: 1 }).ec2;
    const place = await createVpc(ec2);
    const app = await createGroup(ec2, place.vpcId, 'app', [{ from: 22, cidr: '0.0.0.0/0', description: 'SSH from anywhere' }]);
    // EC2 tag values may hold any Unicode character, controls included (only `aws:` keys are reserved).
    named = await runInstance(ec2, place, [app], { Name: `web${TITLE}${RED}${FORGED}`, 'jit-access': 'v1;p=22/tcp;d=3h' });
    corrupt = await runInstance(ec2, place, [app], { Name: 'db' });
    await ec2.send(new CreateTagsCommand({ Resources: [corrupt], Tags: [{ Key: 'jit-access', Value: `v1;p=22/tcp;d=3h${TITLE}${FORGED}` }] }));
  });
  afterAll(async () => {
    await moto?.stop();
  });
  const jit = runCli;

  it('status <instance> shows the Name escaped on its heading line', async () => {
    const result = await jit(['status', named], { env });
    expect(result.code, result.stderr).toBe(0);
    // EC2 answers in XML, whose parsers turn CR LF into LF: the forged line arrives after a bare LF.
    expectHarmless(result.stdout, 'web\\x1b]0;pwned\\x07\\x1b[31m\\nforged line');
    expect(result.stdout.split('\n')[0]).toContain(named);
  });

  it('scan lists the exposed instance by its escaped Name', async () => {
    const result = await jit(['scan'], { env: { ...env, FORCE_COLOR: '1' } });
    expect(result.code, result.stderr).toBe(0);
    // The VM column is cut to fit 80 columns; --verbose names it by its id instead.
    expectOnlyChalkColours(result.stdout, 'web\\x1b]0;pwned\\x07');
  });

  it('a corrupt policy tag is quoted escaped in the error', async () => {
    const result = await jit(['status', corrupt], { env });
    expect(result.code, result.stderr).toBe(1);
    expectHarmless(result.stderr, 'd=3h\\x1b]0;pwned\\x07\\nforged line');
    expect(result.stderr).toMatch(/^error: The VM's jit-access tag ".*" is not a jit policy/);
  });
});
