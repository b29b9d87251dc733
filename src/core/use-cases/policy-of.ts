import { PolicyError } from '../errors.js';
import type { Policy } from '../model.js';
import { decodePolicy } from '../policy.js';
import type { TargetInfo } from '../ports.js';

/** The target's policy, or the refusal every grant-making command gives a VM jit does not manage. */
export function requirePolicy(target: TargetInfo): Policy {
  if (target.policyTag === undefined) {
    throw new PolicyError('JIT_NOT_ENABLED', `${target.name} is not enabled for jit access.`, {
      hint: `An admin can enable it with \`jit enable ${target.name}\`.`,
    });
  }
  return decodePolicy(target.policyTag);
}

export function optionalPolicy(target: TargetInfo): Policy | undefined {
  return target.policyTag === undefined ? undefined : decodePolicy(target.policyTag);
}
