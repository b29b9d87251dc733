// The cloud-side record of revoked rules and --isolate swaps (tags on the jit group).
import { describe, expect, it } from 'vitest';
import { decodeRecords, encodeRevoked, encodeSwap, recordKey, recordTagKeys, TAGS } from '../../../src/clouds/aws/records.js';
import type { RuleLike } from '../../../src/clouds/aws/rules.js';

const DESCRIPTION_255 = 'On-call SSH (ticket #4711) [ops]: a-z A-Z 0-9 ._-:/()#,@[]+=&;{}!$* '.repeat(4).slice(0, 255);

const rules: RuleLike[] = [
  { groupId: 'sg-0123456789abcdef0', protocol: 'tcp', from: 22, to: 22, source: { kind: 'cidr', cidr: '0.0.0.0/0' }, description: DESCRIPTION_255 },
  { groupId: 'sg-0123456789abcdef0', protocol: 'tcp', from: 0, to: 65535, source: { kind: 'cidr', cidr: '::/0' } },
  { groupId: 'sg-11111111', protocol: '-1', from: -1, to: -1, source: { kind: 'cidr', cidr: '0.0.0.0/0' }, description: '' },
  { groupId: 'sg-11111111', protocol: 'udp', from: 500, to: 500, source: { kind: 'prefix-list', id: 'pl-0123abcd' } },
  {
    groupId: 'sg-11111111',
    protocol: 'tcp',
    from: 3389,
    to: 3389,
    source: { kind: 'group', groupId: 'sg-22222222', userId: '123456789012' },
    description: 'from the bastions of the shared-services account',
  },
  { groupId: 'sg-11111111', protocol: 'icmp', from: 8, to: 0, source: { kind: 'group', groupId: 'sg-11111111' } },
];

function tagsOf(entries: { Key: string; Value: string }[]): Record<string, string> {
  return Object.fromEntries(entries.map((tag) => [tag.Key, tag.Value]));
}

describe('revoked-rule records', () => {
  it('round-trip every kind of rule exactly, descriptions of 255 characters included', () => {
    const tags = tagsOf(rules.flatMap(encodeRevoked));

    const decoded = decodeRecords(tags).revoked;

    expect(decoded.map(({ key: _key, ...rule }) => rule)).toEqual(rules);
    expect(decoded.map((rule) => rule.key)).toEqual(rules.map(recordKey));
  });

  it('fit EC2\'s tag limits: keys of at most 128 characters, values of at most 256', () => {
    for (const tag of rules.flatMap(encodeRevoked)) {
      expect(tag.Key.length).toBeLessThanOrEqual(128);
      expect(tag.Value.length).toBeLessThanOrEqual(256);
    }
  });

  it('are keyed by what the rule allows: the same rule twice is one record, another rule another', () => {
    const [first, second] = rules as [RuleLike, RuleLike];

    expect(recordKey({ ...first, description: 'other words' })).toBe(recordKey(first));
    expect(recordKey(second)).not.toBe(recordKey(first));
    expect(recordKey(first)).toMatch(/^jit-access:revoked:[0-9a-f]{12}$/);
  });

  it('keep the value compact and versioned', () => {
    expect(encodeRevoked(rules[0] as RuleLike)).toEqual([
      { Key: recordKey(rules[0] as RuleLike), Value: 'v1;sg-0123456789abcdef0;tcp;22;22;0.0.0.0/0' },
      { Key: `${recordKey(rules[0] as RuleLike)}:description`, Value: DESCRIPTION_255 },
    ]);
    expect(encodeRevoked(rules[4] as RuleLike)[0]?.Value).toBe('v1;sg-11111111;tcp;3389;3389;123456789012/sg-22222222');
  });

  it('name every tag they occupy, so a restore drops them all', () => {
    const [withDescription, without] = decodeRecords(tagsOf(rules.slice(0, 2).flatMap(encodeRevoked))).revoked;

    expect(recordTagKeys(withDescription!)).toHaveLength(2);
    expect(recordTagKeys(without!)).toHaveLength(1);
  });

  it('ignore the group\'s other tags', () => {
    expect(decodeRecords({ [TAGS.managed]: 'v1', [TAGS.instance]: 'i-0123456789abcdef0', Name: 'x' })).toEqual({
      revoked: [],
      swaps: [],
    });
  });

  it.each([
    ['v1;sg-1;tcp;22', 'JIT_AWS_RECORD_CORRUPT'],
    ['v1;sg-1;tcp;22;x;0.0.0.0/0', 'JIT_AWS_RECORD_CORRUPT'],
    ['v1;sg-1;tcp;22;22;not-a-source', 'JIT_AWS_RECORD_CORRUPT'],
    ['v1;sg-1;tcp;22;22;0.0.0.0/0;extra', 'JIT_AWS_RECORD_CORRUPT'],
    ['sg-1;tcp;22;22;0.0.0.0/0', 'JIT_AWS_RECORD_CORRUPT'],
    ['v2;anything', 'JIT_AWS_RECORD_VERSION_UNSUPPORTED'],
  ])('refuse %s with %s rather than restore a guess', (value, code) => {
    expect(() => decodeRecords({ [`${TAGS.revoked}0123456789ab`]: value })).toThrow(expect.objectContaining({ code }));
  });
});

describe('swap records', () => {
  it('round-trip', () => {
    const tag = encodeSwap('sg-0aaaaaaaaaaaaaaaa', 'sg-0bbbbbbbbbbbbbbbb');

    expect(tag).toEqual({ Key: 'jit-access:swap:sg-0aaaaaaaaaaaaaaaa', Value: 'v1;sg-0bbbbbbbbbbbbbbbb' });
    expect(decodeRecords({ [tag.Key]: tag.Value }).swaps).toEqual([
      { original: 'sg-0aaaaaaaaaaaaaaaa', copy: 'sg-0bbbbbbbbbbbbbbbb', key: tag.Key },
    ]);
  });

  it('refuse a malformed one', () => {
    expect(() => decodeRecords({ 'jit-access:swap:sg-1': 'v1;nope' })).toThrow(expect.objectContaining({ code: 'JIT_AWS_RECORD_CORRUPT' }));
  });
});
