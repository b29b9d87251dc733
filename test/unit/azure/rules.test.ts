/** jit's Azure rule names, descriptions and bodies (src/clouds/azure/rules.ts). */
import { describe, expect, it } from 'vitest';
import {
  allDenyRuleNames,
  allowRuleName,
  byProtocol,
  denyDescription,
  denyRuleName,
  grantDescription,
  parseGrantDescription,
  ruleBody,
  rulePorts,
  sameRule,
  toNsgRule,
  writableCopy,
} from '../../../src/clouds/azure/rules.js';

/** ARM's rule name pattern (Learn "resource-name-rules", Microsoft.Network securityRules), as the emulator has it. */
const ARM_RULE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$/;
const VM = { id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm01', name: 'vm01' };
const LONG_VM = { id: `${VM.id.slice(0, -4)}${'v'.repeat(64)}`, name: 'v'.repeat(64) };

describe('rule names', () => {
  it('follow docs/azure.md: jit-deny-<vm>-<hash>, jit-allow-<vm>-<grant-id>', () => {
    expect(denyRuleName(VM, 'tcp', 4)).toMatch(/^jit-deny-vm01-[0-9a-f]{8}$/);
    expect(allowRuleName('vm01', 'k3v9x2ab', 'tcp', false)).toBe('jit-allow-vm01-k3v9x2ab');
    expect(allowRuleName('vm01', 'k3v9x2ab', 'udp', true)).toBe('jit-allow-vm01-k3v9x2ab-udp');
    expect(allowRuleName('vm01', 'k3v9x2ab', '*', true)).toBe('jit-allow-vm01-k3v9x2ab-any');
  });

  it('stay within 80 characters and ARM\'s pattern for a 64-character VM name', () => {
    const names = [
      ...(['tcp', 'udp', '*'] as const).flatMap((protocol) => [
        denyRuleName(LONG_VM, protocol, 4),
        denyRuleName(LONG_VM, protocol, 6),
        allowRuleName(LONG_VM.name, 'k3v9x2ab', protocol, true),
        allowRuleName(LONG_VM.name, 'k3v9x2ab', protocol, false),
      ]),
    ];
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(80);
      expect(name).toMatch(ARM_RULE_NAME);
    }
    expect(allowRuleName(LONG_VM.name, 'k3v9x2ab', 'udp', true)).toHaveLength(80);
  });

  it('replace characters ARM refuses in a rule name', () => {
    expect(allowRuleName('web server', 'k3v9x2ab', 'tcp', false)).toBe('jit-allow-web-server-k3v9x2ab');
  });

  it('give each VM, protocol and family its own deny rule, stable across runs', () => {
    const other = { ...VM, id: VM.id.replace('/rg/', '/rg-other/') };
    expect(denyRuleName(VM, 'tcp', 4)).toBe(denyRuleName({ ...VM, id: VM.id.toUpperCase() }, 'tcp', 4));
    expect(denyRuleName(VM, 'tcp', 4)).not.toBe(denyRuleName(other, 'tcp', 4));
    expect(allDenyRuleNames(VM).size).toBe(6);
    expect(allDenyRuleNames(VM)).toContain(denyRuleName(VM, 'udp', 6).toLowerCase());
  });
});

describe('descriptions', () => {
  const meta = { grantId: 'k3v9x2ab', expiresAt: '2026-11-21T14:05:00.913Z', requester: 'alice@example.com' };

  it('carry version, grant id, expiry (UTC, whole seconds, rounded down) and requester', () => {
    expect(grantDescription(meta)).toBe('jit:v1 g=k3v9x2ab exp=20261121T140500Z by=alice@example.com');
    expect(parseGrantDescription(grantDescription(meta))).toEqual({ ...meta, expiresAt: '2026-11-21T14:05:00.000Z' });
  });

  it('fit in 140 characters by cutting the requester, which comes last', () => {
    const long = grantDescription({ ...meta, requester: `${'x'.repeat(200)}@example.com` });
    expect(long).toHaveLength(140);
    expect(parseGrantDescription(long)).toMatchObject({ grantId: 'k3v9x2ab', expiresAt: '2026-11-21T14:05:00.000Z' });
    expect(denyDescription('v'.repeat(64)).length).toBeLessThanOrEqual(140);
  });

  it('are not mistaken for a grant when they are anything else', () => {
    for (const text of [undefined, '', 'Allow SSH', 'jit:v1 deny vm=vm01', 'jit:v2 g=k3v9x2ab exp=20261121T140500Z by=a', 'jit:v1 g=k3v9x2ab exp=20261399T140500Z by=a']) {
      expect(parseGrantDescription(text)).toBeUndefined();
    }
  });
});

describe('rule bodies', () => {
  it('use the singular fields for one port and one address, the plural ones for several', () => {
    const one = ruleBody({ name: 'r', priority: 200, access: 'Allow', protocol: 'tcp', source: '81.2.69.5/32', destinations: ['10.0.0.4'], ports: [{ from: 22, to: 22, protocol: 'tcp' }], description: 'd' });
    expect(one).toMatchObject({ destinationAddressPrefix: '10.0.0.4', destinationPortRange: '22', protocol: 'Tcp', direction: 'Inbound', sourcePortRange: '*' });
    expect(one).not.toHaveProperty('destinationPortRanges');
    const many = ruleBody({ ...one, name: 'r', access: 'Deny', protocol: 'tcp', source: '*', destinations: ['10.0.0.4', '10.0.0.5'], ports: [{ from: 22, to: 22, protocol: 'tcp' }, { from: 8000, to: 8100, protocol: 'tcp' }], description: 'd' });
    expect(many).toMatchObject({ destinationAddressPrefixes: ['10.0.0.4', '10.0.0.5'], destinationPortRanges: ['22', '8000-8100'] });
    expect(many).not.toHaveProperty('destinationAddressPrefix');
    expect(rulePorts(many)).toEqual([{ from: 22, to: 22, protocol: 'tcp' }, { from: 8000, to: 8100, protocol: 'tcp' }]);
  });

  it('group policy ports by protocol, one rule each, in a stable order', () => {
    expect(byProtocol([{ from: 53, to: 53, protocol: 'udp' }, { from: 22, to: 22, protocol: 'tcp' }, { from: 3389, to: 3389, protocol: 'tcp' }])).toEqual([
      { protocol: 'tcp', ports: [{ from: 22, to: 22, protocol: 'tcp' }, { from: 3389, to: 3389, protocol: 'tcp' }] },
      { protocol: 'udp', ports: [{ from: 53, to: 53, protocol: 'udp' }] },
    ]);
  });

  it('compare by content, and copy back exactly what ARM stores (for rollback)', () => {
    const stored = {
      name: 'VPN', id: '/x', etag: 'W/"1"', provisioningState: 'Succeeded' as const, priority: 310, direction: 'Inbound' as const, access: 'Allow' as const,
      protocol: 'Tcp' as const, sourceAddressPrefix: '', sourceAddressPrefixes: ['10.8.0.0/16', '10.9.0.0/16'], sourcePortRange: '*', sourcePortRanges: [],
      destinationAddressPrefix: '*', destinationAddressPrefixes: [], destinationPortRange: '', destinationPortRanges: ['22', '3389'], description: 'VPN users',
    };
    const copy = writableCopy(stored);
    expect(copy).toEqual({
      priority: 310, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', sourceAddressPrefixes: ['10.8.0.0/16', '10.9.0.0/16'],
      sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRanges: ['22', '3389'], description: 'VPN users',
    });
    expect(sameRule(stored, copy)).toBe(true);
    expect(sameRule(stored, { ...copy, priority: 311 })).toBe(false);
    expect(sameRule(stored, { ...copy, description: 'other' })).toBe(false);
  });

  it('become the core\'s NsgRule only when evaluation has what it needs', () => {
    expect(toNsgRule({ name: 'r', priority: 100, direction: 'Inbound', access: 'Allow', protocol: 'Tcp' })).toMatchObject({ name: 'r', protocol: 'Tcp' });
    expect(toNsgRule({ name: 'r', direction: 'Inbound', access: 'Allow', protocol: 'Tcp' })).toBeUndefined();
    expect(toNsgRule({ name: 'r', priority: 100, direction: 'Inbound', access: 'Allow', protocol: 'Gre' as 'Tcp' })).toBeUndefined();
  });
});
