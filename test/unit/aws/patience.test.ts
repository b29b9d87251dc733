// How jit waits EC2 out: which errors are retried, for which groups, how long, and what it says
// when EC2 never catches up. The cloud behaviours themselves are shown through the fault proxy
// (test/integration/aws/eventual-consistency.test.ts); this pins the bounds and the messages.
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { AwsContext } from '../../../src/clouds/aws/context.js';
import type { Ec2Api } from '../../../src/clouds/aws/ec2-api.js';
import { toJitError } from '../../../src/clouds/aws/errors.js';
import { deleteGroupPatiently, groupLeftBehind, withFreshGroupPatience } from '../../../src/clouds/aws/patience.js';

function awsError(name: string): unknown {
  return toJitError(new EC2ServiceException({ name, $fault: 'client', $metadata: {}, message: `${name} (injected)` }));
}

/** An Ec2Api whose createTags and deleteSecurityGroup fail with `code` the first `failures` times. */
function flakyApi(code: string, failures: number) {
  const calls: string[] = [];
  let left = failures;
  const flaky = async (name: string) => {
    calls.push(name);
    if (left-- > 0) throw awsError(code);
  };
  const api = {
    createSecurityGroup: async () => ({ GroupId: 'sg-0fresh', $metadata: {} }),
    createTags: () => flaky('createTags'),
    deleteSecurityGroup: () => flaky('deleteSecurityGroup'),
  } as unknown as Ec2Api;
  return { api, calls };
}

function context(api: Ec2Api, patience?: AwsContext['patience']) {
  const slept: number[] = [];
  const ctx: AwsContext = {
    ec2: api,
    sts: { callerArn: async () => 'arn:aws:iam::123456789012:user/test' },
    region: 'eu-west-1',
    profile: undefined,
    progress: { step: () => undefined, warn: () => undefined },
    sleep: async (ms) => void slept.push(ms),
    patience,
  };
  return { ctx, slept };
}

describe('withFreshGroupPatience', () => {
  it('retries InvalidGroup.NotFound for a group it created, backing off', async () => {
    const { api, calls } = flakyApi('InvalidGroup.NotFound', 3);
    const { ctx, slept } = context(api);
    const patient = withFreshGroupPatience(api, ctx);
    await patient.createSecurityGroup({ GroupName: 'g', Description: 'd' });

    await patient.createTags({ Resources: ['sg-0fresh'], Tags: [] });

    expect(calls).toEqual(['createTags', 'createTags', 'createTags', 'createTags']);
    expect(slept).toEqual([1000, 2000, 4000]);
  });

  it('does not retry it for a group someone else made: there NotFound is the truth', async () => {
    const { api, calls } = flakyApi('InvalidGroup.NotFound', 1);
    const { ctx } = context(api);

    await expect(withFreshGroupPatience(api, ctx).createTags({ Resources: ['sg-0older'], Tags: [] })).rejects.toMatchObject({
      code: 'JIT_AWS_GROUP_NOT_FOUND',
      hint: expect.stringContaining('deleted by someone else'),
    });
    expect(calls).toEqual(['createTags']);
  });

  it('gives up after about 30 s, saying EC2 is behind rather than that the group was deleted', async () => {
    const { api } = flakyApi('InvalidGroup.NotFound', 1_000);
    const { ctx, slept } = context(api);
    const patient = withFreshGroupPatience(api, ctx);
    await patient.createSecurityGroup({ GroupName: 'g', Description: 'd' });

    await expect(patient.createTags({ Resources: ['sg-0fresh'], Tags: [] })).rejects.toMatchObject({
      code: 'JIT_AWS_GROUP_NOT_FOUND',
      message: expect.stringContaining('EC2 still does not know security group sg-0fresh 30 s after jit created it'),
    });
    expect(slept.reduce((a, b) => a + b, 0)).toBe(30_000);
    expect(slept).toEqual([1000, 2000, 4000, 8000, 8000, 7000]);
  });
});

describe('deleteGroupPatiently', () => {
  it('waits out DependencyViolation for up to 2 minutes by default', async () => {
    const { api } = flakyApi('DependencyViolation', 1_000);
    const { ctx, slept } = context(api);

    await expect(deleteGroupPatiently(ctx, 'sg-0busy')).rejects.toMatchObject({
      code: 'JIT_AWS_GROUP_IN_USE',
      message: expect.stringContaining('sg-0busy after 120 s'),
    });
    expect(slept.reduce((a, b) => a + b, 0)).toBe(120_000);
  });

  it('deletes once EC2 lets go, within an injected bound, and takes a group already gone as deleted', async () => {
    const busy = flakyApi('InvalidGroup.InUse', 2);
    const { ctx, slept } = context(busy.api, { dependencyMs: 5_000 });
    await deleteGroupPatiently(ctx, 'sg-0busy');
    expect(slept).toEqual([1000, 2000]);

    const gone = flakyApi('InvalidGroup.NotFound', 1);
    await deleteGroupPatiently(context(gone.api).ctx, 'sg-0gone');
    expect(gone.calls).toEqual(['deleteSecurityGroup']);
  });

  it('names a group left behind with the command that removes it, in the profile jit used', () => {
    const error = groupLeftBehind({ region: 'us-gov-west-1', profile: 'ops' }, { id: 'sg-0left', name: 'jit-access-i-1' }, new Error('busy.'));
    expect(error.code).toBe('JIT_AWS_GROUP_LEFT_BEHIND');
    expect(error.message).toBe(
      'Security group sg-0left (jit-access-i-1) was left behind: busy. Remove it with `aws ec2 delete-security-group --group-id sg-0left --region us-gov-west-1 --profile ops`.',
    );
  });
});
