import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import {
  formatPortRanges,
  parsePortSpec,
  parseProtocol,
  portRangeCovers,
  portRangesOverlap,
} from '../../../src/core/port-spec.js';

describe('parsePortSpec', () => {
  it.each([
    ['22', 'tcp', '22/tcp'],
    ['22,3389', 'tcp', '22/tcp,3389/tcp'],
    ['8000-8100', 'tcp', '8000-8100/tcp'],
    ['53/udp', 'tcp', '53/udp'],
    ['22/TCP, 500/*', 'tcp', '22/tcp,500/*'],
    ['22,22', 'tcp', '22/tcp'],
    ['22', 'udp', '22/udp'],
    ['1-65535', '*', '1-65535/*'],
    ['22/tcp,22/udp', 'tcp', '22/tcp,22/udp'],
  ] as const)('%s (default %s) → %s', (input, protocol, expected) => {
    expect(formatPortRanges(parsePortSpec(input, '--port', protocol))).toBe(expected);
  });

  it.each([
    '0',
    '70000',
    'ssh',
    '',
    '22,',
    '-22',
    '22-',
    '22-21',
    '1-2-3',
    '22/icmp',
    '22/tcp/x',
    '2 2',
    '+22',
    '0x16',
  ])('refuses %j naming --port and the accepted form', (input) => {
    const attempt = () => parsePortSpec(input, '--port');
    expect(attempt).toThrow(UserError);
    expect(attempt).toThrow(/--port/);
    expect(attempt).toThrow(/1-65535|tcp, udp|low to high|backwards/);
  });

  it('tells how to fix a backwards range', () => {
    try {
      parsePortSpec('9000-8000', '--port');
      expect.unreachable();
    } catch (error) {
      expect((error as UserError).hint).toBe('Write it low to high: 8000-9000.');
    }
  });
});

describe('parseProtocol', () => {
  it.each([
    ['tcp', 'tcp'],
    ['UDP', 'udp'],
    ['*', '*'],
    ['any', '*'],
  ])('%s → %s', (input, expected) => {
    expect(parseProtocol(input, '--protocol')).toBe(expected);
  });
  it('refuses icmp', () => {
    expect(() => parseProtocol('icmp', '--protocol')).toThrow(
      '--protocol "icmp" is not a protocol: use tcp, udp or *.',
    );
  });
});

describe('port range relations', () => {
  const r = (text: string) => parsePortSpec(text, 'x')[0]!;
  it.each([
    ['8000-8100/tcp', '8050/tcp', true],
    ['8000-8100/tcp', '8050-8101/tcp', false],
    ['22/*', '22/udp', true],
    ['22/tcp', '22/udp', false],
    ['22/tcp', '22/*', false],
  ])('%s covers %s: %s', (outer, inner, expected) => {
    expect(portRangeCovers(r(outer), r(inner))).toBe(expected);
  });
  it.each([
    ['8000-8100/tcp', '8100-8200/tcp', true],
    ['8000-8100/tcp', '8101-8200/tcp', false],
    ['22/tcp', '22/*', true],
    ['22/tcp', '22/udp', false],
  ])('%s overlaps %s: %s', (a, b, expected) => {
    expect(portRangesOverlap(r(a), r(b))).toBe(expected);
  });
});
