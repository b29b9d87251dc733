// Pure planning of jit's DNAT rules on an Azure Firewall (src/clouds/azure/firewall-plan.ts), table-tested.
import { describe, expect, it } from 'vitest';
import {
  choosePort,
  exposingRules,
  firewallWithJitRules,
  freePriority,
  HIGH_PORTS,
  nextJitRules,
  planGrant,
} from '../../../src/clouds/azure/firewall-plan.js';
import { dnatRuleName, isJitNatRule, type NatRuleView, parseFirewallRefs } from '../../../src/clouds/azure/firewall-rules.js';
import type { GrantSpec } from '../../../src/core/ports.js';

const FW_IP = '198.51.100.7';
const nat = (over: Partial<NatRuleView>): NatRuleView => ({
  collection: 'user-dnat',
  name: 'web',
  description: '',
  sources: ['*'],
  destination: FW_IP,
  port: 443,
  protocols: ['TCP'],
  translatedAddress: '10.0.0.10',
  translatedPort: 443,
  ...over,
});
const grant: GrantSpec = {
  id: 'k3v9x2ab',
  ports: [{ from: 22, to: 22, protocol: 'tcp' }],
  source: '81.2.69.7/32',
  requester: 'alice@example.com',
  expiresAt: '2030-01-01T10:00:00.000Z',
};
const plan = (all: NatRuleView[], spec: GrantSpec = grant) =>
  planGrant({ vmName: 'vm01', vmAddress: '10.0.0.4', firewallName: 'fw-hub', firewallAddress: FW_IP, grant: spec, all });

describe('choosePort', () => {
  it.each([
    ['the VM port when free', 22, [], 22],
    ['the first free high port when taken', 22, [22], HIGH_PORTS.from],
    ['skipping taken high ports', 22, [22, HIGH_PORTS.from, HIGH_PORTS.from + 1], HIGH_PORTS.from + 2],
  ])('%s', (_what, wanted, used, expected) => {
    expect(choosePort(wanted, new Set(used))).toBe(expected);
  });

  it('undefined when every port is taken', () => {
    const high = Array.from({ length: HIGH_PORTS.to - HIGH_PORTS.from + 1 }, (_, i) => HIGH_PORTS.from + i);
    const all = new Set([22, ...high]);
    expect(choosePort(22, all)).toBeUndefined();
  });
});

describe('freePriority', () => {
  it.each([
    [[], 100],
    [[100, 101, 200], 102],
    [[200], 100],
  ])('taken %j → %i', (taken, expected) => expect(freePriority(taken)).toBe(expected));
});

describe('planGrant', () => {
  it('one rule per port for the requester alone, to the VM address and port, with the grant metadata', () => {
    const { rules, endpoints } = plan([]);
    expect(rules).toEqual([
      expect.objectContaining({
        name: 'jit-dnat-vm01-k3v9x2ab-22',
        sources: ['81.2.69.7/32'],
        destination: FW_IP,
        port: 22,
        protocols: ['TCP'],
        translatedAddress: '10.0.0.4',
        translatedPort: 22,
        description: 'jit:v1 g=k3v9x2ab exp=20300101T100000Z by=alice@example.com',
      }),
    ]);
    expect(endpoints).toEqual([{ address: FW_IP, port: 22, targetAddress: '10.0.0.4', targetPort: 22, protocol: 'tcp', via: 'fw-hub' }]);
  });

  it.each([
    ['a user rule on the same address takes the port', [nat({ port: 22 })], HIGH_PORTS.from],
    ['a user rule on another address does not', [nat({ port: 22, destination: '198.51.100.8' })], 22],
    ['a rule on any address (*) does', [nat({ port: 22, destination: '*' })], HIGH_PORTS.from],
    ['another grant of jit takes it too', [nat({ collection: 'jit-access-dnat', name: dnatRuleName('vm01', 'zzzzzzzz', 22), port: 22 })], HIGH_PORTS.from],
  ])('%s', (_what, all, port) => {
    expect(plan(all).rules[0]?.port).toBe(port);
  });

  it('an extended grant keeps its port on the firewall', () => {
    const existing = nat({ collection: 'jit-access-dnat', name: 'jit-dnat-vm01-k3v9x2ab-22', port: 50_001, translatedPort: 22 });
    expect(plan([existing]).rules[0]?.port).toBe(50_001);
  });

  it('udp and any protocol map to the firewall protocols; a port range is refused with a clear code', () => {
    const spec = { ...grant, ports: [{ from: 53, to: 53, protocol: 'udp' as const }, { from: 3389, to: 3389, protocol: '*' as const }] };
    expect(plan([], spec).rules.map((rule) => rule.protocols)).toEqual([['UDP'], ['TCP', 'UDP']]);
    expect(() => plan([], { ...grant, ports: [{ from: 8000, to: 8010, protocol: 'tcp' }] })).toThrow(
      expect.objectContaining({ code: 'JIT_AZURE_FIREWALL_PORT_RANGE' }),
    );
  });
});

describe('jit collection contents', () => {
  const mine = nat({ collection: 'jit-access-dnat', name: 'jit-dnat-vm01-aaaaaaaa-22' });
  it('nextJitRules keeps other grants, replaces this one, drops removed ones and never keeps user rules', () => {
    const replaced = { ...mine, description: 'new' };
    expect(nextJitRules([mine, nat({})], [replaced], [])).toEqual([replaced]);
    expect(nextJitRules([mine], [], ['JIT-DNAT-VM01-AAAAAAAA-22'])).toEqual([]);
  });

  it('firewallWithJitRules adds the collection at a free priority, keeps it there, and drops it when empty', () => {
    const user = { name: 'user-dnat', priority: 100, action: { type: 'Dnat' as const }, rules: [] };
    const added = firewallWithJitRules({ natRuleCollections: [user] }, [mine]);
    expect(added.natRuleCollections?.map((c) => [c.name, c.priority])).toEqual([['user-dnat', 100], ['jit-access-dnat', 101]]);
    const again = firewallWithJitRules(added, [mine, { ...mine, name: 'jit-dnat-vm01-bbbbbbbb-22' }]);
    expect(again.natRuleCollections?.[1]).toMatchObject({ priority: 101, rules: [{ name: mine.name }, { name: 'jit-dnat-vm01-bbbbbbbb-22' }] });
    expect(firewallWithJitRules(again, []).natRuleCollections).toEqual([user]);
  });

  it('only rules with a jit name in jit\'s own collection (and group) are jit\'s', () => {
    expect(isJitNatRule(mine)).toBe(true);
    expect(isJitNatRule({ ...mine, collection: 'user-dnat' })).toBe(false);
    expect(isJitNatRule({ ...mine, group: 'user-group' })).toBe(false);
    expect(isJitNatRule({ ...mine, name: 'ssh' })).toBe(false);
  });
});

describe('exposingRules', () => {
  const ports = [{ from: 22, to: 22, protocol: 'tcp' as const }];
  it.each([
    ['* to the VM on a policy port', nat({ sources: ['*'], translatedAddress: '10.0.0.4', translatedPort: 22 }), true],
    ['Internet', nat({ sources: ['Internet'], translatedAddress: '10.0.0.4', translatedPort: 22 }), true],
    ['0.0.0.0/0 among others', nat({ sources: ['81.2.69.0/24', '0.0.0.0/0'], translatedAddress: '10.0.0.4', translatedPort: 22 }), true],
    ['a narrow source', nat({ sources: ['81.2.69.0/24'], translatedAddress: '10.0.0.4', translatedPort: 22 }), false],
    ['another VM', nat({ translatedAddress: '10.0.0.5', translatedPort: 22 }), false],
    ['another port', nat({ translatedAddress: '10.0.0.4', translatedPort: 443 }), false],
    ['a UDP rule on a TCP policy port', nat({ protocols: ['UDP'], translatedAddress: '10.0.0.4', translatedPort: 22 }), false],
    ['jit\'s own rule', nat({ collection: 'jit-access-dnat', name: 'jit-dnat-vm01-aaaaaaaa-22', translatedAddress: '10.0.0.4', translatedPort: 22 }), false],
  ])('%s → %s', (_what, rule, exposed) => {
    expect(exposingRules([rule], ['10.0.0.4'], ports).length > 0).toBe(exposed);
  });
});

describe('parseFirewallRefs', () => {
  const fw = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/azureFirewalls/fw-hub';
  it('keeps only references to jit-named rules on a firewall resource id', () => {
    expect(
      parseFirewallRefs([
        { firewall: fw, name: 'jit-dnat-vm01-aaaaaaaa-22' },
        { firewall: fw, name: 'user-rule' },
        { firewall: 'not-an-id', name: 'jit-dnat-vm01-aaaaaaaa-22' },
        { nsg: fw, name: 'jit-allow-vm01-aaaaaaaa' },
      ]),
    ).toEqual([{ firewall: fw, name: 'jit-dnat-vm01-aaaaaaaa-22' }]);
  });
});
