import { describe, expect, it } from 'vitest';
import type { PortRange } from '../../../src/core/model.js';
import { findCoveringAllows, sourceBreadth } from '../../../src/core/nsg/classify.js';
import { DEFAULT_SECURITY_RULES, type NsgRule } from '../../../src/core/nsg/types.js';
import { allow, deny, type RuleSpec } from './fixtures.js';

describe('sourceBreadth', () => {
  it.each<[RuleSpec, 'broad' | 'narrow']>([
    [{ src: '*' }, 'broad'],
    [{ src: 'Any' }, 'broad'],
    [{ src: 'Internet' }, 'broad'],
    [{ src: 'internet' }, 'broad'],
    [{ src: '0.0.0.0/0' }, 'broad'],
    [{ src: '::/0' }, 'broad'],
    [{ src: ['198.51.100.0/24', '0.0.0.0/0'] }, 'broad'],
    [{ src: '203.0.113.0/24' }, 'narrow'],
    [{ src: '10.0.0.0/8' }, 'narrow'],
    [{ src: '0.0.0.0/1' }, 'narrow'],
    [{ src: 'VirtualNetwork' }, 'narrow'],
    [{ src: 'AzureCloud' }, 'narrow'],
    [{ src: ['198.51.100.0/24', '203.0.113.0/24'] }, 'narrow'],
    [{ srcAsg: true }, 'narrow'],
    [{ srcAsg: true, src: '*' }, 'narrow'],
  ])('%j → %s', (spec, breadth) => {
    expect(sourceBreadth(allow(100, spec))).toBe(breadth);
  });
});

describe('findCoveringAllows', () => {
  const ssh: PortRange[] = [{ from: 22, to: 22, protocol: 'tcp' }];
  const VM = ['10.0.1.4'];
  it.each<[string, NsgRule[], PortRange[], string[], [string, 'broad' | 'narrow', boolean][]]>([
    ['no rules', [], ssh, VM, []],
    [
      'broad and narrow, sorted by priority',
      [allow(900, { src: 'Internet', ports: '22' }), allow(300, { src: '203.0.113.0/24', ports: '22' })],
      ssh,
      VM,
      [
        ['allow-300', 'narrow', true],
        ['allow-900', 'broad', true],
      ],
    ],
    [
      'what does not cover the port on this VM is left out',
      [
        allow(100, { ports: '3389' }),
        allow(110, { ports: '22', protocol: 'Udp' }),
        allow(120, { protocol: 'Icmp' }),
        allow(130, { ports: '22', dst: '10.0.1.5' }),
        deny(140, { ports: '22' }),
        allow(150, { ports: '22', direction: 'Outbound' }),
        allow(160, { ports: '22', dst: 'Internet' }),
      ],
      ssh,
      VM,
      [],
    ],
    [
      'ranges, lists and protocol *',
      [
        allow(200, { ports: '20-25' }),
        allow(210, { ports: ['80', '22'], src: 'VirtualNetwork' }),
        allow(220, { protocol: '*', ports: '*', src: ['0.0.0.0/0'] }),
        allow(230, { dst: ['10.0.2.0/24', '10.0.1.0/24'], ports: '22' }),
      ],
      ssh,
      VM,
      [
        ['allow-200', 'broad', true],
        ['allow-210', 'narrow', true],
        ['allow-220', 'broad', true],
        ['allow-230', 'broad', true],
      ],
    ],
    [
      'undecidable destination or source port counts, uncertainly',
      [allow(300, { ports: '22', dstAsg: true }), allow(310, { ports: '22', srcPorts: '1024-65535' })],
      ssh,
      VM,
      [
        ['allow-300', 'broad', false],
        ['allow-310', 'broad', false],
      ],
    ],
    ['default rules are not counted', [...DEFAULT_SECURITY_RULES], ssh, VM, []],
    [
      'policy protocol * covers a Udp rule',
      [allow(400, { ports: '22', protocol: 'Udp' })],
      [{ from: 22, to: 22, protocol: '*' }],
      VM,
      [['allow-400', 'broad', true]],
    ],
    [
      'several policy ports',
      [allow(500, { ports: '3389', src: '203.0.113.0/24' }), allow(510, { ports: '5985' })],
      [
        { from: 22, to: 22, protocol: 'tcp' },
        { from: 3389, to: 3389, protocol: 'tcp' },
      ],
      VM,
      [['allow-500', 'narrow', true]],
    ],
    [
      'a second IP configuration of the VM',
      [allow(600, { ports: '22', dst: '10.0.1.5' })],
      ssh,
      ['10.0.1.4', '10.0.1.5'],
      [['allow-600', 'broad', true]],
    ],
    [
      'IPv6 destination',
      [
        allow(700, { ports: '22', src: '::/0', dst: 'fd00:1::/64' }),
        allow(710, { ports: '22', dst: '10.0.1.0/24' }),
      ],
      ssh,
      ['fd00:1::4'],
      [['allow-700', 'broad', true]],
    ],
  ])('%s', (_, rules, ports, destinations, expected) => {
    const covering = findCoveringAllows(rules, { ports, destinations });
    expect(covering.map((c) => [c.rule.name, c.breadth, c.certain])).toEqual(expected);
  });
});

describe('sourceBreadth when the subnet sends its default route to an appliance', () => {
  it.each<[RuleSpec, 'broad' | 'narrow']>([
    [{ src: 'VirtualNetwork' }, 'broad'],
    [{ src: 'virtualnetwork' }, 'broad'],
    [{ src: '10.0.0.0/8' }, 'narrow'],
    [{ src: 'AzureCloud' }, 'narrow'],
    [{ srcAsg: true }, 'narrow'],
  ])('%j → %s', (spec, breadth) => {
    expect(sourceBreadth(allow(100, spec), { broadVirtualNetwork: true })).toBe(breadth);
  });
});
