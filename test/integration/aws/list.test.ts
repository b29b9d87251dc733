/** listEnabled (`jit list`) on AWS, against moto: instances with the jit-access tag key, by a tag-key filter. */
import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { buildPolicy } from '../../../src/core/policy.js';
import { ENABLE_DEFAULTS } from '../../support/provider-fixtures.js';
import { createGroup, newWorld, REGION, runInstance, seedInstance, useMoto } from './support.js';

const { endpoint } = useMoto();

describe('listEnabled', () => {
  it('lists the tagged instances (not untagged or terminated ones), with their region and state', async () => {
    const world = newWorld(endpoint());
    const seeded = await seedInstance(world.ec2, 'plain');
    // Its own group: the lock-down of `plain` below edits `app`, which must not be shared.
    const web = await createGroup(world.ec2, seeded.vpcId, 'web', []);
    const tagged = await runInstance(world.ec2, seeded, [web], { Name: 'web', 'jit-access': 'v1;p=22/tcp;d=1h' });
    const gone = await runInstance(world.ec2, seeded, [web], { Name: 'old', 'jit-access': 'v1;p=22/tcp;d=1h' });
    await world.ec2.send(new TerminateInstancesCommand({ InstanceIds: [gone] }));
    const provider = world.provider();

    expect(await provider.listEnabled()).toEqual([
      { cloud: 'aws', id: tagged, name: 'web', scope: { region: REGION }, policyTag: 'v1;p=22/tcp;d=1h', state: 'running' },
    ]);

    const ssh = buildPolicy({ ports: [{ from: 22, to: 22, protocol: 'tcp' }] });
    await provider.enable(await provider.resolveTarget('plain'), ssh, { ...ENABLE_DEFAULTS, isolate: true });
    expect((await world.provider().listEnabled()).map((vm) => vm.name).sort()).toEqual(['plain', 'web']);
  });
});
