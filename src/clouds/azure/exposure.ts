/**
 * `status` and `scan`: can the internet reach the VM's ports, evaluated as Azure would, along each
 * address's path (subnet NSG, then NIC NSG). The evaluation is the core's (assessLockdown: internet
 * probe addresses through evaluatePath, counting only broad Allows as exposure, as Defender's
 * recommendation does); this file groups addresses by path and names rules as `<nsg>/<rule>`.
 */
import type { PortRange } from '../../core/model.js';
import { assessLockdown, type PortLockdown } from '../../core/nsg/lockdown.js';
import type { NsgRule } from '../../core/nsg/types.js';
import type { PortExposure } from '../../core/ports.js';
import { formatPortRange } from '../../core/port-spec.js';
import { idKey } from './arm-id.js';
import type { VmNetwork } from './network.js';
import { toNsgRule } from './rules.js';

interface PathResult {
  destinations: string[];
  ports: PortLockdown[];
  /** Each rule object of the evaluation, by the name the user knows it by. */
  names: Map<NsgRule, string>;
}

function assessPaths(network: VmNetwork, ports: readonly PortRange[], grantSources: readonly string[]): PathResult[] {
  interface Group {
    nsgIds: string[];
    destinations: string[];
    vnetPrefixes: Set<string>;
    broadVirtualNetwork: boolean;
  }
  const groups = new Map<string, Group>();
  for (const path of network.paths) {
    // Paths whose `VirtualNetwork` tag differs (a route table's default route) are assessed apart.
    const key = `${path.nsgIds.map(idKey).join('|')}|${path.broadVirtualNetwork ? 'broad' : ''}`;
    const group = groups.get(key) ?? {
      nsgIds: path.nsgIds,
      destinations: [],
      vnetPrefixes: new Set<string>(),
      broadVirtualNetwork: path.broadVirtualNetwork,
    };
    group.destinations.push(path.address);
    for (const prefix of path.vnetPrefixes) group.vnetPrefixes.add(prefix);
    groups.set(key, group);
  }
  return [...groups.values()].map((group) => {
    const names = new Map<NsgRule, string>();
    const nsgPath = group.nsgIds.map((id) => {
      const nsg = network.nsgs.get(idKey(id));
      return (nsg?.rules ?? []).flatMap((rule) => {
        const converted = toNsgRule(rule);
        if (!converted) return [];
        names.set(converted, `${nsg?.name ?? ''}/${converted.name}`);
        return [converted];
      });
    });
    const result = assessLockdown(nsgPath, {
      ports,
      destinations: group.destinations,
      activeGrantSources: grantSources,
      vnetPrefixes: [...group.vnetPrefixes],
      broadVirtualNetwork: group.broadVirtualNetwork,
    });
    return { destinations: group.destinations, ports: result, names };
  });
}

function nameOf(result: PathResult, rule: NsgRule): string {
  return result.names.get(rule) ?? rule.name;
}

/** Per policy port: locked, exposed (naming the rules that let the internet in), or unknown. */
export function portExposure(
  network: VmNetwork,
  ports: readonly PortRange[],
  grantSources: readonly string[],
): PortExposure[] {
  const results = assessPaths(network, ports, grantSources);
  return ports.map((port, index) => {
    const exposed = results.flatMap((result) => {
      const lockdown = result.ports[index];
      return lockdown && lockdown.state === 'exposed' ? [{ result, lockdown }] : [];
    });
    if (exposed.length === 0) {
      const reason = `the internet is refused on ${formatPortRange(port)} except for active grants`;
      return { port, verdict: 'locked', rules: [], reason };
    }
    const rules = [
      ...new Set(exposed.flatMap(({ result, lockdown }) => lockdown.defeatedBy.map((rule) => nameOf(result, rule)))),
    ];
    const addresses = [...new Set(exposed.flatMap(({ lockdown }) => lockdown.exposures.map((e) => e.destination)))].join(', ');
    if (rules.length === 0) {
      return { port, verdict: 'exposed', rules, reason: `no network security group filters traffic to ${addresses}` };
    }
    const certain = exposed.some(({ lockdown }) => lockdown.certain);
    return certain
      ? { port, verdict: 'exposed', rules, reason: `the internet reaches ${addresses} through rules that allow any source` }
      : {
          port,
          verdict: 'unknown',
          rules,
          reason: `the internet may reach ${addresses}: it depends on service tags or application security groups that jit cannot resolve`,
        };
  });
}

/** Scan: the management ports reachable from anywhere, with the rules that open them. */
export function openManagementPorts(network: VmNetwork, ports: readonly number[]): { port: number; rules: string[] }[] {
  const ranges = ports.map((port): PortRange => ({ from: port, to: port, protocol: 'tcp' }));
  const results = assessPaths(network, ranges, []);
  return ports.flatMap((port, index) => {
    const exposed = results.filter((result) => result.ports[index]?.state === 'exposed');
    if (exposed.length === 0) return [];
    const defeating = exposed.flatMap((result) =>
      (result.ports[index]?.defeatedBy ?? []).map((rule) => nameOf(result, rule)),
    );
    const rules = [...new Set(defeating)];
    return [{ port, rules }];
  });
}
