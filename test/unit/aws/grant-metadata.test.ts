// A grant's metadata on its EC2 rules: description format and charset, tags, and reading both back.
import { describe, expect, it } from 'vitest';
import {
  cloudExpiry,
  DESCRIPTION_LIMIT,
  grantDescription,
  grantTags,
  readGrantMetadata,
  sanitizeForDescription,
} from '../../../src/clouds/aws/grant-metadata.js';

/** EC2's description charset (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html). */
const EC2_DESCRIPTION = /^[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/;
const meta = { grantId: 'a1b2c3d4', expiresAt: '2030-01-02T03:04:05.999Z', requester: 'arn:aws:iam::123456789012:user/alice' };

describe('grantDescription', () => {
  it('carries the format version, grant id, expiry in UTC and requester', () => {
    expect(grantDescription(meta)).toBe('jit-access v1 grant=a1b2c3d4 expires=2030-01-02T03:04:05Z by=arn:aws:iam::123456789012:user/alice');
  });

  it('sanitises the requester to EC2\'s charset and truncates to 255 characters', () => {
    const requester = `arn:aws:sts::123456789012:assumed-role/Équipe "ops"/<jöhn>%${'x'.repeat(300)}`;

    const description = grantDescription({ ...meta, requester });

    expect(description).toMatch(EC2_DESCRIPTION);
    expect(description).toHaveLength(DESCRIPTION_LIMIT);
    expect(description).toContain('assumed-role/_quipe _ops_/_j_hn__xxx');
  });

  it('keeps every character EC2 allows', () => {
    const allowed = 'aZ09 ._-:/()#,@[]+=&;{}!$*';
    expect(sanitizeForDescription(allowed)).toBe(allowed);
  });
});

describe('grantTags', () => {
  it('tag the grant id, the expiry (whole seconds) and the requester', () => {
    expect(grantTags(meta)).toEqual([
      { Key: 'jit-access:grant', Value: 'a1b2c3d4' },
      { Key: 'jit-access:expires', Value: '2030-01-02T03:04:05Z' },
      { Key: 'jit-access:requester', Value: meta.requester },
    ]);
  });

  it('keep at most 256 characters of a requester', () => {
    expect(grantTags({ ...meta, requester: 'r'.repeat(400) })[2]?.Value).toHaveLength(256);
  });
});

describe('readGrantMetadata', () => {
  const tags = Object.fromEntries(grantTags(meta).map((tag) => [tag.Key, tag.Value]));

  it('reads the tags first', () => {
    expect(readGrantMetadata(tags, 'anything')).toEqual({ ...meta, expiresAt: '2030-01-02T03:04:05.000Z' });
  });

  it('falls back to the description when the tags are gone', () => {
    expect(readGrantMetadata({}, grantDescription(meta))).toEqual({ ...meta, expiresAt: '2030-01-02T03:04:05.000Z' });
  });

  it.each([
    [{}, undefined],
    [{}, 'SSH from anywhere'],
    [{}, 'jit-access v1 grant=a1b2c3d4 expires=soon by=me'],
    [{ 'jit-access:grant': 'a1b2c3d4', 'jit-access:expires': 'never' }, undefined],
  ])('is undefined for a rule that is not a grant (%o, %s)', (ruleTags, description) => {
    expect(readGrantMetadata(ruleTags, description)).toBeUndefined();
  });

  it('normalises expiries to whole seconds, never later than asked', () => {
    expect(cloudExpiry('2030-01-02T03:04:05.999Z')).toBe('2030-01-02T03:04:05Z');
    expect(cloudExpiry('2030-01-02T04:04:05+01:00')).toBe('2030-01-02T03:04:05Z');
  });
});
