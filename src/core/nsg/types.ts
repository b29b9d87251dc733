/**
 * Azure network security group rules as the core reasons about them: ARM's SecurityRule with its
 * `properties` flattened, which is the shape `@azure/arm-network` returns, so the Azure adapter can
 * hand SDK rules over unchanged once `name`, `priority`, `direction`, `access` and `protocol` are
 * known to be present.
 *
 * Sources: https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview
 * (rule properties, default rules) and the REST reference of Microsoft.Network/networkSecurityGroups.
 */

export type NsgDirection = 'Inbound' | 'Outbound';
export type NsgAccess = 'Allow' | 'Deny';
/** ARM's SecurityRuleProtocol; `*` is the portal's "Any". */
export type NsgProtocol = 'Tcp' | 'Udp' | 'Icmp' | 'Esp' | 'Ah' | '*';

/** An application security group reference: only its resource id, membership is not in the rule. */
interface ApplicationSecurityGroupRef {
  id?: string;
}

export interface NsgRule {
  name: string;
  /** 100–4096 for custom rules, unique per direction within one NSG; default rules use 65000+. */
  priority: number;
  direction: NsgDirection;
  access: NsgAccess;
  protocol: NsgProtocol;
  /** `*`, a CIDR or address, or a service tag (`VirtualNetwork`, `Internet`, `AzureLoadBalancer`, …). */
  sourceAddressPrefix?: string;
  /** Augmented rules: several CIDRs/addresses in one rule (ARM returns `[]` when unused). */
  sourceAddressPrefixes?: string[];
  sourceApplicationSecurityGroups?: ApplicationSecurityGroupRef[];
  destinationAddressPrefix?: string;
  destinationAddressPrefixes?: string[];
  destinationApplicationSecurityGroups?: ApplicationSecurityGroupRef[];
  /** `*`, a port (`22`) or an inclusive range (`8000-8100`). */
  sourcePortRange?: string;
  sourcePortRanges?: string[];
  destinationPortRange?: string;
  destinationPortRanges?: string[];
  /** At most 140 characters (ARM limit); jit keeps its metadata here. */
  description?: string;
}

/** The priority range of custom rules (ARM refuses anything else). */
export const NSG_PRIORITY_MIN = 100;
export const NSG_PRIORITY_MAX = 4096;

/**
 * The six rules Azure puts in every NSG, as ARM returns them under `defaultSecurityRules`. They
 * cannot be removed, only overridden by custom rules, which always come first (65000+ is behind
 * 100–4096). ARM spells the address "any" as `*` here although the documentation tables show
 * `0.0.0.0/0`.
 */
export const DEFAULT_SECURITY_RULES: readonly NsgRule[] = [
  defaultRule('AllowVnetInBound', 65000, 'Inbound', 'Allow', {
    sourceAddressPrefix: 'VirtualNetwork',
    destinationAddressPrefix: 'VirtualNetwork',
    description: 'Allow inbound traffic from all VMs in VNET',
  }),
  defaultRule('AllowAzureLoadBalancerInBound', 65001, 'Inbound', 'Allow', {
    sourceAddressPrefix: 'AzureLoadBalancer',
    destinationAddressPrefix: '*',
    description: 'Allow inbound traffic from azure load balancer',
  }),
  defaultRule('DenyAllInBound', 65500, 'Inbound', 'Deny', {
    sourceAddressPrefix: '*',
    destinationAddressPrefix: '*',
    description: 'Deny all inbound traffic',
  }),
  defaultRule('AllowVnetOutBound', 65000, 'Outbound', 'Allow', {
    sourceAddressPrefix: 'VirtualNetwork',
    destinationAddressPrefix: 'VirtualNetwork',
    description: 'Allow outbound traffic from all VMs to all VMs in VNET',
  }),
  defaultRule('AllowInternetOutBound', 65001, 'Outbound', 'Allow', {
    sourceAddressPrefix: '*',
    destinationAddressPrefix: 'Internet',
    description: 'Allow outbound traffic from all VMs to Internet',
  }),
  defaultRule('DenyAllOutBound', 65500, 'Outbound', 'Deny', {
    sourceAddressPrefix: '*',
    destinationAddressPrefix: '*',
    description: 'Deny all outbound traffic',
  }),
];

/** Every default rule covers all protocols and ports; only addresses and access differ. */
function defaultRule(
  name: string,
  priority: number,
  direction: NsgDirection,
  access: NsgAccess,
  addresses: Pick<NsgRule, 'sourceAddressPrefix' | 'destinationAddressPrefix' | 'description'>,
): NsgRule {
  return {
    name,
    priority,
    direction,
    access,
    protocol: '*',
    sourcePortRange: '*',
    destinationPortRange: '*',
    ...addresses,
  };
}
