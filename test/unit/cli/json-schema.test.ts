/**
 * Every --json document against its JSON Schema in docs/json.md (draft 2020-12, validated by ajv
 * with ajv-formats for `date-time`): each command in-process (cli-world.ts, MemoryProvider) in its
 * main states, the error document too. Every command must have a schema, and the schemas are strict
 * enough that a stray or renamed key fails (checked below on real documents).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli/main.js';
import { buildPolicy } from '../../../src/core/policy.js';
import { ROOT, runCli, baseEnv } from '../../support/cli.js';
import { type CliWorld, cliWorld } from '../../support/cli-world.js';

/** The `<!-- schema: name -->` blocks of docs/json.md, by name. */
function schemasOfDocs(): Map<string, object> {
  const text = readFileSync(path.join(ROOT, 'docs', 'json.md'), 'utf8');
  const found = new Map<string, object>();
  for (const match of text.matchAll(/<!-- schema: ([a-z-]+) -->\n```json\n([\s\S]*?)\n```/g)) {
    found.set(match[1]!, JSON.parse(match[2]!) as object);
  }
  return found;
}

const schemas = schemasOfDocs();
// ajv-formats is CommonJS: the plugin is its `default` export (and module.exports itself).
const addFormats = formatsModule.default;
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
for (const schema of schemas.values()) ajv.addSchema(schema);
const validators = new Map<string, ValidateFunction>();
function validator(name: string): ValidateFunction {
  const schema = schemas.get(name);
  if (!schema) throw new Error(`docs/json.md has no schema "${name}"`);
  let validate = validators.get(name);
  if (!validate) {
    validate = ajv.getSchema((schema as { $id: string }).$id)!;
    validators.set(name, validate);
  }
  return validate;
}

/** Validates a document; on failure the message says which key and why. */
function expectValid(name: string, document: unknown): void {
  const validate = validator(name);
  const ok = validate(document);
  expect(ok, `${name}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(document, null, 2)}`).toBe(true);
}

let world: CliWorld;
const ssh = [{ from: 22, to: 22, protocol: 'tcp' as const }];
const ARM = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines';

/** Runs jit with --json, checks the exit code, and validates stdout against `schema`. */
async function documentOf(schema: string, argv: string[], code = 0): Promise<Record<string, unknown>> {
  // Before `--`: what follows it is the command's own.
  const end = argv.indexOf('--');
  const result = await world.jit(end === -1 ? [...argv, '--json'] : [...argv.slice(0, end), '--json', ...argv.slice(end)]);
  expect(result.code, result.stderr).toBe(code);
  const document = JSON.parse(result.stdout) as Record<string, unknown>;
  expectValid(code === 0 || schema !== 'error' ? schema : 'error', document);
  return document;
}

beforeAll(() => {
  world = cliWorld();
  for (const name of ['vm01', 'vm02']) {
    world.provider.addVm(name);
    const target = world.provider.targets.get(name)!;
    target.id = `${ARM}/${name}`;
    target.scope = { subscription: '00000000-0000-0000-0000-000000000001', 'resource-group': 'rg-web' };
  }
  world.provider.openToInternet('vm01', 22);
  world.provider.openToInternet('vm02', 3389);
});
afterAll(() => world.cleanup());

describe('every --json document validates against its schema in docs/json.md', () => {
  let grantId = '';

  it('scan with findings', async () => {
    const scan = await documentOf('scan', ['scan']);
    expect(scan.findings).toHaveLength(2);
  });

  it('enable: dry run, then applied', async () => {
    expect((await documentOf('enable', ['enable', 'vm01', '--dry-run'])).applied).toBe(false);
    const enabled = await documentOf('enable', ['enable', 'vm01', '-p', '22', '--max-duration', '1h']);
    expect(enabled.policy).toMatchObject({ tag: 'v1;p=22/tcp;d=1h', maxDuration: 3600 });
  });

  it('status of a VM without grants, of one not enabled, and of the scope without grants', async () => {
    expect((await documentOf('status-vm', ['status', 'vm01'])).grants).toEqual([]);
    expect((await documentOf('status-vm', ['status', 'vm02'])).policy).toBeNull();
    expect((await documentOf('status', ['status'])).grants).toEqual([]);
  });

  it('request: created, unchanged, extended, dry run', async () => {
    const created = await documentOf('request', ['request', 'vm01', '-d', '30m']);
    expect(created).toMatchObject({ outcome: 'created', connect: { command: 'ssh 20.0.0.4' } });
    grantId = (created.grant as { grantId: string }).grantId;
    expect((await documentOf('request', ['request', 'vm01', '-d', '15m'])).outcome).toBe('unchanged');
    world.advance(60);
    expect((await documentOf('request', ['request', 'vm01', '-d', '1h'])).outcome).toBe('extended');
    const dry = await documentOf('request', ['request', 'vm01', '--source', '81.2.69.90', '--dry-run']);
    expect(dry).toMatchObject({ applied: false, connect: null });
  });

  it('ssh and request -- CMD: a reused grant and a created one', async () => {
    expect((await documentOf('ssh', ['ssh', 'vm01'])).outcome).toBe('reused');
    expect((await documentOf('ssh', ['request', 'vm01', '--source', '81.2.69.91', '--', 'true'])).outcome).toBe('created');
  });

  it('status and list with grants, and a tag that does not decode', async () => {
    world.provider.rules.push({ grantId: 'bbbbbbbb', target: 'vm01', source: '198.51.100.9/32', ports: ssh, expiresAt: '2030-01-01T12:50:00.000Z', requester: 'arn:aws:sts::123456789012:assumed-role/Ops/bob' });
    expect((await documentOf('status', ['status'])).grants).toHaveLength(2);
    expect((await documentOf('status-vm', ['status', 'vm01'])).grants).toHaveLength(2);
    world.provider.addVm('bad01');
    world.provider.targets.get('bad01')!.policyTag = 'v9;nonsense';
    const listed = await documentOf('list', ['list']);
    expect((listed.vms as { name: string; policy: unknown }[]).map((vm) => [vm.name, vm.policy === null])).toEqual([['bad01', true], ['vm01', false]]);
  });

  it('revoke by id and --all on a VM', async () => {
    const one = await documentOf('revoke', ['revoke', grantId]);
    expect((one.revoked as { grantId: string }[]).map((g) => g.grantId)).toEqual([grantId]);
    const all = await documentOf('revoke', ['revoke', 'vm01', '--all', '--yes']);
    expect((all.revoked as { grantId: string }[]).map((g) => g.grantId)).toContain('bbbbbbbb');
  });

  it('sweep with a removal and a failure', async () => {
    const at = (minutes: number) => new Date(world.now.getTime() + minutes * 60_000).toISOString();
    const other = { target: 'vm01', ports: ssh, requester: 'bob@example.com' };
    world.provider.rules.push(
      { ...other, grantId: 'zzzzzzzz', source: '198.51.100.9/32', expiresAt: at(-1) },
      { ...other, grantId: 'yyyyyyyy', source: '198.51.100.10/32', expiresAt: at(30) },
    );
    const swept = await documentOf('sweep', ['sweep']);
    expect(swept).toMatchObject({ removed: [{ grantId: 'zzzzzzzz' }], kept: [{ grantId: 'yyyyyyyy' }], failed: [] });
    world.provider.rules.push({ ...other, grantId: 'xxxxxxxx', source: '198.51.100.11/32', expiresAt: at(-1) });
    world.provider.beforeWrite = () => {
      throw new Error('denied');
    };
    try {
      const failed = await documentOf('sweep', ['sweep'], 1);
      expect(failed.failed).toMatchObject([{ grant: { grantId: 'xxxxxxxx' }, error: { code: 'JIT_UNEXPECTED', message: 'denied' } }]);
    } finally {
      world.provider.beforeWrite = () => {};
    }
  });

  it('a grant through an Azure Firewall: its endpoints in request, the firewall and paths in status', async () => {
    const endpoint = { address: '20.1.2.3', port: 49152, targetAddress: '10.0.0.4', targetPort: 22, protocol: 'tcp' as const, via: 'fw-hub' };
    const { provider } = world;
    const [openGrant, status] = [provider.openGrant.bind(provider), provider.status.bind(provider)];
    provider.openGrant = async (...args) => ({ ...(await openGrant(...args)), endpoints: [endpoint] });
    provider.status = async (...args) => ({
      ...(await status(...args)),
      firewall: { name: 'fw-hub', publicAddresses: ['20.1.2.3'], paths: [{ ...endpoint, source: '81.2.69.92/32' }] },
    });
    try {
      const opened = await documentOf('request', ['request', 'vm01', '--source', '81.2.69.92', '-d', '10m']);
      expect(opened).toMatchObject({ grant: { endpoints: [endpoint] } });
      expect((await documentOf('status-vm', ['status', 'vm01'])).firewall).toMatchObject({ name: 'fw-hub' });
    } finally {
      Object.assign(provider, { openGrant, status });
    }
  });

  it('disable', async () => {
    const disabled = await documentOf('disable', ['disable', 'vm01', '--yes']);
    expect(disabled.applied).toBe(true);
  });

  it('role, both documents and one alone, with the real providers\' documents (no cloud call)', async () => {
    const role = async (argv: string[]) => {
      const result = await runCli(['role', ...argv, '--json'], { env: baseEnv(world.dir) });
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as unknown;
    };
    for (const cloud of [['--cloud', 'azure', '--subscription', '00000000-0000-0000-0000-000000000001'], ['--cloud', 'aws', '--region', 'eu-west-1']]) {
      expectValid('role', await role(cloud));
      for (const scope of ['requester', 'admin']) expectValid('role-scope', await role([...cloud, '--scope', scope]));
    }
  });

  it('ip: detected and given', async () => {
    expect((await documentOf('ip', ['ip'])).source).toBe('detected');
    expect((await documentOf('ip', ['ip', '--source', '198.51.100.7'])).source).toBe('flag');
  });

  it('doctor', async () => {
    await documentOf('doctor', ['doctor']);
  });

  it('config get, set, unset and list', async () => {
    await documentOf('config', ['config', 'set', 'region', 'eu-west-1']);
    await documentOf('config', ['config', 'get', 'region']);
    await documentOf('config', ['config', 'unset', 'region']);
    await documentOf('config-list', ['config', 'list']);
  });

  it('--version --verbose', async () => {
    const result = await runCli(['--version', '--verbose', '--json'], { env: baseEnv(world.dir) });
    expectValid('version', JSON.parse(result.stdout));
  });

  it('errors: bad input (exit 2), a VM not found (exit 1), refused by the policy (exit 3)', async () => {
    expect(((await documentOf('error', ['request', 'vm01', '-d', '99h'], 2)).error as { code: string }).code).toBe('JIT_INVALID_DURATION');
    await documentOf('error', ['status', 'nosuchvm'], 1);
    world.provider.addVm('db01', buildPolicy({ ports: [{ from: 5432, to: 5432, protocol: 'tcp' }] }));
    expect(((await documentOf('error', ['request', 'db01', '-p', '22'], 3)).error as { code: string }).code).toBe('JIT_POLICY_PORT_NOT_ALLOWED');
  });
});

describe('the schemas', () => {
  it('cover every command: each has a schema named after it (completion prints a script, not a document)', () => {
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, stdin: {}, env: {} };
    const program = buildProgram({ io, notices: { warnings: [], notes: [] }, exitCode: 0 });
    const commands = program.commands.map((c) => c.name()).filter((name) => name !== 'completion' && !name.startsWith('__'));
    expect(commands.length).toBeGreaterThan(10);
    const names = [...schemas.keys()];
    for (const command of commands) expect(names.some((n) => n === command || n.startsWith(`${command}-`)), command).toBe(true);
    expect(names).toEqual(expect.arrayContaining(['common', 'error', 'version', 'status-vm', 'config-list']));
  });

  it('refuse a stray key, a grant id called `id`, a time with milliseconds and a policy as a string', async () => {
    const scoped = cliWorld();
    try {
      scoped.provider.addVm('vm01', buildPolicy({ ports: ssh, maxDuration: 3600 }));
      const made = (await scoped.jit(['request', 'vm01', '-d', '30m', '--json'])).json as Record<string, unknown> & { grant: Record<string, unknown> };
      expectValid('request', made);
      const { grantId, ...withoutId } = made.grant;
      const broken: [string, unknown][] = [
        ['a stray top-level key', { ...made, extra: 1 }],
        ['a stray key in the grant', { ...made, grant: { ...made.grant, note: 'x' } }],
        ['the grant id as `id`', { ...made, grant: { ...withoutId, id: grantId } }],
        ['a time with milliseconds', { ...made, grant: { ...made.grant, expiresAt: '2030-01-01T12:30:00.000Z' } }],
        ['a missing key', { ...made, connect: undefined }],
      ];
      for (const [what, document] of broken) expect(validator('request')(JSON.parse(JSON.stringify(document))), what).toBe(false);
      const status = (await scoped.jit(['status', 'vm01', '--json'])).json;
      expectValid('status-vm', status);
      expect(validator('status-vm')({ ...status, policy: 'v1;p=22/tcp;d=1h' }), 'a policy as its tag string').toBe(false);
      expect(validator('status-vm')({ ...status, target: { ...(status.target as object), resource_group: 'x' } }), 'a snake_case key').toBe(false);
    } finally {
      scoped.cleanup();
    }
  });
});
