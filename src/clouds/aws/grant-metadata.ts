/**
 * A grant's metadata on its security-group rules, so `jit sweep` and `jit status` work from the
 * cloud alone (docs/aws.md, "Grants"; docs/expiry.md, "Sweep"). Each rule carries it twice:
 *
 * - tags (written atomically with the rule through TagSpecifications):
 *     jit-access:grant = <grant id> · jit-access:expires = <UTC, second precision> ·
 *     jit-access:requester = <caller ARN, ≤ 256 characters>
 * - the description, readable in the console and by anyone without tag permissions:
 *     `jit-access v1 grant=<id> expires=2026-05-01T12:00:00Z by=<requester>`
 *   EC2 allows 255 characters from a-z A-Z 0-9 space and ._-:/()#,@[]+=&;{}!$*
 *   (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html); the requester is
 *   sanitised to that set and truncated to fit.
 */
import type { Tag } from '@aws-sdk/client-ec2';
import { TAGS } from './records.js';

const GRANT_FORMAT_VERSION = 1;
export const DESCRIPTION_LIMIT = 255;
const TAG_VALUE_LIMIT = 256;

const DESCRIPTION_CHAR = /[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]/;
const DESCRIPTION = /^jit-access v(\d+) grant=(\S+) expires=(\S+) by=(.*)$/;

export interface GrantMetadata {
  grantId: string;
  /** ISO 8601 UTC, second precision. */
  expiresAt: string;
  requester: string;
}

/** EC2 keeps whole seconds in the metadata; the fraction is dropped (never later than asked). */
export function cloudExpiry(expiresAt: string): string {
  return new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function sanitizeForDescription(text: string): string {
  return Array.from(text, (char) => (DESCRIPTION_CHAR.test(char) ? char : '_')).join('');
}

export function grantDescription(meta: GrantMetadata): string {
  const head = `jit-access v${GRANT_FORMAT_VERSION} grant=${meta.grantId} expires=${cloudExpiry(meta.expiresAt)} by=`;
  return `${head}${sanitizeForDescription(meta.requester)}`.slice(0, DESCRIPTION_LIMIT);
}

export function grantTags(meta: GrantMetadata): Tag[] {
  return [
    { Key: TAGS.grant, Value: meta.grantId },
    { Key: TAGS.expires, Value: cloudExpiry(meta.expiresAt) },
    { Key: TAGS.requester, Value: meta.requester.slice(0, TAG_VALUE_LIMIT) },
  ];
}

/** An expiry read back from the cloud, in the one form every provider reports (`toISOString()`). */
function validExpiry(text: string | undefined): string | undefined {
  if (!text || Number.isNaN(Date.parse(text))) return undefined;
  return new Date(text).toISOString();
}

/**
 * Reads a rule's grant metadata: the tags first (exact requester), the description when the tags
 * are missing (e.g. stripped by a tag policy). `undefined` for a rule that is not a jit grant.
 */
export function readGrantMetadata(
  tags: Record<string, string>,
  description: string | undefined,
): GrantMetadata | undefined {
  const fromTags = tags[TAGS.grant];
  const tagExpiry = validExpiry(tags[TAGS.expires]);
  if (fromTags && tagExpiry) {
    return { grantId: fromTags, expiresAt: tagExpiry, requester: tags[TAGS.requester] ?? '' };
  }
  const match = description === undefined ? null : DESCRIPTION.exec(description);
  const expiry = validExpiry(match?.[3]);
  if (!match || !expiry) return undefined;
  return { grantId: match[2] as string, expiresAt: expiry, requester: match[4] as string };
}
