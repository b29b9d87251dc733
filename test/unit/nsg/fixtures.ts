/**
 * Terse NSG rules for table tests. A string fills ARM's singular field, an array the augmented list
 * (with the singular left out, as ARM returns it).
 */
import type { NsgAccess, NsgProtocol, NsgRule } from '../../../src/core/nsg/types.js';

export interface RuleSpec {
  name?: string;
  direction?: 'Inbound' | 'Outbound';
  protocol?: NsgProtocol;
  src?: string | string[];
  dst?: string | string[];
  ports?: string | string[];
  srcPorts?: string | string[];
  /** Use an application security group as source / destination (alone unless `src` / `dst` is given too). */
  srcAsg?: boolean;
  dstAsg?: boolean;
}

const ASG = [
  { id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/asg' },
];

function rule(priority: number, access: NsgAccess, spec: RuleSpec = {}): NsgRule {
  const built: NsgRule = {
    name: spec.name ?? `${access.toLowerCase()}-${priority}`,
    priority,
    direction: spec.direction ?? 'Inbound',
    access,
    protocol: spec.protocol ?? 'Tcp',
  };
  if (spec.srcAsg) built.sourceApplicationSecurityGroups = ASG;
  if (!spec.srcAsg || spec.src !== undefined)
    setField(built, 'sourceAddressPrefix', 'sourceAddressPrefixes', spec.src ?? '*');
  if (spec.dstAsg) built.destinationApplicationSecurityGroups = ASG;
  if (!spec.dstAsg || spec.dst !== undefined) {
    setField(built, 'destinationAddressPrefix', 'destinationAddressPrefixes', spec.dst ?? '*');
  }
  setField(built, 'destinationPortRange', 'destinationPortRanges', spec.ports ?? '*');
  setField(built, 'sourcePortRange', 'sourcePortRanges', spec.srcPorts ?? '*');
  return built;
}

type SingleField =
  | 'sourceAddressPrefix'
  | 'destinationAddressPrefix'
  | 'destinationPortRange'
  | 'sourcePortRange';
type ListField =
  | 'sourceAddressPrefixes'
  | 'destinationAddressPrefixes'
  | 'destinationPortRanges'
  | 'sourcePortRanges';

function setField(target: NsgRule, single: SingleField, list: ListField, value: string | string[]): void {
  if (Array.isArray(value)) target[list] = value;
  else target[single] = value;
}

export const allow = (priority: number, spec?: RuleSpec): NsgRule => rule(priority, 'Allow', spec);
export const deny = (priority: number, spec?: RuleSpec): NsgRule => rule(priority, 'Deny', spec);

/** One rule at every priority 100–4096, each for another VM: an NSG with no room left. */
export function fullNsg(): NsgRule[] {
  return Array.from({ length: 4096 - 100 + 1 }, (_, i) =>
    allow(100 + i, { name: `other-${100 + i}`, dst: '10.0.9.9', ports: '443' }),
  );
}

export const names = (rules: readonly NsgRule[]): string[] => rules.map((r) => r.name);
