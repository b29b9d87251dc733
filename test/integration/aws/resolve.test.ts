// Target resolution, whoami and the composition root (region, endpoints) against moto.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import ipaddr from 'ipaddr.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProvider } from '../../../src/clouds/aws/index.js';
import { isJitError } from '../../../src/core/errors.js';
import type { ProviderContext } from '../../../src/core/ports.js';
import { newWorld, runInstance, seedInstance, useMoto } from './support.js';

const { endpoint, accountId } = useMoto();
const progress = { step: () => undefined, warn: () => undefined };

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isJitError(error)) throw new Error(`expected a JitError, got ${String(error)}`);
  return error;
}

describe('resolveTarget', () => {
  it('finds an instance by id and by Name tag, with its scope, addresses, state and policy tag', async () => {
    const world = newWorld(endpoint());
    const seeded = await seedInstance(world.ec2, 'web-1');
    const provider = world.provider();

    const byId = await provider.resolveTarget(seeded.instanceId);
    const byName = await provider.resolveTarget('web-1');

    expect(byName).toEqual(byId);
    expect(byId).toMatchObject({
      cloud: 'aws',
      id: seeded.instanceId,
      name: 'web-1',
      scope: { region: 'eu-west-1' },
      policyTag: undefined,
      state: 'running',
    });
    expect(byId.privateAddresses).toEqual([expect.stringMatching(/^10\.0\.1\.\d+$/)]);
    expect(byId.publicAddresses).toEqual([expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/)]);
  });

  it('lists IPv6 addresses too: a global one is public', async () => {
    const world = newWorld(endpoint());
    const vpc = await world.ec2.send(new CreateVpcCommand({ CidrBlock: '10.1.0.0/16', AmazonProvidedIpv6CidrBlock: true }));
    const v6 = vpc.Vpc?.Ipv6CidrBlockAssociationSet?.[0]?.Ipv6CidrBlock as string;
    const subnet = await world.ec2.send(
      new CreateSubnetCommand({ VpcId: vpc.Vpc?.VpcId, CidrBlock: '10.1.1.0/24', Ipv6CidrBlock: v6.replace('/56', '/64') }),
    );
    await world.ec2.send(
      new RunInstancesCommand({
        ImageId: 'ami-12345678',
        MinCount: 1,
        MaxCount: 1,
        SubnetId: subnet.Subnet?.SubnetId,
        Ipv6AddressCount: 1,
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'dual' }] }],
      }),
    );

    const target = await world.provider().resolveTarget('dual');

    expect(target.privateAddresses).toEqual([expect.stringMatching(/^10\.1\.1\.\d+$/)]);
    // moto writes the block with leading zeros (2400:6500:0561:0300::/56), the address canonically:
    // compare by containment, not by text.
    expect(target.publicAddresses).toHaveLength(1);
    const address = ipaddr.parse(target.publicAddresses[0] as string);
    expect(address.kind(), target.publicAddresses[0]).toBe('ipv6');
    expect(address.match(ipaddr.parseCIDR(v6)), `${target.publicAddresses[0]} in ${v6}`).toBe(true);
  });

  it('lists the candidates of an ambiguous name, with their states', async () => {
    const world = newWorld(endpoint());
    const seeded = await seedInstance(world.ec2, 'twin');
    const other = await runInstance(world.ec2, seeded, [seeded.groups.app as string], { Name: 'twin' });
    await world.ec2.send(new StopInstancesCommand({ InstanceIds: [other] }));

    const error = await failure(world.provider().resolveTarget('twin'));

    expect([error.code, error.exitCode]).toEqual(['JIT_TARGET_AMBIGUOUS', 2]);
    expect(error.message).toContain(`${seeded.instanceId} (running)`);
    expect(error.message).toContain(`${other} (stopped)`);
    expect(error.details?.candidates).toEqual(
      expect.arrayContaining([
        { id: seeded.instanceId, state: 'running' },
        { id: other, state: 'stopped' },
      ]),
    );
  });

  it('names the region when nothing matches, by name or by id', async () => {
    const world = newWorld(endpoint());
    const provider = world.provider();

    const byName = await failure(provider.resolveTarget('nowhere'));
    const byId = await failure(provider.resolveTarget('i-0123456789abcdef0'));

    expect([byName.code, byName.exitCode, byName.message]).toEqual([
      'JIT_TARGET_NOT_FOUND',
      1,
      'No EC2 instance "nowhere" in eu-west-1.',
    ]);
    expect(byId.message).toBe('No EC2 instance "i-0123456789abcdef0" in eu-west-1.');
  });

  it('refuses a terminated instance, and a terminated namesake does not make a name ambiguous', async () => {
    const world = newWorld(endpoint());
    const seeded = await seedInstance(world.ec2, 'phoenix');
    const old = await runInstance(world.ec2, seeded, [seeded.groups.app as string], { Name: 'phoenix' });
    await world.ec2.send(new TerminateInstancesCommand({ InstanceIds: [old] }));
    const provider = world.provider();

    expect((await provider.resolveTarget('phoenix')).id).toBe(seeded.instanceId);
    const error = await failure(provider.resolveTarget(old));
    expect([error.code, error.message]).toEqual(['JIT_TARGET_TERMINATED', `EC2 instance ${old} ("${old}") in eu-west-1 is terminated.`]);

    await world.ec2.send(new TerminateInstancesCommand({ InstanceIds: [seeded.instanceId] }));
    expect((await failure(provider.resolveTarget('phoenix'))).code).toBe('JIT_TARGET_TERMINATED');
  });

  it('allows a stopped instance and says so in its state', async () => {
    const world = newWorld(endpoint());
    const seeded = await seedInstance(world.ec2, 'sleeper');
    await world.ec2.send(new StopInstancesCommand({ InstanceIds: [seeded.instanceId] }));

    expect((await world.provider().resolveTarget('sleeper')).state).toBe('stopped');
  });
});

describe('createProvider (the composition root)', () => {
  const saved: Record<string, string | undefined> = {};
  const isolated = [
    'AWS_ENDPOINT_URL',
    'AWS_REGION',
    'AWS_DEFAULT_REGION',
    'AWS_PROFILE',
    'AWS_CONFIG_FILE',
    'AWS_SHARED_CREDENTIALS_FILE',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
  ];
  beforeEach(() => {
    for (const key of isolated) saved[key] = process.env[key];
    // Only the context may point the SDK at moto, and no config file of this machine may leak in.
    delete process.env.AWS_ENDPOINT_URL;
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    delete process.env.AWS_PROFILE;
    process.env.AWS_CONFIG_FILE = '/nonexistent/jit-test-aws-config';
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/jit-test-aws-credentials';
  });
  afterEach(() => {
    for (const key of isolated) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  function context(settings: ProviderContext['settings'], env: ProviderContext['env']): ProviderContext {
    return { settings, env, progress };
  }

  it('without a region, refuses every cloud call with a usage error naming every way to set one (exit 2)', async () => {
    const provider = await createProvider(context({}, { AWS_ENDPOINT_URL: endpoint() }));

    for (const call of [() => provider.resolveTarget('i-0123456789abcdef0'), () => provider.whoami(), () => provider.scan()]) {
      const error = await failure(call());
      expect([error.code, error.exitCode]).toEqual(['JIT_AWS_NO_REGION', 2]);
      expect(error.hint).toContain('--region');
      expect(error.hint).toContain('AWS_REGION');
      expect(error.hint).toContain('jit config set region');
    }
  });

  it('without a region, `jit role` still works: commercial-partition ARNs, and a note that says so', async () => {
    const warnings: string[] = [];
    const provider = await createProvider({
      settings: {},
      env: { AWS_ENDPOINT_URL: endpoint() },
      progress: { step: () => undefined, warn: (message) => warnings.push(message) },
    });

    expect(JSON.stringify(provider.role())).toContain('"arn:aws:ec2:*:*:security-group/*"');
    expect(warnings).toEqual([expect.stringMatching(/No AWS region is set: .*arn:aws:.*--region us-gov-west-1/)]);
  });

  it('with a GovCloud or China region, `jit role` writes ARNs of that partition', async () => {
    for (const [region, partition] of [['us-gov-west-1', 'aws-us-gov'], ['cn-north-1', 'aws-cn'], ['eu-west-1', 'aws']]) {
      const provider = await createProvider(context({ region }, { AWS_ENDPOINT_URL: endpoint() }));
      const arns = JSON.stringify(provider.role()).match(/arn:[a-z-]+:/g) ?? [];
      expect(arns.length).toBeGreaterThan(0);
      expect(new Set(arns)).toEqual(new Set([`arn:${partition}:`]));
    }
  });

  it('reaches EC2 and STS through AWS_ENDPOINT_URL_EC2 / _STS ahead of AWS_ENDPOINT_URL', async () => {
    // The file's account (no account header of the test's own), in a region no other test of this
    // file uses.
    const region = 'ap-southeast-2';
    const seeder = new EC2Client({ region, endpoint: endpoint() });
    const seeded = await seedInstance(seeder, 'composed');
    const provider = await createProvider(
      context(
        { region },
        { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ENDPOINT_URL_EC2: endpoint(), AWS_ENDPOINT_URL_STS: endpoint() },
      ),
    );

    expect(await provider.resolveTarget('composed')).toMatchObject({ id: seeded.instanceId, scope: { region } });
    expect(await provider.whoami()).toBe(`arn:aws:sts::${accountId()}:user/moto`);
  });

  it('takes credentials and region from the named profile, and puts the profile in the target scope', async () => {
    const region = 'ap-northeast-1';
    await seedInstance(new EC2Client({ region, endpoint: endpoint() }), 'profiled');
    const dir = await mkdtemp(join(tmpdir(), 'jit-aws-profile-'));
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    await writeFile(process.env.AWS_CONFIG_FILE, `[profile ops]\nregion = ${region}\n`);
    await writeFile(process.env.AWS_SHARED_CREDENTIALS_FILE, '[ops]\naws_access_key_id = testing\naws_secret_access_key = testing\n');
    try {
      const provider = await createProvider(context({ profile: 'ops' }, { AWS_ENDPOINT_URL: endpoint() }));

      expect((await provider.resolveTarget('profiled')).scope).toEqual({ region, profile: 'ops' });
      const unknown = await createProvider(context({ region, profile: 'nobody' }, { AWS_ENDPOINT_URL: endpoint() }));
      const error = await failure(unknown.resolveTarget('profiled'));
      expect([error.code, error.exitCode]).toEqual(['JIT_AWS_NO_CREDENTIALS', 4]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports an endpoint that does not answer as JIT_AWS_UNREACHABLE', async () => {
    const provider = await createProvider(context({ region: 'eu-north-1' }, { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' }));

    const error = await failure(provider.resolveTarget('i-0123456789abcdef0'));

    expect([error.code, error.exitCode]).toEqual(['JIT_AWS_UNREACHABLE', 1]);
  });
});
