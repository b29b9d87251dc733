import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import {
  addressOrPrefix,
  addressRange,
  hostPrefix,
  isPublicUnicast,
  parsePrefix,
  prefixContains,
  tryAddressBlock,
  tryParseAddress,
} from '../../../src/core/prefix.js';

describe('parsePrefix', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7/32', 4],
    ['203.0.113.0/24', '203.0.113.0/24', 4],
    ['0.0.0.0/0', '0.0.0.0/0', 4],
    ['2001:DB8::1', '2001:db8::1/128', 6],
    ['2001:0db8:0000::/48', '2001:db8::/48', 6],
    ['::/0', '::/0', 6],
    [' 10.0.0.0/8 ', '10.0.0.0/8', 4],
  ] as const)('%s → %s', (input, cidr, family) => {
    const prefix = parsePrefix(input, '--source');
    expect(prefix.cidr).toBe(cidr);
    expect(prefix.family).toBe(family);
  });

  it.each([
    ['10.0.0.300', 'is not an IPv4 or IPv6'],
    ['::g', 'is not an IPv4 or IPv6'],
    ['1.2.3.4/33', 'invalid prefix length: IPv4 takes /0 to /32'],
    ['2001:db8::/129', 'IPv6 takes /0 to /128'],
    ['1.2.3', 'is not an IPv4 or IPv6'],
    ['010.1.1.1', 'is not an IPv4 or IPv6'],
    ['0x7f.0.0.1', 'is not an IPv4 or IPv6'],
    ['fe80::1%eth0', 'is not an IPv4 or IPv6'],
    ['1.2.3.4/', 'invalid prefix length'],
    ['1.2.3.4/-1', 'invalid prefix length'],
    ['example.com', 'is not an IPv4 or IPv6'],
    ['10.0.0.5/8', 'host bits set under /8'],
  ])('refuses %j', (input, why) => {
    const attempt = () => parsePrefix(input, '--source');
    expect(attempt).toThrow(UserError);
    expect(attempt).toThrow(why);
    expect(attempt).toThrow(/^--source /);
  });

  it('suggests the network address when host bits are set', () => {
    try {
      parsePrefix('192.168.1.77/24', '--allow-source');
      expect.unreachable();
    } catch (error) {
      expect((error as UserError).hint).toBe('Did you mean 192.168.1.0/24?');
    }
  });
});

describe('prefixContains', () => {
  const p = (text: string) => parsePrefix(text, 'x');
  it.each([
    ['10.0.0.0/8', '10.1.2.3/32', true],
    ['10.0.0.0/8', '10.0.0.0/8', true],
    ['10.0.0.0/8', '10.0.0.0/7', false],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['0.0.0.0/0', '8.8.8.8', true],
    ['0.0.0.0/0', '2001:db8::1', false],
    ['2001:db8::/32', '2001:db8:1::/48', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['203.0.113.0/25', '203.0.113.128/32', false],
  ])('%s contains %s: %s', (outer, inner, expected) => {
    expect(prefixContains(p(outer), p(inner))).toBe(expected);
  });
});

describe('addresses', () => {
  it.each([
    ['8.8.8.8', true, 'unicast'],
    ['2606:4700:4700::1111', true, 'unicast'],
    ['10.1.2.3', false, 'private'],
    ['172.16.0.1', false, 'private'],
    ['192.168.0.1', false, 'private'],
    ['127.0.0.1', false, 'loopback'],
    ['::1', false, 'loopback'],
    ['169.254.169.254', false, 'linkLocal'],
    ['fe80::1', false, 'linkLocal'],
    ['100.64.0.1', false, 'carrierGradeNat'],
    ['224.0.0.1', false, 'multicast'],
    ['ff02::1', false, 'multicast'],
    ['0.0.0.0', false, 'unspecified'],
    ['::', false, 'unspecified'],
    ['fd00::1', false, 'uniqueLocal'],
    ['203.0.113.9', false, 'reserved'],
    ['garbage', false, 'invalid'],
  ])('%s public=%s (%s)', (address, isPublic, range) => {
    expect(isPublicUnicast(address)).toBe(isPublic);
    expect(addressRange(address)).toBe(range);
  });

  it('canonicalises and builds host prefixes', () => {
    expect(tryParseAddress('2001:0DB8::0001')).toEqual({ family: 6, address: '2001:db8::1' });
    expect(tryParseAddress('nope')).toBeUndefined();
    expect(hostPrefix('8.8.4.4').cidr).toBe('8.8.4.4/32');
    expect(hostPrefix('2606:4700::1').cidr).toBe('2606:4700::1/128');
    expect(() => hostPrefix('nope')).toThrow(UserError);
  });
});

describe('address blocks (a cloud-allocated block, e.g. a NIC IP configuration holding a prefix)', () => {
  it.each<[string, number, string | undefined]>([
    ['172.20.2.16', 28, '172.20.2.16/28'],
    ['172.20.2.20', 28, '172.20.2.16/28'],
    ['10.0.0.4', 32, '10.0.0.4/32'],
    ['fd00:1::5', 80, 'fd00:1::/80'],
    ['10.0.0.4', 33, undefined],
    ['10.0.0.4', 27.5, undefined],
    ['10.1', 24, undefined],
  ])('%s/%d → %s', (address, length, cidr) => {
    expect(tryAddressBlock(address, length)?.cidr).toBe(cidr);
  });

  it('addressOrPrefix reads an address as its host prefix and a CIDR as itself', () => {
    expect(addressOrPrefix('10.0.0.4')).toMatchObject({ cidr: '10.0.0.4/32' });
    expect(addressOrPrefix('172.20.2.16/28')).toMatchObject({ cidr: '172.20.2.16/28', family: 4 });
  });
});
