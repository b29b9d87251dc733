/**
 * Is the lock-down effective (docs/azure.md, "Effectiveness")? For each policy port: can an
 * arbitrary internet address reach the VM, other than through an active grant?
 *
 * Approach: evaluate the NSG path (evaluate.ts) for a handful of public probe addresses, one per
 * quarter of the IPv4 space and a few across IPv6 global unicast, so a rule that allows or denies
 * only part of the internet cannot hide the rest. A probe that gets in only counts as exposure when,
 * in every NSG on the path, a *broad* Allow (source `*`, `Any`, `Internet`, `0.0.0.0/0`, `::/0`) may
 * decide it: a narrow Allow that happens to contain a probe (a VPN range, a partner's /24) is
 * accepted, as Defender for Cloud accepts existing rules ahead of its deny.
 *
 * Limits: probes are samples, not a proof. A narrow-looking rule wide enough to cover much of the
 * internet (`0.0.0.0/1`) is accepted like any narrow rule. `VirtualNetwork` is only what the caller
 * passes as VNet prefixes (a peering can make it larger), or every address when the caller says the
 * subnet's default route goes to an appliance (`broadVirtualNetwork`: such a source is then broad).
 * Probes inside an active grant's source or inside the VNet are skipped: a grant open to a whole
 * family leaves nothing to probe there, and the port then reads as locked, because every address of
 * that family is a granted one.
 * Azure Virtual Network Manager security admin rules, evaluated before NSGs, are not seen.
 */
import type { PortRange } from '../model.js';
import { addressOrPrefix, hostPrefix, type Prefix, parsePrefix, prefixContains } from '../prefix.js';
import { sourceBreadth } from './classify.js';
import { evaluatePath, type PathVerdict } from './evaluate.js';
import { destinationPortEntries, parseRulePortRange } from './match.js';
import type { NsgRule } from './types.js';

/** Public unicast addresses standing in for "anyone on the internet". */
export const INTERNET_PROBES: readonly string[] = [
  '45.33.0.1',
  '81.2.69.1',
  '151.101.1.1',
  '212.58.224.1',
  '2400:cb00::1',
  '2a00:1450:4001::1',
  '2c0f:fb50::1',
];

export interface LockdownTarget {
  ports: readonly PortRange[];
  /** The VM's private IP addresses on the NIC whose path `nsgPath` describes. */
  destinations: readonly string[];
  /** Source prefixes of the VM's active grants: traffic from them is meant to get in. */
  activeGrantSources: readonly string[];
  /** The VNet address space, for the `VirtualNetwork` tag. */
  vnetPrefixes: readonly string[];
  /** The `VirtualNetwork` tag covers every address (a default route to an appliance): it is then broad. */
  broadVirtualNetwork?: boolean;
}

interface Exposure {
  source: string;
  destination: string;
  /** The first port of a stretch of the policy range that every rule treats alike. */
  port: number;
  protocol: 'tcp' | 'udp';
  /** The broad Allow that lets the probe through, one per NSG on the path (none: the path has no NSG). */
  rules: NsgRule[];
  /** False when the probe gets in only if an undecidable rule does, or does not, match. */
  certain: boolean;
}

export interface PortLockdown {
  port: PortRange;
  state: 'locked' | 'exposed';
  /** False when the port is exposed only on a reading of some undecidable rule. */
  certain: boolean;
  /** Every rule that defeats the lock-down for this port, in priority order. */
  defeatedBy: NsgRule[];
  exposures: Exposure[];
}

/** The broad Allows that may let a probe through, one per NSG; undefined when some NSG has none. */
function broadExposure(
  path: PathVerdict,
  broadVirtualNetwork: boolean,
): Pick<Exposure, 'rules' | 'certain'> | undefined {
  const isBroadAllow = (rule: NsgRule) =>
    rule.access === 'Allow' && sourceBreadth(rule, { broadVirtualNetwork }) === 'broad';
  const rules: NsgRule[] = [];
  for (const verdict of path.verdicts) {
    const rule = verdict.candidates.find(isBroadAllow);
    if (rule === undefined) return undefined;
    rules.push(rule);
  }
  return { rules, certain: path.verdicts.every((verdict) => verdict.candidates.every(isBroadAllow)) };
}

/**
 * One port per stretch of `port` in which every rule's port test gives the same answer: the range's
 * first port and every rule range edge inside it. Checking those decides the whole range.
 */
function probePorts(nsgPath: readonly (readonly NsgRule[])[], port: PortRange): number[] {
  const points = new Set([port.from]);
  for (const rule of nsgPath.flat()) {
    for (const entry of destinationPortEntries(rule)) {
      const span = parseRulePortRange(entry);
      if (span === undefined) continue;
      for (const edge of [span.from, span.to + 1]) {
        if (edge > port.from && edge <= port.to) points.add(edge);
      }
    }
  }
  return [...points].sort((a, b) => a - b);
}

/**
 * Per policy port, whether internet traffic to the VM is denied except for active grants, naming the
 * rules that defeat the lock-down. `nsgPath` is the NIC's path: subnet NSG, then NIC NSG.
 */
export function assessLockdown(
  nsgPath: readonly (readonly NsgRule[])[],
  target: LockdownTarget,
): PortLockdown[] {
  const skipped: Prefix[] = [
    ...target.activeGrantSources.map((source) => parsePrefix(source, 'Grant source')),
    ...target.vnetPrefixes.map((prefix) => parsePrefix(prefix, 'VNet address prefix')),
  ];
  const probes = INTERNET_PROBES.map((address) => hostPrefix(address)).filter(
    (probe) => !skipped.some((prefix) => prefixContains(prefix, probe)),
  );
  const broadVirtualNetwork = target.broadVirtualNetwork === true;
  const context = { virtualNetworkPrefixes: target.vnetPrefixes, broadVirtualNetwork };
  return target.ports.map((port) => {
    const exposures: Exposure[] = [];
    const protocols = port.protocol === '*' ? (['tcp', 'udp'] as const) : [port.protocol];
    const portNumbers = probePorts(nsgPath, port);
    for (const destination of target.destinations) {
      const family = addressOrPrefix(destination).family;
      for (const protocol of protocols) {
        for (const portNumber of portNumbers) {
          for (const probe of probes.filter((candidate) => candidate.family === family)) {
            const flow = { source: probe.address, destination, port: portNumber, protocol };
            const exposure = broadExposure(evaluatePath(nsgPath, flow, context), broadVirtualNetwork);
            if (exposure !== undefined) exposures.push({ ...flow, ...exposure });
          }
        }
      }
    }
    return {
      port,
      state: exposures.length > 0 ? 'exposed' : 'locked',
      certain: exposures.length === 0 || exposures.some((exposure) => exposure.certain),
      defeatedBy: [...new Set(exposures.flatMap((exposure) => exposure.rules))].sort(
        (a, b) => a.priority - b.priority,
      ),
      exposures,
    };
  });
}
