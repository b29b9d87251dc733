/**
 * Cloud metadata is input: anyone with write access to a security group or an NSG can write a rule
 * that looks like one of jit's grants. A grant read back from the cloud is only trusted as far as
 * jit could have written it:
 *
 * - its expiry lies no further ahead than the longest grant jit can make (the policy's maximum
 *   when the VM's policy is known, and never more than 24 h), with a few minutes for clock skew
 *   between machines. A later expiry is treated as already past: `sweep` removes the rule,
 *   `status` flags it, and `request` never extends it (a forged `expires=2099-…` would otherwise
 *   keep a port open for good and keep the scheduler waiting for it).
 * - its source is an address or prefix. A grant whose source cannot be parsed is reported, never
 *   a usage error, and never counted as an exception to the lock-down.
 *
 * A grant's source that admits the whole internet (0.0.0.0/0, ::/0) is never an exception to the
 * lock-down either: `status` then says the port is exposed, which is true while the grant lasts.
 */
import { formatDuration, MAX_DURATION } from './duration.js';
import type { Policy, Seconds } from './model.js';
import type { CloudGrant } from './ports.js';
import { isAnyPrefix, type Prefix, tryParsePrefix } from './prefix.js';

/** The longest duration jit accepts for any request (the duration parser's own upper bound). */
const LONGEST_GRANT: Seconds = MAX_DURATION;
/** How far another machine's clock may run ahead of ours before its expiries look forged. */
const CLOCK_SKEW: Seconds = 5 * 60;

/** The latest expiry a genuine grant can have, seen from `now`. */
function latestGenuineExpiry(now: Date, policy?: Policy): number {
  const longest = Math.min(policy?.maxDuration ?? LONGEST_GRANT, LONGEST_GRANT);
  return now.getTime() + (longest + CLOCK_SKEW) * 1000;
}

function hasForgedExpiry(grant: Pick<CloudGrant, 'expiresAt'>, now: Date, policy?: Policy): boolean {
  return Date.parse(grant.expiresAt) > latestGenuineExpiry(now, policy);
}

/** Past its expiry, or carrying an expiry jit could not have written (treated as past). */
export function isDue(grant: Pick<CloudGrant, 'expiresAt'>, now: Date, policy?: Policy): boolean {
  return Date.parse(grant.expiresAt) <= now.getTime() || hasForgedExpiry(grant, now, policy);
}

/** Why a grant read from the cloud cannot be trusted as jit wrote it; undefined when it can. */
export function grantProblem(grant: CloudGrant, now: Date, policy?: Policy): string | undefined {
  if (tryParsePrefix(grant.source) === undefined) {
    return `its source "${grant.source}" is not an address or prefix, so jit did not write it as it is`;
  }
  if (hasForgedExpiry(grant, now, policy)) {
    const longest = Math.min(policy?.maxDuration ?? LONGEST_GRANT, LONGEST_GRANT);
    return `it expires ${grant.expiresAt}, later than any grant jit makes (at most ${formatDuration(longest)} ahead): treated as expired`;
  }
  return undefined;
}

/**
 * The sources whose traffic the lock-down is meant to let in: grants that are trusted, not due,
 * and narrower than the whole internet.
 */
export function exceptionSources(grants: CloudGrant[], now: Date, policy?: Policy): string[] {
  return grants.flatMap((grant) => {
    const prefix: Prefix | undefined = tryParsePrefix(grant.source);
    if (!prefix || isAnyPrefix(prefix) || isDue(grant, now, policy)) return [];
    return [prefix.cidr];
  });
}
