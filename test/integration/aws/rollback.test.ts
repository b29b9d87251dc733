// docs/safety.md, "Rollback": a failure half-way rolls back what was written. The real seam is wrapped so that its
// N-th write fails, for every N a successful run makes; moto's state must then be as before. The steps of a lane
// share one account (forEachStep): each must leave it as before, which is what it asserts.
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { Ec2Api } from '../../../src/clouds/aws/ec2-api.js';
import { toJitError } from '../../../src/clouds/aws/errors.js';
import { createAwsProvider } from '../../../src/clouds/aws/provider.js';
import type { EnableOptions } from '../../../src/core/ports.js';
import { ENABLE_DEFAULTS, SSH_POLICY as policy } from '../../support/provider-fixtures.js';
import { failingSeam, forEachStep, groupsNamed, newWorld, runInstance, seedInstance, snapshot, useMoto } from './support.js';

const { endpoint } = useMoto();
// Each loop below is a dozen full enable (or disable) runs against moto: 4 s on a quiet 2-core
// machine, 20 s when CI's other test files load it. The limit is for a hang, not a benchmark.
const LOOP_TIMEOUT_MS = 90_000;
const STEPS_IN_FLIGHT = 3;

function awsError(name: string): unknown {
  return toJitError(new EC2ServiceException({ name, $fault: 'client', $metadata: {}, message: `${name} (injected)` }));
}

/** The example instance (docs/aws.md); with `isolate`, its "app" group also used by a second instance. */
async function seed(world: ReturnType<typeof newWorld>, options: EnableOptions) {
  const seeded = await seedInstance(world.ec2);
  if (!options.isolate) return { ...seeded, instances: [seeded.instanceId] };
  const neighbour = await runInstance(world.ec2, { subnetId: seeded.subnetId }, [seeded.groups.app as string]);
  return { ...seeded, instances: [seeded.instanceId, neighbour] };
}

/** A fresh account holding the example instance, enabled for SSH. */
async function enabledWorld() {
  const world = newWorld(endpoint());
  const seeded = await seedInstance(world.ec2);
  const provider = world.provider();
  const target = await provider.resolveTarget('vm01');
  await provider.enable(target, policy, ENABLE_DEFAULTS);
  return { world, seeded, target };
}

describe.each([
  ['enable', ENABLE_DEFAULTS],
  ['enable --isolate', { ...ENABLE_DEFAULTS, isolate: true }],
] as [string, EnableOptions][])('%s rolls back', (_label, options) => {
  it('whichever write fails, leaving every group and the instance as before', async () => {
    const probe = newWorld(endpoint());
    await seed(probe, options);
    const counting = failingSeam(probe.api, 0);
    const provider = createAwsProvider(probe.context(counting.seam));
    await provider.enable(await provider.resolveTarget('vm01'), policy, options);
    expect(counting.writes.length).toBeGreaterThan(5);

    const setUp = async () => {
      const world = newWorld(endpoint());
      const seeded = await seed(world, options);
      return { world, seeded, before: await snapshot(world.ec2, seeded.instances) };
    };
    await forEachStep(counting.writes.length, STEPS_IN_FLIGHT, setUp, async (failAt, { world, seeded, before }) => {
      const { seam, writes } = failingSeam(world.api, failAt);
      const failing = createAwsProvider(world.context(seam));
      const target = await failing.resolveTarget('vm01');

      await expect(failing.enable(target, policy, options), `write ${failAt} (${writes[failAt - 1]})`).rejects.toThrow(
        'injected failure',
      );
      expect(await snapshot(world.ec2, seeded.instances), `after failing write ${failAt}: ${writes[failAt - 1]}`).toEqual(before);
    });
  }, LOOP_TIMEOUT_MS);
});

describe('disable rolls back', () => {
  it('whichever write fails before the jit group is deleted, leaving the lock-down in place', async () => {
    const probe = newWorld(endpoint());
    await seedInstance(probe.ec2);
    const plain = probe.provider();
    await plain.enable(await plain.resolveTarget('vm01'), policy, ENABLE_DEFAULTS);
    const counting = failingSeam(probe.api, 0);
    await createAwsProvider(probe.context(counting.seam)).disable(await plain.resolveTarget('vm01'), { dryRun: false });
    expect(counting.writes.at(-1)).toBe('deleteSecurityGroup');

    const setUp = async () => {
      const enabledOne = await enabledWorld();
      return { ...enabledOne, enabled: await snapshot(enabledOne.world.ec2, [enabledOne.seeded.instanceId]) };
    };
    await forEachStep(counting.writes.length, STEPS_IN_FLIGHT, setUp, async (failAt, lane) => {
      const { seam } = failingSeam(lane.world.api, failAt);
      const failing = createAwsProvider(lane.world.context(seam));

      await expect(failing.disable(lane.target, { dryRun: false })).rejects.toThrow('injected failure');
      expect(await snapshot(lane.world.ec2, [lane.seeded.instanceId]), `after failing write ${failAt}`).toEqual(lane.enabled);
    });
  }, LOOP_TIMEOUT_MS);

  it('waits out DependencyViolation while EC2 releases the jit group (moto never raises it)', async () => {
    const world = newWorld(endpoint());
    const seeded = await seedInstance(world.ec2);
    const before = await snapshot(world.ec2, [seeded.instanceId]);
    const provider = world.provider();
    const target = await provider.resolveTarget('vm01');
    await provider.enable(target, policy, ENABLE_DEFAULTS);
    let refusals = 2;
    const seam: Ec2Api = {
      ...world.api,
      deleteSecurityGroup: async (input) => {
        if (refusals-- > 0) throw awsError('DependencyViolation');
        return world.api.deleteSecurityGroup(input);
      },
    };
    const slept: number[] = [];
    const patient = createAwsProvider({ ...world.context(seam), sleep: async (ms) => void slept.push(ms) });

    await patient.disable(target, { dryRun: false });

    expect(slept).toEqual([1000, 2000]);
    expect(await snapshot(world.ec2, [seeded.instanceId])).toEqual(before);
  });

  it('gives up on a group that stays in use, and rolls the rest back', async () => {
    const { world, seeded, target } = await enabledWorld();
    const enabled = await snapshot(world.ec2, [seeded.instanceId]);
    const seam: Ec2Api = { ...world.api, deleteSecurityGroup: async () => Promise.reject(awsError('DependencyViolation')) };
    const slept: number[] = [];
    const stubborn = createAwsProvider({
      ...world.context(seam),
      sleep: async (ms) => void slept.push(ms),
      patience: { dependencyMs: 15_000 },
    });

    await expect(stubborn.disable(target, { dryRun: false })).rejects.toMatchObject({
      code: 'JIT_AWS_GROUP_IN_USE',
      message: expect.stringMatching(/still refuses to delete security group sg-\w+ after 15 s .*were rolled back/),
    });
    expect(slept).toEqual([1000, 2000, 4000, 8000]);
    expect(await snapshot(world.ec2, [seeded.instanceId])).toEqual(enabled);
    expect(await groupsNamed(world.ec2, `jit-access-${seeded.instanceId}`)).toHaveLength(1);
  });
});
