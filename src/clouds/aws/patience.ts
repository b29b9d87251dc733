/**
 * EC2 is eventually consistent, and jit waits out the two places where that shows:
 *
 * - A group jit has just created may be unknown for a while: writes naming it answer
 *   `InvalidGroup.NotFound`, filtered reads leave it out (boto/boto3#620, hashicorp/packer#1322;
 *   EC2 API "Eventual consistency" in
 *   https://docs.aws.amazon.com/AWSEC2/latest/APIReference/query-api-troubleshooting.html).
 *   `withFreshGroupPatience` retries such a write, but only for a group this run created: for any
 *   other group NotFound is the truth (someone deleted it) and is reported at once.
 * - A group just detached from an instance answers `DependencyViolation` (or the older
 *   `InvalidGroup.InUse`) to DeleteSecurityGroup until EC2 has let go of it. The Terraform AWS
 *   provider retries that delete for minutes (`resourceSecurityGroupDelete` in
 *   internal/service/ec2/vpc_security_group.go); `deleteGroupPatiently` waits up to two.
 *
 * The waits back off (1 s doubling to 8 s) and are bounded by the sum of the delays, so tests
 * that inject an instant `sleep` or a small bound stay fast and deterministic.
 */
import { ProviderError } from '../../core/errors.js';
import type { AwsContext } from './context.js';
import type { Ec2Api } from './ec2-api.js';
import { awsCodeOf } from './errors.js';

export interface Patience {
  /** How long a write naming a group this run created may keep answering InvalidGroup.NotFound. */
  freshGroupMs: number;
  /** How long DeleteSecurityGroup may keep answering DependencyViolation. */
  dependencyMs: number;
}

const DEFAULT_PATIENCE: Patience = { freshGroupMs: 30_000, dependencyMs: 120_000 };

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 8_000;

function patienceOf(context: Pick<AwsContext, 'patience'>): Patience {
  return { ...DEFAULT_PATIENCE, ...context.patience };
}

/** Runs `call` until it succeeds, fails with an error `retryable` rejects, or the bound is spent. */
async function patiently<T>(
  call: () => Promise<T>,
  retryable: (error: unknown) => boolean,
  boundMs: number,
  sleep: (ms: number) => Promise<void>,
): Promise<T> {
  let waited = 0;
  for (let delay = FIRST_DELAY_MS; ; delay = Math.min(delay * 2, MAX_DELAY_MS)) {
    try {
      return await call();
    } catch (error) {
      if (!retryable(error) || waited >= boundMs) throw error;
      const nap = Math.min(delay, boundMs - waited);
      await sleep(nap);
      waited += nap;
    }
  }
}

/** The security groups an Ec2Api input names, whatever the call calls them. */
function groupsIn(input: unknown): string[] {
  if (typeof input !== 'object' || input === null) return [];
  const { GroupId, GroupIds, Groups, Resources } = input as Record<string, unknown>;
  const lists = [GroupId, GroupIds, Groups, Resources].flatMap((value) => (Array.isArray(value) ? value : [value]));
  return lists.filter((value): value is string => typeof value === 'string' && value.startsWith('sg-'));
}

/**
 * The seam, remembering the groups it creates: a call naming one of them that answers
 * InvalidGroup.NotFound is retried within `freshGroupMs`.
 */
export function withFreshGroupPatience(api: Ec2Api, context: Pick<AwsContext, 'sleep' | 'patience'>): Ec2Api {
  const fresh = new Set<string>();
  const { freshGroupMs } = patienceOf(context);
  const names = Object.keys(api) as (keyof Ec2Api)[];
  const wrapped = Object.fromEntries(
    names.map((name) => [
      name,
      async (input: unknown) => {
        const call = () => (api[name] as (input: unknown) => Promise<unknown>)(input);
        const young = () => groupsIn(input).filter((id) => fresh.has(id));
        const retryable = (error: unknown) => awsCodeOf(error) === 'InvalidGroup.NotFound' && young().length > 0;
        const output = await patiently(call, retryable, freshGroupMs, context.sleep).catch((error: unknown) => {
          // Not "deleted by someone else" (errors.ts's hint for InvalidGroup.NotFound): jit made it.
          if (!retryable(error)) throw error;
          throw new ProviderError(
            'JIT_AWS_GROUP_NOT_FOUND',
            `EC2 still does not know security group ${young().join(', ')} ${Math.round(freshGroupMs / 1000)} s after jit created it (InvalidGroup.NotFound): EC2 is catching up more slowly than usual.`,
            { cause: error, hint: 'Run the command again in a minute.', details: { awsCode: 'InvalidGroup.NotFound' } },
          );
        });
        if (name === 'createSecurityGroup') {
          const created = (output as { GroupId?: string } | undefined)?.GroupId;
          if (created) fresh.add(created);
        }
        return output;
      },
    ]),
  );
  return wrapped as unknown as Ec2Api;
}

const IN_USE = new Set(['DependencyViolation', 'InvalidGroup.InUse']);

/**
 * Deletes a group, waiting out DependencyViolation within `dependencyMs`. A group already gone is
 * fine. When EC2 still refuses, JIT_AWS_GROUP_IN_USE says how long jit waited.
 */
export async function deleteGroupPatiently(context: AwsContext, groupId: string): Promise<void> {
  const { dependencyMs } = patienceOf(context);
  const remove = () => context.ec2.deleteSecurityGroup({ GroupId: groupId });
  try {
    await patiently(remove, (error) => IN_USE.has(awsCodeOf(error) ?? ''), dependencyMs, context.sleep);
  } catch (error) {
    const code = awsCodeOf(error);
    if (code === 'InvalidGroup.NotFound') return;
    if (!IN_USE.has(code ?? '')) throw error;
    throw new ProviderError(
      'JIT_AWS_GROUP_IN_USE',
      `EC2 still refuses to delete security group ${groupId} after ${Math.round(dependencyMs / 1000)} s of retries: it is in use (${code}).`,
      {
        cause: error,
        hint: 'EC2 releases a detached group after a while; another network interface or a rule in another group may also reference it.',
        details: { groupId, awsCode: code },
      },
    );
  }
}

/** The AWS CLI command that deletes the group in the scope jit used. */
function deleteGroupCommand(context: Pick<AwsContext, 'region' | 'profile'>, groupId: string): string {
  const profile = context.profile ? ` --profile ${context.profile}` : '';
  return `aws ec2 delete-security-group --group-id ${groupId} --region ${context.region}${profile}`;
}

/**
 * A group jit created and could not delete again: the error names it and the command that removes
 * it, so a rollback that leaves it behind says exactly what is left.
 */
export function groupLeftBehind(
  context: Pick<AwsContext, 'region' | 'profile'>,
  group: { id: string; name: string },
  error: unknown,
): ProviderError {
  const command = deleteGroupCommand(context, group.id);
  const why = error instanceof Error ? error.message : String(error);
  return new ProviderError(
    'JIT_AWS_GROUP_LEFT_BEHIND',
    `Security group ${group.id} (${group.name}) was left behind: ${why} Remove it with \`${command}\`.`,
    { cause: error, hint: `Once EC2 lets go of it: ${command}`, details: { groupId: group.id, command } },
  );
}
