import { describe, expect, it } from 'vitest';
import { PolicyError, ProviderError, UserError } from '../../../src/core/errors.js';
import type { Policy } from '../../../src/core/model.js';
import { buildPolicy, checkRequest, decodePolicy, encodePolicy } from '../../../src/core/policy.js';
import { parsePortSpec } from '../../../src/core/port-spec.js';
import { hostPrefix, parsePrefix } from '../../../src/core/prefix.js';

const ports = (text: string) => parsePortSpec(text, '--port');
const prefixes = (...texts: string[]) => texts.map((t) => parsePrefix(t, '--allow-source'));

describe('policy encoding', () => {
  it.each([
    [{ ports: ports('22') }, 'v1;p=22/tcp;d=3h'],
    [{ ports: ports('22,3389'), maxDuration: 5400 }, 'v1;p=22/tcp,3389/tcp;d=1h30m'],
    [
      {
        ports: ports('53/udp,8000-8100'),
        allowSources: prefixes('10.0.0.0/8', '2001:db8::/48'),
        requireJustification: true,
      },
      'v1;p=53/udp,8000-8100/tcp;d=3h;s=10.0.0.0/8,2001:db8::/48;j=1',
    ],
    [
      { ports: ports('22/*'), maxDuration: 86400, allowSources: prefixes('0.0.0.0/0') },
      'v1;p=22/*;d=1d;s=0.0.0.0/0',
    ],
  ])('%j encodes to %s and round-trips', (input, encoded) => {
    const policy = buildPolicy(input);
    expect(encodePolicy(policy)).toBe(encoded);
    expect(decodePolicy(encoded)).toEqual(policy);
  });

  it('fits the 256-character tag with 5 IPv6 prefixes and 4 ports, and refuses what does not fit', () => {
    const six = Array.from({ length: 5 }, (_, i) => `2001:db8:${(0xabcd + i).toString(16)}:1234:5678::/80`);
    const policy = buildPolicy({ ports: ports('22,3389,5985,5986'), allowSources: prefixes(...six) });
    expect(encodePolicy(policy).length).toBeLessThanOrEqual(256);
    const many = Array.from({ length: 20 }, (_, i) => `2001:db8:${(0x1000 + i).toString(16)}:1234:5678::/80`);
    expect(() => buildPolicy({ ports: ports('22'), allowSources: prefixes(...many) })).toThrow(/at most 256/);
  });

  it('refuses an unknown version clearly', () => {
    const attempt = () => decodePolicy('v2;p=22/tcp;d=3h;x=new');
    expect(attempt).toThrow(ProviderError);
    expect(attempt).toThrow('format v2; this jit understands v1');
    try {
      attempt();
    } catch (error) {
      expect((error as ProviderError).code).toBe('JIT_POLICY_VERSION_UNSUPPORTED');
      expect((error as ProviderError).hint).toMatch(/Upgrade jit-access/);
    }
  });

  it.each([
    ['', 'does not start with a version'],
    ['p=22', 'does not start with a version'],
    ['v1;d=3h', 'required'],
    ['v1;p=22/tcp', 'required'],
    ['v1;p=22/tcp;d=3h;x=1', 'unexpected field "x=1"'],
    ['v1;p=22/tcp;d=3h;p=23/tcp', 'unexpected field'],
    ['v1;p=ssh;d=3h', 'is not a port'],
    ['v1;p=22/tcp;d=48h', 'out of range'],
    ['v1;p=22/tcp;d=3h;s=10.0.0.0/33', 'prefix length'],
    ['v1;p=22/tcp;d=3h;j=yes', 'j= must be 1'],
  ])('refuses corrupt tag %j', (value, why) => {
    const attempt = () => decodePolicy(value);
    expect(attempt).toThrow(ProviderError);
    expect(attempt).toThrow(why);
  });

  it('refuses a tag over 256 characters before reading it (exit 1: cloud data, not input)', () => {
    const valid = 'v1;p=22/tcp;d=3h';
    const at256 = `${valid};s=${Array.from({ length: 30 }, (_, i) => `10.${i}.0.0/16`).join(',')}`.slice(0, 256);
    expect(() => decodePolicy(at256)).not.toThrow(/characters long/);
    const over = `${valid}${' '.repeat(241)}`;
    expect(over).toHaveLength(257);
    expect(() => decodePolicy(over)).toThrow(expect.objectContaining({
      code: 'JIT_POLICY_CORRUPT',
      exitCode: 1,
      message: expect.stringContaining('it is 257 characters long; a policy tag holds at most 256'),
    }));
  });

  it('quotes a 10 KB corrupt tag cut, and a tag full of control characters escaped', () => {
    const huge = `v1;p=22/tcp;d=3h;x=${'A'.repeat(10_000)}`;
    const message = (() => {
      try {
        decodePolicy(huge);
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(message).toMatch(/^The VM's jit-access tag "v1;p=22\/tcp;d=3h;x=A{61}…\(9939 more characters\)" is not a jit policy: it is 10019 characters long/);
    expect(message.length).toBeLessThan(300);

    const hostile = 'v1;p=22/tcp\u001b]0;pwned\u0007\u001b[31m\r\nforged line;d=3h';
    expect(() => decodePolicy(hostile)).toThrow(expect.objectContaining({ code: 'JIT_POLICY_CORRUPT' }));
    try {
      decodePolicy(hostile);
    } catch (error) {
      expect((error as Error).message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
      expect((error as Error).message).toContain('\\x1b]0;pwned\\x07');
    }
  });

  it('refuses a policy with no port or over 24h', () => {
    expect(() => buildPolicy({ ports: [] })).toThrow(UserError);
    expect(() => buildPolicy({ ports: ports('22'), maxDuration: 86401 })).toThrow(
      '--max-duration may be at most 24h.',
    );
  });
});

describe('checkRequest', () => {
  const open: Policy = buildPolicy({ ports: ports('22,8000-8100') });
  const vpn: Policy = buildPolicy({
    ports: ports('22'),
    maxDuration: 3600,
    allowSources: prefixes('198.51.100.0/24', '2001:db8::/32'),
    requireJustification: true,
  });
  const ok = { ports: ports('22'), duration: 3600, source: hostPrefix('8.8.8.8') };

  it.each([
    ['a port in the policy', open, ok],
    ['a port inside a policy range', open, { ...ok, ports: ports('8050-8060') }],
    ['a public /24 under the default policy', open, { ...ok, source: parsePrefix('8.8.8.0/24', 's') }],
    [
      'a source inside an allowed prefix',
      vpn,
      { ...ok, source: hostPrefix('198.51.100.7'), justification: 'INC-1' },
    ],
    [
      'an IPv6 source inside an allowed prefix',
      vpn,
      { ...ok, source: hostPrefix('2001:db8::5'), justification: 'x' },
    ],
  ])('accepts %s', (_label, policy, request) => {
    expect(() => checkRequest(policy, request)).not.toThrow();
  });

  it.each([
    ['a port outside the policy', open, { ...ok, ports: ports('3389') }, 'JIT_POLICY_PORT_NOT_ALLOWED'],
    ['a udp port of a tcp policy', open, { ...ok, ports: ports('22/udp') }, 'JIT_POLICY_PORT_NOT_ALLOWED'],
    ['a range reaching outside', open, { ...ok, ports: ports('8090-8110') }, 'JIT_POLICY_PORT_NOT_ALLOWED'],
    ['a duration over the maximum', open, { ...ok, duration: 3 * 3600 + 1 }, 'JIT_POLICY_DURATION_TOO_LONG'],
    [
      'a source outside the allowed prefixes',
      vpn,
      { ...ok, source: hostPrefix('8.8.8.8'), justification: 'x' },
      'JIT_POLICY_SOURCE_NOT_ALLOWED',
    ],
    [
      'any source under the default policy',
      open,
      { ...ok, source: parsePrefix('0.0.0.0/0', 's') },
      'JIT_POLICY_SOURCE_NOT_ALLOWED',
    ],
    [
      'a private source under the default policy',
      open,
      { ...ok, source: hostPrefix('10.0.0.4') },
      'JIT_POLICY_SOURCE_NOT_ALLOWED',
    ],
    [
      'a /16 under the default policy',
      open,
      { ...ok, source: parsePrefix('8.8.0.0/16', 's') },
      'JIT_POLICY_SOURCE_NOT_ALLOWED',
    ],
    [
      'a missing justification',
      vpn,
      { ...ok, source: hostPrefix('198.51.100.7') },
      'JIT_POLICY_JUSTIFICATION_REQUIRED',
    ],
    [
      'a blank justification',
      vpn,
      { ...ok, source: hostPrefix('198.51.100.7'), justification: '  ' },
      'JIT_POLICY_JUSTIFICATION_REQUIRED',
    ],
  ])('refuses %s (exit 3)', (_label, policy, request, code) => {
    try {
      checkRequest(policy, request);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PolicyError);
      expect((error as PolicyError).code).toBe(code);
      expect((error as PolicyError).exitCode).toBe(3);
      expect((error as PolicyError).message).toMatch(/^--(port|duration|source)|--justification/);
    }
  });

  it('allows any source only when the policy names it', () => {
    const anyPolicy = buildPolicy({ ports: ports('22'), allowSources: prefixes('0.0.0.0/0') });
    expect(() => checkRequest(anyPolicy, { ...ok, source: parsePrefix('0.0.0.0/0', 's') })).not.toThrow();
  });
});
