import { describe, expect, it } from 'vitest';
import { evaluateInbound, evaluatePath, type InboundFlow } from '../../../src/core/nsg/evaluate.js';
import { DEFAULT_SECURITY_RULES, type NsgRule } from '../../../src/core/nsg/types.js';
import { allow, deny, names } from './fixtures.js';

const CONTEXT = { virtualNetworkPrefixes: ['10.0.0.0/16', 'fd00:1::/48'] };
const VM = '10.0.1.4';
const VM6 = 'fd00:1::4';

function flow(source: string, port = 22, protocol: 'tcp' | 'udp' = 'tcp', destination = VM): InboundFlow {
  return { source, destination, port, protocol };
}

describe('DEFAULT_SECURITY_RULES', () => {
  it('are the six ARM default rules', () => {
    expect(
      DEFAULT_SECURITY_RULES.map((r) => [
        r.name,
        r.priority,
        r.direction,
        r.access,
        r.sourceAddressPrefix,
        r.destinationAddressPrefix,
      ]),
    ).toEqual([
      ['AllowVnetInBound', 65000, 'Inbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork'],
      ['AllowAzureLoadBalancerInBound', 65001, 'Inbound', 'Allow', 'AzureLoadBalancer', '*'],
      ['DenyAllInBound', 65500, 'Inbound', 'Deny', '*', '*'],
      ['AllowVnetOutBound', 65000, 'Outbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork'],
      ['AllowInternetOutBound', 65001, 'Outbound', 'Allow', '*', 'Internet'],
      ['DenyAllOutBound', 65500, 'Outbound', 'Deny', '*', '*'],
    ]);
  });
});

describe('evaluateInbound', () => {
  it.each<[string, NsgRule[], InboundFlow, 'Allow' | 'Deny', string, boolean, string[]]>([
    [
      'no rules: the internet is denied',
      [],
      flow('203.0.113.7'),
      'Deny',
      'DenyAllInBound',
      true,
      ['DenyAllInBound'],
    ],
    [
      'no rules: the VNet is allowed',
      [],
      flow('10.0.2.9'),
      'Allow',
      'AllowVnetInBound',
      true,
      ['AllowVnetInBound'],
    ],
    [
      'no rules: the host virtual IP is VirtualNetwork before it is AzureLoadBalancer',
      [],
      flow('168.63.129.16'),
      'Allow',
      'AllowVnetInBound',
      true,
      ['AllowVnetInBound'],
    ],
    [
      'no rules: IPv6 internet is denied',
      [],
      flow('2001:db8::7', 22, 'tcp', VM6),
      'Deny',
      'DenyAllInBound',
      true,
      ['DenyAllInBound'],
    ],
    [
      'lowest number wins, whatever the input order',
      [allow(200, { ports: '22' }), deny(100, { ports: '22' })],
      flow('203.0.113.7'),
      'Deny',
      'deny-100',
      true,
      ['deny-100'],
    ],
    [
      'an allow ahead of a deny wins',
      [deny(200, { ports: '22' }), allow(100, { ports: '22' })],
      flow('203.0.113.7'),
      'Allow',
      'allow-100',
      true,
      ['allow-100'],
    ],
    [
      'a custom deny overrides AllowVnetInBound',
      [deny(4096, { src: 'VirtualNetwork' })],
      flow('10.0.2.9'),
      'Deny',
      'deny-4096',
      true,
      ['deny-4096'],
    ],
    [
      'rules on other ports are skipped',
      [allow(100, { ports: ['80', '443'] }), allow(110, { ports: '3389' })],
      flow('203.0.113.7'),
      'Deny',
      'DenyAllInBound',
      true,
      ['DenyAllInBound'],
    ],
    [
      'port list',
      [allow(100, { ports: ['80', '443', '3389'] })],
      flow('203.0.113.7', 3389),
      'Allow',
      'allow-100',
      true,
      ['allow-100'],
    ],
    [
      'port range',
      [allow(100, { ports: '8000-8100' })],
      flow('203.0.113.7', 8100),
      'Allow',
      'allow-100',
      true,
      ['allow-100'],
    ],
    [
      'Udp rule, tcp flow',
      [allow(100, { protocol: 'Udp' })],
      flow('203.0.113.7'),
      'Deny',
      'DenyAllInBound',
      true,
      ['DenyAllInBound'],
    ],
    [
      'protocol * takes udp',
      [allow(100, { protocol: '*', ports: '53' })],
      flow('203.0.113.7', 53, 'udp'),
      'Allow',
      'allow-100',
      true,
      ['allow-100'],
    ],
    [
      'outbound rules do not apply',
      [allow(100, { direction: 'Outbound' })],
      flow('203.0.113.7'),
      'Deny',
      'DenyAllInBound',
      true,
      ['DenyAllInBound'],
    ],
    [
      'a rule for another VM does not apply',
      [allow(100, { dst: '10.0.1.5' })],
      flow('203.0.113.7'),
      'Deny',
      'DenyAllInBound',
      true,
      ['DenyAllInBound'],
    ],
    [
      '0.0.0.0/0 does not take IPv6',
      [allow(100, { src: '0.0.0.0/0' })],
      flow('2001:db8::7', 22, 'tcp', VM6),
      'Deny',
      'DenyAllInBound',
      true,
      ['DenyAllInBound'],
    ],
    [
      '::/0 takes IPv6',
      [allow(100, { src: '::/0' })],
      flow('2001:db8::7', 22, 'tcp', VM6),
      'Allow',
      'allow-100',
      true,
      ['allow-100'],
    ],
    [
      'Internet does not take the VNet, which falls to AllowVnetInBound',
      [deny(100, { src: 'Internet' })],
      flow('10.0.2.9'),
      'Allow',
      'AllowVnetInBound',
      true,
      ['AllowVnetInBound'],
    ],
    [
      'Internet takes a public address',
      [deny(100, { src: 'Internet' })],
      flow('203.0.113.7'),
      'Deny',
      'deny-100',
      true,
      ['deny-100'],
    ],
    [
      'an unknown tag on an Allow may let it in',
      [allow(100, { src: 'AzureCloud' })],
      flow('203.0.113.7'),
      'Allow',
      'allow-100',
      false,
      ['allow-100', 'DenyAllInBound'],
    ],
    [
      'an unknown tag on a Deny may not stop it',
      [deny(100, { src: 'AzureCloud' }), allow(200)],
      flow('203.0.113.7'),
      'Allow',
      'allow-200',
      false,
      ['deny-100', 'allow-200'],
    ],
    [
      'an unknown tag on a Deny before a deny: denied either way',
      [deny(100, { src: 'AzureCloud' })],
      flow('203.0.113.7'),
      'Deny',
      'DenyAllInBound',
      true,
      ['deny-100', 'DenyAllInBound'],
    ],
    [
      'an ASG destination may be this VM',
      [allow(100, { dstAsg: true })],
      flow('203.0.113.7'),
      'Allow',
      'allow-100',
      false,
      ['allow-100', 'DenyAllInBound'],
    ],
    [
      'an ASG source may hold the client',
      [allow(100, { srcAsg: true }), deny(200)],
      flow('10.0.2.9'),
      'Allow',
      'allow-100',
      false,
      ['allow-100', 'deny-200'],
    ],
    [
      'a source port range may hold the client port',
      [allow(100, { srcPorts: '1024-65535' })],
      flow('203.0.113.7'),
      'Allow',
      'allow-100',
      false,
      ['allow-100', 'DenyAllInBound'],
    ],
    [
      'uncertain allows after a certain match do not count',
      [allow(100), allow(200, { src: 'AzureCloud' })],
      flow('203.0.113.7'),
      'Allow',
      'allow-100',
      true,
      ['allow-100'],
    ],
    [
      'tie-break on equal priorities (invalid in Azure): input order, deny first',
      [deny(300, { name: 'first' }), allow(300, { name: 'second' })],
      flow('203.0.113.7'),
      'Deny',
      'first',
      true,
      ['first'],
    ],
    [
      'tie-break on equal priorities (invalid in Azure): input order, allow first',
      [allow(300, { name: 'first' }), deny(300, { name: 'second' })],
      flow('203.0.113.7'),
      'Allow',
      'first',
      true,
      ['first'],
    ],
    [
      'default rules passed in as well change nothing',
      [...DEFAULT_SECURITY_RULES],
      flow('203.0.113.7'),
      'Deny',
      'DenyAllInBound',
      true,
      ['DenyAllInBound'],
    ],
  ])('%s', (_, rules, input, access, ruleName, certain, candidates) => {
    const verdict = evaluateInbound(rules, input, CONTEXT);
    expect(verdict.access).toBe(access);
    expect(verdict.rule.name).toBe(ruleName);
    expect(verdict.certain).toBe(certain);
    expect(names(verdict.candidates)).toEqual(candidates);
  });
});

describe('evaluatePath (subnet NSG, then NIC NSG)', () => {
  const open = allow(100, { name: 'open-22', ports: '22' });
  const maybe = allow(100, { name: 'maybe-22', ports: '22', dstAsg: true });
  const closed = deny(100, { name: 'closed-22', ports: '22' });
  it.each<[string, NsgRule[][], 'Allow' | 'Deny', boolean, string[]]>([
    ['no NSG at all lets everything in', [], 'Allow', true, []],
    ['one NSG that allows', [[open]], 'Allow', true, ['open-22']],
    ['subnet allows, NIC has only defaults', [[open], []], 'Deny', true, ['open-22', 'DenyAllInBound']],
    ['subnet has only defaults, NIC allows', [[], [open]], 'Deny', true, ['DenyAllInBound', 'open-22']],
    ['both allow', [[open], [open]], 'Allow', true, ['open-22', 'open-22']],
    ['both allow, one uncertainly', [[maybe], [open]], 'Allow', false, ['maybe-22', 'open-22']],
    ['a certain deny settles it', [[closed], [maybe]], 'Deny', true, ['closed-22', 'maybe-22']],
  ])('%s', (_, nsgs, access, certain, deciding) => {
    const verdict = evaluatePath(nsgs, flow('203.0.113.7'), CONTEXT);
    expect(verdict.access).toBe(access);
    expect(verdict.certain).toBe(certain);
    expect(verdict.verdicts.map((v) => v.rule.name)).toEqual(deciding);
  });
});
