/**
 * What jit keeps in the cloud about a lock-down, as tags on the instance's jit group, so that
 * `jit disable` on any machine restores exactly what `jit enable` changed (docs/aws.md, "Records";
 * docs/safety.md).
 *
 * Format v1 (EC2 tags: key ≤ 128 characters, value ≤ 256, 50 tags per resource):
 *
 *   jit-access:managed                    = v1                       the group is jit's; format version
 *   jit-access:instance                   = i-0123…                  the instance it locks down
 *   jit-access:revoked:<h>                = v1;<group>;<protocol>;<from>;<to>;<source>
 *   jit-access:revoked:<h>:description    = <the rule's description, verbatim>   (only if it had one)
 *   jit-access:swap:<original group>      = v1;<copy group>          (--isolate)
 *
 * <h> is 12 hex digits of the SHA-256 of the record value, so recording the same rule twice is
 * one tag, and records from concurrent runs never collide. <source> is a CIDR, `pl-…`, `sg-…` or
 * `<account>/sg-…`. A description (EC2 allows 255 characters) gets a tag of its own because it
 * would not fit beside the rule in one 256-character value. A copy made by --isolate carries
 * `jit-access:copy-of` = <original group> and `jit-access:instance`.
 */
import { createHash } from 'node:crypto';
import { ProviderError } from '../../core/errors.js';
import { parseSourceToken, type RuleLike, ruleIdentity } from './rules.js';

export const RECORD_VERSION = 'v1';

export const TAGS = {
  managed: 'jit-access:managed',
  instance: 'jit-access:instance',
  copyOf: 'jit-access:copy-of',
  revoked: 'jit-access:revoked:',
  swap: 'jit-access:swap:',
  grant: 'jit-access:grant',
  expires: 'jit-access:expires',
  requester: 'jit-access:requester',
} as const;

const DESCRIPTION_SUFFIX = ':description';

/** EC2's limit of tags on one resource. */
export const MAX_TAGS = 50;

export type RecordedRule = Omit<RuleLike, 'ruleId'> & { key: string };

interface Swap {
  /** The shared group the instance left. */
  original: string;
  /** jit's copy of it that the instance uses instead. */
  copy: string;
  key: string;
}

interface LockdownRecords {
  revoked: RecordedRule[];
  swaps: Swap[];
}

export function jitGroupName(instanceId: string): string {
  return `jit-access-${instanceId}`;
}

function corrupt(key: string, value: string, why: string): ProviderError {
  return new ProviderError('JIT_AWS_RECORD_CORRUPT', `The jit group's tag ${key}="${value}" is not a jit record: ${why}.`, {
    hint: 'It was edited by hand. Restore the tag, or remove it and restore the rule it described yourself.',
  });
}

function versionCheck(key: string, value: string, version: string | undefined): void {
  if (version === RECORD_VERSION) return;
  if (version && /^v\d+$/.test(version)) {
    throw new ProviderError(
      'JIT_AWS_RECORD_VERSION_UNSUPPORTED',
      `The jit group's records are format ${version}; this jit understands ${RECORD_VERSION}.`,
      { hint: 'Upgrade jit-access (npm i -g jit-access@latest).' },
    );
  }
  throw corrupt(key, value, 'it does not start with a version');
}

function recordValue(rule: RuleLike): string {
  return `${RECORD_VERSION};${ruleIdentity(rule)}`;
}

/** The record's tag key: the description plays no part (two rules differing only in it are one to EC2). */
export function recordKey(rule: RuleLike): string {
  const hash = createHash('sha256').update(recordValue(rule)).digest('hex').slice(0, 12);
  return `${TAGS.revoked}${hash}`;
}

/** The tags that record one revoked rule (one, or two with a description). */
export function encodeRevoked(rule: RuleLike): { Key: string; Value: string }[] {
  const key = recordKey(rule);
  const tags = [{ Key: key, Value: recordValue(rule) }];
  if (rule.description !== undefined) tags.push({ Key: `${key}${DESCRIPTION_SUFFIX}`, Value: rule.description });
  return tags;
}

/** Every tag key a record occupies (for DeleteTags). */
export function recordTagKeys(record: RecordedRule): string[] {
  return record.description === undefined ? [record.key] : [record.key, `${record.key}${DESCRIPTION_SUFFIX}`];
}

export function encodeSwap(original: string, copy: string): { Key: string; Value: string } {
  return { Key: `${TAGS.swap}${original}`, Value: `${RECORD_VERSION};${copy}` };
}

function decodeRevoked(key: string, value: string, tags: Record<string, string>): RecordedRule {
  const [version, groupId, protocol, from, to, token, extra] = value.split(';');
  versionCheck(key, value, version);
  const source = token === undefined ? undefined : parseSourceToken(token);
  if (!groupId?.startsWith('sg-') || !protocol || !/^-?\d+$/.test(from ?? '') || !/^-?\d+$/.test(to ?? '')) {
    throw corrupt(key, value, 'expected v1;<group>;<protocol>;<from>;<to>;<source>');
  }
  if (!source || extra !== undefined) throw corrupt(key, value, `"${token}" is not a rule source`);
  const description = tags[`${key}${DESCRIPTION_SUFFIX}`];
  return {
    key,
    groupId,
    protocol,
    from: Number(from),
    to: Number(to),
    source,
    ...(description !== undefined ? { description } : {}),
  };
}

export function decodeRecords(tags: Record<string, string>): LockdownRecords {
  const revoked: RecordedRule[] = [];
  const swaps: Swap[] = [];
  for (const [key, value] of Object.entries(tags)) {
    if (key.startsWith(TAGS.revoked) && !key.endsWith(DESCRIPTION_SUFFIX)) {
      revoked.push(decodeRevoked(key, value, tags));
    } else if (key.startsWith(TAGS.swap)) {
      const [version, copy, extra] = value.split(';');
      versionCheck(key, value, version);
      const original = key.slice(TAGS.swap.length);
      if (!original.startsWith('sg-') || !copy?.startsWith('sg-') || extra !== undefined) {
        throw corrupt(key, value, 'expected v1;<copy group>');
      }
      swaps.push({ original, copy, key });
    }
  }
  return { revoked, swaps };
}
