// The moto launcher: a server of its own serves on loopback, stops for good, and fails loudly when
// it cannot start; in a run with the shared server, each caller is a separate AWS account in it.
import {
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { inAccount, type Moto, newAccountId, startMoto, startMotoServer } from './moto.js';

const REGION = 'eu-west-1';
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

beforeAll(() => {
  // The SDK's notice that later releases need Node 22 (src/clouds/aws/index.ts silences it for jit).
  vi.stubEnv('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'true');
});
afterAll(() => {
  vi.unstubAllEnvs();
});

describe('startMotoServer', () => {
  it('serves on 127.0.0.1 at an OS-chosen port until stopped', async () => {
    const moto = await startMotoServer();
    expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${moto.endpoint}/moto-api/`)).ok).toBe(true);

    await moto.stop();

    await expect(fetch(`${moto.endpoint}/moto-api/`)).rejects.toThrow();
  });
});

describe('startMoto', () => {
  it('fails with the reason and the way to install moto when Python is missing', async () => {
    await expect(startMoto({ python: '/nonexistent/python3' })).rejects.toThrow(
      /moto did not start \(\/nonexistent\/python3 -m moto\.server -H 127\.0\.0\.1 -p 0\): spawn \/nonexistent\/python3 ENOENT[\s\S]*pip install "moto\[server\]==5\.2\.1"/,
    );
  });
});

describe('startMoto in a run with the shared server', () => {
  const started: Moto[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((moto) => moto.stop()));
  });
  const start = async () => {
    const moto = await startMoto();
    started.push(moto);
    return moto;
  };
  const ec2 = (endpoint: string) =>
    new EC2Client({ region: REGION, endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
  const groupsNamed = async (client: EC2Client, name: string): Promise<SecurityGroup[]> =>
    (await client.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [name] }] })))
      .SecurityGroups ?? [];
  const createGroup = (client: EC2Client, name: string) =>
    client.send(new CreateSecurityGroupCommand({ GroupName: name, Description: 'moto launcher test' }));

  it('gives each caller its own account on the one server', async () => {
    const shared = inject('motoEndpoint');
    expect(shared, 'vitest.config.ts starts the shared server').toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const [first, second] = [await start(), await start()];

    expect(first.accountId).toMatch(/^\d{12}$/);
    expect(second.accountId).toMatch(/^\d{12}$/);
    expect(new Set([first.accountId, second.accountId, '123456789012']).size).toBe(3);
    expect(new Set([shared, first.endpoint, second.endpoint]).size).toBe(3);

    // The same name in the same region, in each account: each sees its own group only.
    const { GroupId: firstGroup } = await createGroup(ec2(first.endpoint), 'launcher');
    const { GroupId: secondGroup } = await createGroup(ec2(second.endpoint), 'launcher');
    expect(await groupsNamed(ec2(first.endpoint), 'launcher')).toEqual([
      expect.objectContaining({ GroupId: firstGroup, OwnerId: first.accountId }),
    ]);
    expect(await groupsNamed(ec2(second.endpoint), 'launcher')).toEqual([
      expect.objectContaining({ GroupId: secondGroup, OwnerId: second.accountId }),
    ]);
    // Nothing reaches moto's default account, where a request that names none would land.
    expect(await groupsNamed(ec2(shared!), 'launcher')).toEqual([]);
  });

  it('answers GetCallerIdentity with the caller\'s account, as the jit subprocesses see it', async () => {
    const moto = await start();
    const sts = new STSClient({ region: REGION, endpoint: moto.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });

    const identity = await sts.send(new GetCallerIdentityCommand({}));

    expect(identity).toMatchObject({ Account: moto.accountId, Arn: `arn:aws:sts::${moto.accountId}:user/moto` });
  });

  it('keeps the account a request names itself', async () => {
    const moto = await start();
    const named = newAccountId();
    const client = ec2(moto.endpoint);
    client.middlewareStack.add(inAccount(named), { step: 'build', name: 'motoAccount' });

    await createGroup(client, 'own-account');

    expect(await groupsNamed(client, 'own-account')).toEqual([expect.objectContaining({ OwnerId: named })]);
    expect(await groupsNamed(ec2(moto.endpoint), 'own-account')).toEqual([]);
  });

  it('stops the caller\'s proxy and leaves the shared server to the others', async () => {
    const [leaving, staying] = [await start(), await start()];

    await leaving.stop();

    await expect(fetch(`${leaving.endpoint}/moto-api/`)).rejects.toThrow();
    expect((await fetch(`${staying.endpoint}/moto-api/`)).ok).toBe(true);
  });
});
