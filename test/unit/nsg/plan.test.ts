import { describe, expect, it } from 'vitest';
import type { PortRange } from '../../../src/core/model.js';
import { type PriorityPlan, planAllowPriority, planDenyPriority } from '../../../src/core/nsg/plan.js';
import type { NsgRule } from '../../../src/core/nsg/types.js';
import { allow, deny, fullNsg, names } from './fixtures.js';

const SSH: PortRange[] = [{ from: 22, to: 22, protocol: 'tcp' }];
const VM = ['10.0.1.4'];
const OTHER_VM = '10.0.1.5';
const VPN = '203.0.113.0/24';

/** A plan as [priority] or [reason, names of the blocking rules], for readable tables. */
type Expected = number | [string, string[]];

function summary(plan: PriorityPlan): Expected {
  return plan.ok ? plan.priority : [plan.reason, names(plan.blocking)];
}

/** `count` rules for another VM from `from` upwards: taken priorities that constrain nothing. */
function taken(from: number, count: number): NsgRule[] {
  return Array.from({ length: count }, (_, i) =>
    allow(from + i, { name: `taken-${from + i}`, dst: OTHER_VM, ports: '443' }),
  );
}

describe('planDenyPriority', () => {
  it.each<[string, NsgRule[], PortRange[], string[], Expected]>([
    ['no rules: the very back', [], SSH, VM, 4096],
    ['only narrow: behind it, at the back', [allow(300, { src: VPN, ports: '22' })], SSH, VM, 4096],
    ['only broad: just ahead of it', [allow(1000, { ports: '22' })], SSH, VM, 999],
    [
      'narrow then broad: just ahead of the broad',
      [allow(300, { src: VPN, ports: '22' }), allow(1000, { src: 'Internet', ports: '22' })],
      SSH,
      VM,
      1000 - 1,
    ],
    [
      'the slot ahead of the broad is taken by another VM: the next one down',
      [allow(300, { src: VPN, ports: '22' }), allow(1000, { ports: '22' }), ...taken(998, 2)],
      SSH,
      VM,
      997,
    ],
    [
      'broad ahead of narrow: no slot',
      [allow(200, { name: 'world', ports: '22' }), allow(300, { name: 'vpn', src: VPN, ports: '22' })],
      SSH,
      VM,
      ['broad-ahead-of-narrow', ['world', 'vpn']],
    ],
    [
      'broad ahead of narrow: only the inverted rules are named',
      [
        allow(150, { name: 'vpn-early', src: VPN, ports: '22' }),
        allow(200, { name: 'world', ports: '22' }),
        allow(300, { name: 'vnet', src: 'VirtualNetwork', ports: '22' }),
        allow(400, { name: 'world-late', src: '0.0.0.0/0', ports: '22' }),
      ],
      SSH,
      VM,
      ['broad-ahead-of-narrow', ['world', 'vnet']],
    ],
    [
      'narrow and broad adjacent',
      [allow(500, { name: 'vpn', src: VPN, ports: '22' }), allow(501, { name: 'world', ports: '22' })],
      SSH,
      VM,
      ['no-free-priority', ['vpn', 'world']],
    ],
    [
      'the window between them is full',
      [
        allow(500, { name: 'vpn', src: VPN, ports: '22' }),
        ...taken(501, 2),
        allow(503, { name: 'world', ports: '22' }),
      ],
      SSH,
      VM,
      ['no-free-priority', ['vpn', 'taken-501', 'taken-502', 'world']],
    ],
    [
      'narrow at the last priority',
      [allow(4096, { name: 'vpn', src: VPN, ports: '22' })],
      SSH,
      VM,
      ['no-free-priority', ['vpn']],
    ],
    [
      'broad at the first priority',
      [allow(100, { name: 'world', ports: '22' })],
      SSH,
      VM,
      ['no-free-priority', ['world']],
    ],
    ['broad at 101: 100 is the only slot', [allow(101, { name: 'world', ports: '22' })], SSH, VM, 100],
    ['narrow at 4095: 4096 is the only slot', [allow(4095, { src: VPN, ports: '22' })], SSH, VM, 4096],
    ['full NSG', fullNsg(), SSH, VM, ['no-free-priority', fullNsg().map((r) => r.name)]],
    [
      'another VM in the subnet: its broad rule does not constrain, its priority is taken',
      [
        allow(200, { name: 'other-world', dst: OTHER_VM, ports: '22' }),
        allow(300, { src: VPN, ports: '22' }),
        allow(4096, { name: 'other-last', dst: OTHER_VM, ports: '22' }),
      ],
      SSH,
      VM,
      4095,
    ],
    [
      'user Deny rules do not constrain the deny',
      [deny(150, { ports: '22' }), allow(300, { src: VPN, ports: '22' })],
      SSH,
      VM,
      4096,
    ],
    [
      'lists: port list on the narrow, prefix list on the broad',
      [
        allow(600, { src: ['198.51.100.0/24', VPN], ports: ['80', '22'] }),
        allow(900, { src: ['198.51.100.0/24', '0.0.0.0/0'], ports: '20-30' }),
      ],
      SSH,
      VM,
      899,
    ],
    ['a Udp broad rule does not cover tcp 22', [allow(200, { protocol: 'Udp', ports: '22' })], SSH, VM, 4096],
    [
      'a Udp broad rule covers policy protocol *',
      [allow(200, { protocol: 'Udp', ports: '22' })],
      [{ from: 22, to: 22, protocol: '*' }],
      VM,
      199,
    ],
    ['a broad rule with protocol * covers tcp 22', [allow(200, { protocol: '*' })], SSH, VM, 199],
    ['an Icmp broad rule is no port rule', [allow(200, { protocol: 'Icmp' })], SSH, VM, 4096],
    [
      'outbound priorities are a separate space',
      [allow(4096, { direction: 'Outbound', ports: '22' })],
      SSH,
      VM,
      4096,
    ],
    [
      'a broad rule with an ASG destination counts',
      [allow(700, { dstAsg: true, ports: '22' })],
      SSH,
      VM,
      699,
    ],
    [
      'IPv6: a broad ::/0 rule for the VM subnet',
      [allow(800, { src: '::/0', dst: 'fd00:1::/64', ports: '22' })],
      SSH,
      ['fd00:1::4'],
      799,
    ],
    [
      'several policy ports: narrow on one, broad on another',
      [allow(2000, { src: VPN, ports: '3389' }), allow(3000, { ports: '22' })],
      [
        { from: 22, to: 22, protocol: 'tcp' },
        { from: 3389, to: 3389, protocol: 'tcp' },
      ],
      VM,
      2999,
    ],
  ])('%s', (_, rules, ports, destinations, expected) => {
    expect(summary(planDenyPriority(rules, { ports, destinations }))).toEqual(expected);
  });
});

describe('planAllowPriority', () => {
  const GRANT = '198.51.100.7/32';
  const jitDeny = deny(4000, { name: 'jit-deny-vm01', dst: '10.0.1.4', ports: '22' });
  it.each<[string, NsgRule[], string, PortRange[], Expected]>([
    ['no rules: the back of the range', [], GRANT, SSH, 4096],
    ['ahead of jit deny', [jitDeny], GRANT, SSH, 3999],
    ['the slot ahead of the deny is taken', [jitDeny, ...taken(3999, 1)], GRANT, SSH, 3998],
    [
      'ahead of a user Deny of the Internet tag, too',
      [jitDeny, deny(500, { src: 'Internet', ports: '22' })],
      GRANT,
      SSH,
      499,
    ],
    [
      'a user Deny for other sources does not matter',
      [jitDeny, deny(500, { src: VPN, ports: '22' })],
      GRANT,
      SSH,
      3999,
    ],
    [
      'a user Deny for a prefix holding the grant',
      [jitDeny, deny(500, { src: '198.51.100.0/24', ports: '22' })],
      GRANT,
      SSH,
      499,
    ],
    [
      'a source list holding the grant',
      [jitDeny, deny(700, { src: [VPN, '198.51.100.0/24'], ports: '22' })],
      GRANT,
      SSH,
      699,
    ],
    ['a Deny for another VM does not matter', [jitDeny, deny(300, { dst: OTHER_VM })], GRANT, SSH, 3999],
    ['a Deny on another port does not matter', [jitDeny, deny(300, { ports: '3389' })], GRANT, SSH, 3999],
    ['a Deny with the port in a list', [jitDeny, deny(300, { ports: ['3389', '22'] })], GRANT, SSH, 299],
    ['a Deny with the port in a range', [jitDeny, deny(300, { ports: '20-30' })], GRANT, SSH, 299],
    ['a Udp Deny does not stop tcp', [jitDeny, deny(300, { protocol: 'Udp' })], GRANT, SSH, 3999],
    ['a Deny with protocol *', [jitDeny, deny(300, { protocol: '*' })], GRANT, SSH, 299],
    ['a Deny with an unknown tag may match', [jitDeny, deny(300, { src: 'AzureCloud' })], GRANT, SSH, 299],
    [
      'a Deny of VirtualNetwork may match (VNet not known here)',
      [jitDeny, deny(300, { src: 'VirtualNetwork' })],
      GRANT,
      SSH,
      299,
    ],
    ['a Deny with an ASG destination may match', [jitDeny, deny(300, { dstAsg: true })], GRANT, SSH, 299],
    ['an Allow ahead changes nothing', [jitDeny, allow(300, { ports: '22' })], GRANT, SSH, 3999],
    [
      'outbound Deny rules neither match nor take priorities',
      [deny(300, { direction: 'Outbound' }), deny(4096, { direction: 'Outbound' })],
      GRANT,
      SSH,
      4096,
    ],
    [
      'IPv6 grant: an IPv4 Deny does not match',
      [deny(500, { src: '0.0.0.0/0' })],
      '2001:db8::7/128',
      SSH,
      4096,
    ],
    ['IPv6 grant: a ::/0 Deny matches', [deny(500, { src: '::/0' })], '2001:db8::7/128', SSH, 499],
    [
      'a Deny at the first priority',
      [deny(100, { name: 'wall' })],
      GRANT,
      SSH,
      ['no-free-priority', ['wall']],
    ],
    [
      'every slot ahead of the Deny taken',
      [...taken(100, 3), deny(103, { name: 'wall' })],
      GRANT,
      SSH,
      ['no-free-priority', ['taken-100', 'taken-101', 'taken-102', 'wall']],
    ],
    ['full NSG', fullNsg(), GRANT, SSH, ['no-free-priority', fullNsg().map((r) => r.name)]],
    [
      'several grant ports: the Deny on either counts',
      [jitDeny, deny(1200, { ports: '3389' })],
      GRANT,
      [
        { from: 22, to: 22, protocol: 'tcp' },
        { from: 3389, to: 3389, protocol: 'tcp' },
      ],
      1199,
    ],
  ])('%s', (_, rules, source, ports, expected) => {
    expect(summary(planAllowPriority(rules, { ports, source, destinations: VM }))).toEqual(expected);
  });
});

describe('planDenyPriority with a default route to an appliance, and a VM address block', () => {
  const VNET_SSH = allow(300, { src: 'VirtualNetwork', ports: '22' });
  it.each<[string, NsgRule[], string[], boolean, Expected]>([
    ['VirtualNetwork is narrow: behind it', [VNET_SSH], VM, false, 4096],
    ['VirtualNetwork is broad: ahead of it', [VNET_SSH], VM, true, 299],
    [
      'broad VirtualNetwork ahead of a VPN rule: no slot, both named',
      [VNET_SSH, allow(500, { src: VPN, ports: '22' })],
      VM,
      true,
      ['broad-ahead-of-narrow', ['allow-300', 'allow-500']],
    ],
    ['a broad rule for one address of the block covers it', [allow(300, { dst: '10.0.1.20', ports: '22' })], ['10.0.1.16/28'], false, 299],
    ['a broad rule beside the block does not', [allow(300, { dst: '10.0.1.32/28', ports: '22' })], ['10.0.1.16/28'], false, 4096],
  ])('%s', (_, rules, destinations, broadVirtualNetwork, expected) => {
    expect(summary(planDenyPriority(rules, { ports: SSH, destinations, broadVirtualNetwork }))).toEqual(expected);
  });

  it('a grant to a block goes ahead of a deny that covers part of it', () => {
    const plan = planAllowPriority([deny(500, { dst: '10.0.1.20', ports: '22' })], {
      ports: SSH,
      source: '81.2.69.5/32',
      destinations: ['10.0.1.16/28'],
    });
    expect(summary(plan)).toBe(499);
  });
});
