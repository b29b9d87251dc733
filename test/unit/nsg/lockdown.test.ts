import { describe, expect, it } from 'vitest';
import type { PortRange } from '../../../src/core/model.js';
import { assessLockdown, INTERNET_PROBES, type LockdownTarget } from '../../../src/core/nsg/lockdown.js';
import type { NsgRule } from '../../../src/core/nsg/types.js';
import { isPublicUnicast, tryParseAddress } from '../../../src/core/prefix.js';
import { allow, deny, fullNsg, names } from './fixtures.js';

const SSH: PortRange = { from: 22, to: 22, protocol: 'tcp' };
const V4_PROBES = ['45.33.0.1', '81.2.69.1', '151.101.1.1', '212.58.224.1'];
const V6_PROBES = ['2400:cb00::1', '2a00:1450:4001::1', '2c0f:fb50::1'];
const JIT_DENY = deny(4000, { name: 'jit-deny', dst: '10.0.1.4', ports: '22' });

function target(overrides: Partial<LockdownTarget> = {}): LockdownTarget {
  return {
    ports: [SSH],
    destinations: ['10.0.1.4'],
    activeGrantSources: [],
    vnetPrefixes: ['10.0.0.0/16'],
    ...overrides,
  };
}

describe('INTERNET_PROBES', () => {
  it('are public unicast addresses of both families', () => {
    expect(INTERNET_PROBES.filter((address) => !isPublicUnicast(address))).toEqual([]);
    expect(INTERNET_PROBES.map((address) => tryParseAddress(address)?.family)).toEqual([4, 4, 4, 4, 6, 6, 6]);
  });
});

describe('assessLockdown', () => {
  it.each<[string, NsgRule[][], Partial<LockdownTarget>, 'locked' | 'exposed', boolean, string[], string[]]>([
    ['no NSG on the path: nothing stops anyone', [], {}, 'exposed', true, [], V4_PROBES],
    ['default rules only', [[]], {}, 'locked', true, [], []],
    [
      'a broad allow and no deny',
      [[allow(200, { ports: '22' })]],
      {},
      'exposed',
      true,
      ['allow-200'],
      V4_PROBES,
    ],
    [
      'jit deny ahead of the broad allow',
      [[deny(150, { ports: '22' }), allow(200, { ports: '22' })]],
      {},
      'locked',
      true,
      [],
      [],
    ],
    [
      'a broad allow ahead of the jit deny',
      [[allow(100, { src: 'Internet', ports: '22' }), JIT_DENY]],
      {},
      'exposed',
      true,
      ['allow-100'],
      V4_PROBES,
    ],
    [
      'a narrow allow that holds a probe is accepted',
      [[allow(100, { src: '45.33.0.0/16', ports: '22' }), JIT_DENY, allow(4001, { ports: '22' })]],
      {},
      'locked',
      true,
      [],
      [],
    ],
    [
      'a grant rule ahead of the deny',
      [[allow(3999, { src: '198.51.100.7/32', ports: '22' }), JIT_DENY]],
      { activeGrantSources: ['198.51.100.7/32'] },
      'locked',
      true,
      [],
      [],
    ],
    [
      'a grant open to all IPv4 leaves nothing to probe for an IPv4 VM',
      [[allow(3999, { name: 'grant-any', src: '0.0.0.0/0', ports: '22' }), JIT_DENY]],
      { activeGrantSources: ['0.0.0.0/0'] },
      'locked',
      true,
      [],
      [],
    ],
    [
      'subnet open, NIC with defaults only',
      [[allow(200, { name: 'subnet-open', ports: '22' })], []],
      {},
      'locked',
      true,
      [],
      [],
    ],
    [
      'subnet open and NIC open: both named',
      [[allow(200, { name: 'subnet-open', ports: '22' })], [allow(300, { name: 'nic-open', ports: '22' })]],
      {},
      'exposed',
      true,
      ['subnet-open', 'nic-open'],
      V4_PROBES,
    ],
    [
      'subnet lets in half the internet narrowly, NIC open',
      [[allow(200, { src: '0.0.0.0/1', ports: '22' })], [allow(300, { name: 'nic-open', ports: '22' })]],
      {},
      'locked',
      true,
      [],
      [],
    ],
    [
      'a user deny of half the internet ahead of a broad allow',
      [[deny(100, { src: '0.0.0.0/1', ports: '22' }), allow(200, { ports: '22' })]],
      {},
      'exposed',
      true,
      ['allow-200'],
      ['151.101.1.1', '212.58.224.1'],
    ],
    [
      'a deny of the Internet tag',
      [[deny(100, { src: 'Internet', ports: '22' }), allow(200, { ports: '22' })]],
      {},
      'locked',
      true,
      [],
      [],
    ],
    [
      'a broad allow with an ASG destination may expose',
      [[allow(200, { dstAsg: true, ports: '22' })]],
      {},
      'exposed',
      false,
      ['allow-200'],
      V4_PROBES,
    ],
    [
      'an unknown-tag deny may not stop a broad allow',
      [[deny(100, { src: 'AzureCloud', ports: '22' }), allow(200, { ports: '22' })]],
      {},
      'exposed',
      false,
      ['allow-200'],
      V4_PROBES,
    ],
    [
      'an unknown-tag narrow allow ahead of a broad allow',
      [[allow(100, { src: 'AzureCloud', ports: '22' }), allow(200, { ports: '22' })]],
      {},
      'exposed',
      false,
      ['allow-200'],
      V4_PROBES,
    ],
    [
      'IPv6 VM: an IPv4 broad allow does not reach it',
      [[allow(200, { src: '0.0.0.0/0', ports: '22' })]],
      { destinations: ['fd00:1::4'], vnetPrefixes: ['fd00:1::/48'] },
      'locked',
      true,
      [],
      [],
    ],
    [
      'IPv6 VM: a ::/0 allow does',
      [[allow(200, { src: '::/0', ports: '22' })]],
      { destinations: ['fd00:1::4'], vnetPrefixes: ['fd00:1::/48'] },
      'exposed',
      true,
      ['allow-200'],
      V6_PROBES,
    ],
    [
      'probes inside the VNet address space are skipped',
      [[allow(200, { ports: '22' })]],
      { vnetPrefixes: ['10.0.0.0/16', '45.33.0.0/16'] },
      'exposed',
      true,
      ['allow-200'],
      ['81.2.69.1', '151.101.1.1', '212.58.224.1'],
    ],
    ['full NSG of rules for other VMs', [fullNsg()], {}, 'locked', true, [], []],
  ])('%s', (_, path, overrides, state, certain, defeatedBy, exposedSources) => {
    const [result] = assessLockdown(path, target(overrides));
    expect(result?.state).toBe(state);
    expect(result?.certain).toBe(certain);
    expect(names(result?.defeatedBy ?? [])).toEqual(defeatedBy);
    expect(result?.exposures.map((e) => e.source)).toEqual(exposedSources);
  });

  it.each<[string, NsgRule[], PortRange, [string, number, string[]][]]>([
    [
      'a policy range: only the stretch a broad rule opens',
      [allow(200, { ports: '8080' })],
      { from: 8000, to: 8100, protocol: 'tcp' },
      V4_PROBES.map(() => ['tcp', 8080, ['allow-200']] as [string, number, string[]]),
    ],
    [
      'a policy range a broad rule misses',
      [allow(200, { ports: '9000' })],
      { from: 8000, to: 8100, protocol: 'tcp' },
      [],
    ],
    [
      'a policy range partly denied: the open stretch after the deny',
      [deny(100, { ports: '8000-8049' }), allow(200, { ports: '*' })],
      { from: 8000, to: 8100, protocol: 'tcp' },
      V4_PROBES.map(() => ['tcp', 8050, ['allow-200']] as [string, number, string[]]),
    ],
    [
      'policy protocol *: a Udp rule opens udp only',
      [allow(200, { protocol: 'Udp', ports: '53' })],
      { from: 53, to: 53, protocol: '*' },
      V4_PROBES.map(() => ['udp', 53, ['allow-200']] as [string, number, string[]]),
    ],
  ])('%s', (_, rules, port, expected) => {
    const [result] = assessLockdown([rules], target({ ports: [port] }));
    expect(result?.exposures.map((e) => [e.protocol, e.port, names(e.rules)])).toEqual(expected);
  });

  it('answers per policy port, in policy order', () => {
    const results = assessLockdown(
      [[allow(200, { name: 'rdp-open', ports: '3389' }), JIT_DENY]],
      target({
        ports: [SSH, { from: 3389, to: 3389, protocol: 'tcp' }],
      }),
    );
    expect(results.map((r) => [r.port.from, r.state, names(r.defeatedBy)])).toEqual([
      [22, 'locked', []],
      [3389, 'exposed', ['rdp-open']],
    ]);
  });

  it('checks every private IP of the NIC', () => {
    const [result] = assessLockdown(
      [[allow(200, { name: 'second-ip-open', dst: '10.0.1.5', ports: '22' })]],
      target({ destinations: ['10.0.1.4', '10.0.1.5'] }),
    );
    expect(result?.state).toBe('exposed');
    expect([...new Set(result?.exposures.map((e) => e.destination))]).toEqual(['10.0.1.5']);
  });
});

describe('assessLockdown when the default route goes to an appliance', () => {
  const target = (broadVirtualNetwork: boolean): LockdownTarget => ({
    ports: [SSH],
    destinations: ['10.0.1.4'],
    activeGrantSources: [],
    vnetPrefixes: ['10.0.0.0/16'],
    broadVirtualNetwork,
  });
  const vnetSsh = [[allow(200, { name: 'vnet-ssh', src: 'VirtualNetwork', ports: '22' })]];

  it('a VirtualNetwork Allow lets the internet in, and is named', () => {
    const [result] = assessLockdown(vnetSsh, target(true));
    expect(result).toMatchObject({ state: 'exposed', certain: true });
    expect(names(result!.defeatedBy)).toEqual(['vnet-ssh']);
  });

  it('the same rule without that route is narrow: locked', () => {
    expect(assessLockdown(vnetSsh, target(false))[0]?.state).toBe('locked');
  });

  it('jit\'s deny ahead of it locks the port again', () => {
    const [result] = assessLockdown([[deny(150, { ports: '22', dst: '10.0.1.4' }), ...vnetSsh[0]!]], target(true));
    expect(result?.state).toBe('locked');
  });
});
