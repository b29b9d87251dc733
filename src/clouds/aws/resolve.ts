/**
 * Target resolution (docs/cli.md, "Targets"): an instance id, or the value of the instance's Name
 * tag in the region. Terminated instances linger in DescribeInstances for about an hour; they never
 * make a name ambiguous and are refused by id.
 */
import type { Instance } from '@aws-sdk/client-ec2';
import { isJitError, ProviderError, UserError } from '../../core/errors.js';
import { POLICY_TAG } from '../../core/policy.js';
import type { TargetInfo } from '../../core/ports.js';
import { isPublicUnicast } from '../../core/prefix.js';
import { type AwsContext, scopeOf } from './context.js';
import { describeInstance, describeInstances } from './inventory.js';
import { tagMap } from './rules.js';

const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const GONE_STATES = new Set(['shutting-down', 'terminated']);

function notFound(context: AwsContext, ref: string): ProviderError {
  return new ProviderError('JIT_TARGET_NOT_FOUND', `No EC2 instance "${ref}" in ${context.region}.`, {
    hint: 'Check the instance id or Name tag, and the region (--region, AWS_REGION, `jit config set region`).',
  });
}

function stateOf(instance: Instance): string {
  return instance.State?.Name ?? 'unknown';
}

function gone(context: AwsContext, instance: Instance, ref: string): ProviderError {
  return new ProviderError('JIT_TARGET_TERMINATED', `EC2 instance ${instance.InstanceId} ("${ref}") in ${context.region} is ${stateOf(instance)}.`, {
    hint: 'A terminated instance cannot be reached; name a running or stopped one.',
  });
}

function addressesOf(instance: Instance): { privateAddresses: string[]; publicAddresses: string[] } {
  const privates = new Set<string>();
  const publics = new Set<string>();
  for (const eni of instance.NetworkInterfaces ?? []) {
    for (const address of eni.PrivateIpAddresses ?? []) {
      if (address.PrivateIpAddress) privates.add(address.PrivateIpAddress);
      if (address.Association?.PublicIp) publics.add(address.Association.PublicIp);
    }
    // EC2 IPv6 addresses are global unicast and reachable when routed; a unique-local one is private.
    for (const address of eni.Ipv6Addresses ?? []) {
      if (!address.Ipv6Address) continue;
      (isPublicUnicast(address.Ipv6Address) ? publics : privates).add(address.Ipv6Address);
    }
  }
  if (instance.PrivateIpAddress) privates.add(instance.PrivateIpAddress);
  if (instance.PublicIpAddress) publics.add(instance.PublicIpAddress);
  return { privateAddresses: [...privates], publicAddresses: [...publics] };
}

export function targetInfoOf(context: AwsContext, instance: Instance): TargetInfo {
  const tags = tagMap(instance.Tags);
  const id = instance.InstanceId as string;
  return {
    cloud: 'aws',
    id,
    name: tags.Name || id,
    scope: scopeOf(context),
    ...addressesOf(instance),
    policyTag: tags[POLICY_TAG],
    state: stateOf(instance),
  };
}

async function byId(context: AwsContext, ref: string): Promise<Instance> {
  try {
    const instance = await describeInstance(context.ec2, ref);
    if (instance) return instance;
  } catch (error) {
    if (!(isJitError(error) && error.code === 'JIT_TARGET_NOT_FOUND')) throw error;
  }
  throw notFound(context, ref);
}

async function byName(context: AwsContext, ref: string): Promise<Instance> {
  const all = await describeInstances(context.ec2, [{ Name: 'tag:Name', Values: [ref] }]);
  const live = all.filter((instance) => !GONE_STATES.has(stateOf(instance)));
  const [first, ...others] = live;
  if (first && others.length === 0) return first;
  if (first) {
    const candidates = live.map((instance) => ({ id: instance.InstanceId ?? '', state: stateOf(instance) }));
    throw new UserError(
      'JIT_TARGET_AMBIGUOUS',
      `${live.length} EC2 instances in ${context.region} are named "${ref}": ${candidates.map((c) => `${c.id} (${c.state})`).join(', ')}.`,
      { hint: 'Name the instance by its id instead.', details: { candidates } },
    );
  }
  const terminated = all[0];
  throw terminated ? gone(context, terminated, ref) : notFound(context, ref);
}

export async function resolveTarget(context: AwsContext, ref: string): Promise<TargetInfo> {
  const instance = INSTANCE_ID.test(ref) ? await byId(context, ref) : await byName(context, ref);
  if (GONE_STATES.has(stateOf(instance))) throw gone(context, instance, ref);
  return targetInfoOf(context, instance);
}
