// Rule arithmetic: which rules touch a policy port, which open more, which are the whole internet.
import { describe, expect, it } from 'vitest';
import {
  describeRule,
  isWorldOpen,
  parseSourceToken,
  type RuleLike,
  ruleOpensMoreThan,
  ruleOverlaps,
  sourceToken,
  toIpPermission,
} from '../../../src/clouds/aws/rules.js';
import type { PortRange } from '../../../src/core/model.js';

const ssh: PortRange = { from: 22, to: 22, protocol: 'tcp' };
const any500: PortRange = { from: 500, to: 500, protocol: '*' };

function rule(protocol: string, from: number, to: number, cidr = '0.0.0.0/0'): RuleLike {
  return { groupId: 'sg-1', protocol, from, to, source: { kind: 'cidr', cidr } };
}

describe('ruleOverlaps', () => {
  it.each([
    [rule('tcp', 22, 22), ssh, true],
    [rule('6', 20, 30), ssh, true],
    [rule('tcp', 0, 65535), ssh, true],
    [rule('-1', -1, -1), ssh, true],
    [rule('udp', 22, 22), ssh, false],
    [rule('tcp', 23, 80), ssh, false],
    [rule('udp', 500, 500), any500, true],
    [rule('17', 400, 600), any500, true],
    [rule('icmp', -1, -1), any500, false],
    [rule('icmp', 22, 22), ssh, false],
    [rule('50', -1, -1), ssh, false],
  ])('%o overlaps %o: %s', (r, port, expected) => {
    expect(ruleOverlaps(r, port)).toBe(expected);
  });
});

describe('ruleOpensMoreThan', () => {
  it.each([
    [rule('tcp', 22, 22), [ssh], false],
    [rule('tcp', 22, 23), [ssh], true],
    [rule('tcp', 22, 23), [ssh, { from: 23, to: 23, protocol: 'tcp' }], false],
    [rule('tcp', 20, 30), [{ from: 10, to: 25, protocol: 'tcp' }, { from: 26, to: 40, protocol: '*' }], false],
    [rule('tcp', 20, 30), [{ from: 10, to: 25, protocol: 'tcp' }, { from: 27, to: 40, protocol: 'tcp' }], true],
    [rule('tcp', 0, 65535), [ssh], true],
    [rule('-1', -1, -1), [{ from: 1, to: 65535, protocol: '*' }], true],
    [rule('udp', 22, 22), [ssh], true],
  ] as [RuleLike, PortRange[], boolean][])('%o beyond %o: %s', (r, ports, expected) => {
    expect(ruleOpensMoreThan(r, ports)).toBe(expected);
  });
});

describe('isWorldOpen', () => {
  it.each([
    ['0.0.0.0/0', true],
    ['::/0', true],
    ['0.0.0.0/1', false],
    ['10.0.0.0/8', false],
    ['2001:db8::/32', false],
  ])('%s: %s', (cidr, expected) => {
    expect(isWorldOpen(rule('tcp', 22, 22, cidr))).toBe(expected);
  });

  it('is false for prefix lists and group references', () => {
    expect(isWorldOpen({ source: { kind: 'prefix-list', id: 'pl-1' } })).toBe(false);
    expect(isWorldOpen({ source: { kind: 'group', groupId: 'sg-1' } })).toBe(false);
  });
});

describe('toIpPermission', () => {
  it('writes the rule back exactly: one source, its description, no ports for all-protocols', () => {
    expect(toIpPermission({ ...rule('-1', -1, -1, '::/0'), description: 'all' })).toEqual({
      IpProtocol: '-1',
      Ipv6Ranges: [{ CidrIpv6: '::/0', Description: 'all' }],
    });
    expect(toIpPermission(rule('tcp', 22, 22))).toEqual({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] });
    expect(toIpPermission({ ...rule('tcp', 22, 22), source: { kind: 'group', groupId: 'sg-2', userId: '123456789012' }, description: '' })).toEqual({
      IpProtocol: 'tcp',
      FromPort: 22,
      ToPort: 22,
      UserIdGroupPairs: [{ GroupId: 'sg-2', UserId: '123456789012', Description: '' }],
    });
    expect(toIpPermission({ ...rule('udp', 53, 53), source: { kind: 'prefix-list', id: 'pl-9' } })).toMatchObject({
      PrefixListIds: [{ PrefixListId: 'pl-9' }],
    });
  });
});

describe('source tokens', () => {
  it.each(['0.0.0.0/0', '::/0', '2001:db8::/48', 'pl-0123abcd', 'sg-0123abcd', '123456789012/sg-0123abcd'])('round-trip %s', (token) => {
    const source = parseSourceToken(token);
    expect(source && sourceToken(source)).toBe(token);
  });

  it.each(['', 'sg-', '10.0.0.1', '10.0.0.0/x', 'example.com/24', '12/sg-1'])('refuse %s', (token) => {
    expect(parseSourceToken(token)).toBeUndefined();
  });
});

describe('describeRule', () => {
  it('reads as one line an operator can check', () => {
    expect(describeRule({ ...rule('tcp', 22, 22), ruleId: 'sgr-1', description: 'ssh' }, 'sg-1 (app)')).toBe(
      'sg-1 (app) sgr-1 tcp 22 from 0.0.0.0/0 "ssh"',
    );
    expect(describeRule(rule('-1', -1, -1))).toBe('sg-1 all traffic from 0.0.0.0/0');
    expect(describeRule(rule('tcp', 5985, 5986))).toBe('sg-1 tcp 5985-5986 from 0.0.0.0/0');
  });
});
