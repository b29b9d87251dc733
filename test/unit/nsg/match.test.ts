import { describe, expect, it } from 'vitest';
import type { PortRange, Protocol } from '../../../src/core/model.js';
import {
  allOf,
  anyOf,
  isBroadAddressEntry,
  type Match,
  matchDestinations,
  matchSource,
  matchTarget,
  parseRulePortRange,
  protocolOverlaps,
} from '../../../src/core/nsg/match.js';
import type { NsgProtocol } from '../../../src/core/nsg/types.js';
import { addressOrPrefix, hostPrefix, parsePrefix } from '../../../src/core/prefix.js';
import { allow, type RuleSpec } from './fixtures.js';

const VNET = ['10.0.0.0/16', 'fd00:1::/48'].map((p) => parsePrefix(p, 'test'));

describe('anyOf / allOf', () => {
  it.each<[Match[], Match, Match]>([
    [['no', 'maybe'], 'maybe', 'no'],
    [['no', 'yes'], 'yes', 'no'],
    [['maybe', 'yes'], 'yes', 'maybe'],
    [['yes', 'yes'], 'yes', 'yes'],
    [['no', 'no'], 'no', 'no'],
    [[], 'no', 'yes'],
  ])('%j → anyOf %s, allOf %s', (matches, any, all) => {
    expect(anyOf(matches)).toBe(any);
    expect(allOf(...matches)).toBe(all);
  });
});

describe('parseRulePortRange', () => {
  it.each([
    ['*', { from: 0, to: 65535 }],
    ['22', { from: 22, to: 22 }],
    [' 22 ', { from: 22, to: 22 }],
    ['8000-8100', { from: 8000, to: 8100 }],
    ['0-65535', { from: 0, to: 65535 }],
    ['65535', { from: 65535, to: 65535 }],
    ['65536', undefined],
    ['100-50', undefined],
    ['22,23', undefined],
    ['-5', undefined],
    ['ssh', undefined],
    ['', undefined],
  ])('%j → %j', (entry, span) => {
    expect(parseRulePortRange(entry)).toEqual(span);
  });
});

describe('protocolOverlaps', () => {
  it.each<[NsgProtocol, Protocol, boolean]>([
    ['Tcp', 'tcp', true],
    ['Tcp', 'udp', false],
    ['Udp', 'udp', true],
    ['Udp', 'tcp', false],
    ['*', 'tcp', true],
    ['*', 'udp', true],
    ['*', '*', true],
    ['Tcp', '*', true],
    ['Udp', '*', true],
    ['Icmp', '*', false],
    ['Icmp', 'tcp', false],
    ['Esp', '*', false],
    ['Ah', 'udp', false],
  ])('rule %s vs %s → %s', (rule, protocol, expected) => {
    expect(protocolOverlaps(rule, protocol)).toBe(expected);
  });
});

describe('isBroadAddressEntry', () => {
  it.each([
    ['*', true],
    ['Any', true],
    ['Internet', true],
    ['INTERNET', true],
    ['0.0.0.0/0', true],
    ['::/0', true],
    ['0.0.0.0/1', false],
    ['203.0.113.0/24', false],
    ['VirtualNetwork', false],
    ['AzureCloud', false],
  ])('%s → %s', (entry, broad) => {
    expect(isBroadAddressEntry(entry)).toBe(broad);
  });
});

describe('matchSource with the VNet known (10.0.0.0/16, fd00:1::/48)', () => {
  it.each<[string, RuleSpec, string, Match]>([
    ['* takes IPv4', { src: '*' }, '203.0.113.7', 'yes'],
    ['* takes IPv6', { src: '*' }, '2001:db8::7', 'yes'],
    ['Any is *', { src: 'Any' }, '203.0.113.7', 'yes'],
    ['0.0.0.0/0 takes IPv4', { src: '0.0.0.0/0' }, '203.0.113.7', 'yes'],
    ['0.0.0.0/0 is IPv4 only', { src: '0.0.0.0/0' }, '2001:db8::7', 'no'],
    ['::/0 takes IPv6', { src: '::/0' }, '2001:db8::7', 'yes'],
    ['::/0 is IPv6 only', { src: '::/0' }, '203.0.113.7', 'no'],
    ['CIDR contains', { src: '203.0.113.0/24' }, '203.0.113.7', 'yes'],
    ['CIDR misses', { src: '203.0.113.0/24' }, '198.51.100.7', 'no'],
    ['bare address', { src: '203.0.113.7' }, '203.0.113.7', 'yes'],
    ['IPv6 CIDR', { src: '2001:db8::/32' }, '2001:db8::7', 'yes'],
    ['Internet takes a public address', { src: 'Internet' }, '203.0.113.7', 'yes'],
    ['Internet takes a public IPv6 address', { src: 'Internet' }, '2001:db8::7', 'yes'],
    ['Internet is case-insensitive', { src: 'internet' }, '203.0.113.7', 'yes'],
    ['Internet excludes the VNet', { src: 'Internet' }, '10.0.1.5', 'no'],
    ['Internet excludes the IPv6 VNet', { src: 'Internet' }, 'fd00:1::5', 'no'],
    ['Internet excludes the host virtual IP', { src: 'Internet' }, '168.63.129.16', 'no'],
    ['Internet excludes IMDS', { src: 'Internet' }, '169.254.169.254', 'no'],
    ['Internet takes a private address outside the VNet', { src: 'Internet' }, '192.168.1.1', 'yes'],
    ['VirtualNetwork takes the VNet', { src: 'VirtualNetwork' }, '10.0.1.5', 'yes'],
    ['VirtualNetwork takes the IPv6 VNet', { src: 'VirtualNetwork' }, 'fd00:1::5', 'yes'],
    ['VirtualNetwork takes the host virtual IP', { src: 'VirtualNetwork' }, '168.63.129.16', 'yes'],
    ['VirtualNetwork excludes the internet', { src: 'VirtualNetwork' }, '203.0.113.7', 'no'],
    ['AzureLoadBalancer is the host virtual IP', { src: 'AzureLoadBalancer' }, '168.63.129.16', 'yes'],
    ['AzureLoadBalancer is nothing else', { src: 'AzureLoadBalancer' }, '10.0.1.5', 'no'],
    ['another service tag may match', { src: 'AzureCloud' }, '203.0.113.7', 'maybe'],
    ['a regional service tag may match', { src: 'Storage.WestUS' }, '203.0.113.7', 'maybe'],
    ['host bits set: not a prefix we can read', { src: '203.0.113.7/24' }, '203.0.113.7', 'maybe'],
    ['list: one entry contains', { src: ['198.51.100.0/24', '203.0.113.0/24'] }, '203.0.113.7', 'yes'],
    ['list: no entry contains', { src: ['198.51.100.0/24', '203.0.113.0/24'] }, '192.0.2.1', 'no'],
    ['list: a tag may match', { src: ['198.51.100.0/24', 'AzureCloud'] }, '192.0.2.1', 'maybe'],
    ['application security group', { srcAsg: true }, '10.0.1.5', 'maybe'],
    ['application security group beside a * prefix', { srcAsg: true, src: '*' }, '203.0.113.7', 'maybe'],
    ['no source at all', { src: [] }, '203.0.113.7', 'maybe'],
  ])('%s', (_, spec, source, expected) => {
    expect(matchSource(allow(100, spec), hostPrefix(source), VNET)).toBe(expected);
  });
});

describe('matchSource without the VNet, for prefixes (grant sources)', () => {
  it.each<[string, RuleSpec, string, Match]>([
    ['VirtualNetwork may hold a public prefix', { src: 'VirtualNetwork' }, '203.0.113.7/32', 'maybe'],
    ['Internet may hold it', { src: 'Internet' }, '203.0.113.7/32', 'maybe'],
    ['the host virtual IP is never Internet', { src: 'Internet' }, '168.63.129.16/32', 'no'],
    ['the host virtual IP is always VirtualNetwork', { src: 'VirtualNetwork' }, '168.63.129.16/32', 'yes'],
    ['a wide grant overlaps a narrow rule', { src: '203.0.113.0/24' }, '0.0.0.0/0', 'yes'],
    ['a narrow grant inside a rule prefix', { src: '203.0.113.0/24' }, '203.0.113.7/32', 'yes'],
    ['a rule address inside a grant prefix', { src: '203.0.113.7' }, '203.0.113.0/24', 'yes'],
    ['disjoint prefixes', { src: '198.51.100.0/24' }, '203.0.113.0/24', 'no'],
    ['the whole internet contains the load balancer', { src: 'AzureLoadBalancer' }, '0.0.0.0/0', 'yes'],
  ])('%s', (_, spec, source, expected) => {
    expect(matchSource(allow(100, spec), parsePrefix(source, 'test'))).toBe(expected);
  });
});

describe('matchDestinations (the VM private IPs)', () => {
  it.each<[string, RuleSpec, string[], Match]>([
    ['*', { dst: '*' }, ['10.0.1.4'], 'yes'],
    ['Any', { dst: 'Any' }, ['10.0.1.4'], 'yes'],
    ['VirtualNetwork holds every VM private IP', { dst: 'VirtualNetwork' }, ['10.0.1.4'], 'yes'],
    ['Internet never holds a private destination', { dst: 'Internet' }, ['10.0.1.4'], 'no'],
    ['AzureLoadBalancer is never a VM', { dst: 'AzureLoadBalancer' }, ['10.0.1.4'], 'no'],
    ['subnet CIDR', { dst: '10.0.1.0/24' }, ['10.0.1.4'], 'yes'],
    ['another subnet', { dst: '10.0.2.0/24' }, ['10.0.1.4'], 'no'],
    ['the VM address', { dst: '10.0.1.4' }, ['10.0.1.4'], 'yes'],
    ['another VM', { dst: '10.0.1.5' }, ['10.0.1.4'], 'no'],
    ['the public IP never matches after NAT', { dst: '20.50.10.20' }, ['10.0.1.4'], 'no'],
    ['list', { dst: ['10.0.2.4', '10.0.1.4'] }, ['10.0.1.4'], 'yes'],
    ['second IP configuration', { dst: '10.0.1.5' }, ['10.0.1.4', '10.0.1.5'], 'yes'],
    ['IPv6 subnet', { dst: 'fd00:1::/64' }, ['fd00:1::4'], 'yes'],
    ['0.0.0.0/0 is not IPv6', { dst: '0.0.0.0/0' }, ['fd00:1::4'], 'no'],
    ['application security group', { dstAsg: true }, ['10.0.1.4'], 'maybe'],
    ['application security group beside a * prefix', { dstAsg: true, dst: '*' }, ['10.0.1.4'], 'maybe'],
    ['another service tag', { dst: 'Sql' }, ['10.0.1.4'], 'maybe'],
  ])('%s', (_, spec, destinations, expected) => {
    expect(
      matchDestinations(
        allow(100, spec),
        destinations.map((d) => hostPrefix(d)),
      ),
    ).toBe(expected);
  });
});

describe('matchTarget (protocol, ports, destination, source port)', () => {
  const vm = [hostPrefix('10.0.1.4')];
  const tcp = (from: number, to = from): PortRange => ({ from, to, protocol: 'tcp' });
  it.each<[string, RuleSpec, PortRange[], Match]>([
    ['same port and protocol', { ports: '22' }, [tcp(22)], 'yes'],
    ['other protocol', { ports: '22' }, [{ from: 22, to: 22, protocol: 'udp' }], 'no'],
    ['policy * against a Tcp rule', { ports: '22' }, [{ from: 22, to: 22, protocol: '*' }], 'yes'],
    ['rule * against tcp', { ports: '22', protocol: '*' }, [tcp(22)], 'yes'],
    ['Icmp rule never concerns a port', { ports: '*', protocol: 'Icmp' }, [tcp(22)], 'no'],
    ['other port', { ports: '3389' }, [tcp(22)], 'no'],
    ['range around the port', { ports: '20-25' }, [tcp(22)], 'yes'],
    ['port list', { ports: ['80', '443', '8000-8100'] }, [tcp(8080)], 'yes'],
    ['port list without it', { ports: ['80', '443', '8000-8100'] }, [tcp(22)], 'no'],
    ['policy range touching the rule range', { ports: '3100-3200' }, [tcp(3000, 3100)], 'yes'],
    ['policy range next to the rule range', { ports: '3101-3200' }, [tcp(3000, 3100)], 'no'],
    [
      'only the policy port of the same protocol counts',
      { ports: '53' },
      [{ from: 53, to: 53, protocol: 'udp' }, tcp(22)],
      'no',
    ],
    ['unreadable port', { ports: 'ssh' }, [tcp(22)], 'maybe'],
    ['no destination port at all', { ports: [] }, [tcp(22)], 'maybe'],
    ['source port range: the client picks', { ports: '22', srcPorts: '1024-65535' }, [tcp(22)], 'maybe'],
    ['every source port', { ports: '22', srcPorts: '0-65535' }, [tcp(22)], 'yes'],
    ['source port list with *', { ports: '22', srcPorts: ['*'] }, [tcp(22)], 'yes'],
    ['other VM', { ports: '22', dst: '10.0.1.5' }, [tcp(22)], 'no'],
    ['ASG destination', { ports: '22', dstAsg: true }, [tcp(22)], 'maybe'],
  ])('%s', (_, spec, ports, expected) => {
    expect(matchTarget(allow(100, spec), ports, vm)).toBe(expected);
  });
});

describe('matchDestinations for a VM address block (an IP configuration holding a prefix)', () => {
  it.each<[string, RuleSpec, Match]>([
    ['the block itself', { dst: '10.0.1.16/28' }, 'yes'],
    ['a subnet holding the block', { dst: '10.0.1.0/24' }, 'yes'],
    ['one address of the block: some of its traffic', { dst: '10.0.1.20' }, 'maybe'],
    ['half of the block', { dst: '10.0.1.16/29' }, 'maybe'],
    ['beside the block', { dst: '10.0.1.32/28' }, 'no'],
    ['VirtualNetwork', { dst: 'VirtualNetwork' }, 'yes'],
  ])('%s', (_, spec, expected) => {
    expect(matchDestinations(allow(100, spec), [addressOrPrefix('10.0.1.16/28')])).toBe(expected);
  });
});

describe('matchSource when the default route goes to an appliance', () => {
  it('VirtualNetwork then holds every source, Internet is unchanged', () => {
    const vnet = [parsePrefix('10.0.0.0/16', 'vnet')];
    const outside = hostPrefix('81.2.69.1');
    expect(matchSource(allow(100, { src: 'VirtualNetwork' }), outside, vnet)).toBe('no');
    expect(matchSource(allow(100, { src: 'VirtualNetwork' }), outside, vnet, { broadVirtualNetwork: true })).toBe('yes');
    expect(matchSource(allow(100, { src: 'Internet' }), outside, vnet, { broadVirtualNetwork: true })).toBe('yes');
    expect(matchSource(allow(100, { src: 'Internet' }), hostPrefix('10.0.0.9'), vnet, { broadVirtualNetwork: true })).toBe('no');
  });
});
