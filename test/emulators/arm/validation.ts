// The Network resource provider's validation of a security rule PUT, with its error codes and messages.
// Every code and message below is cited in SPEC.md §Validation; the ones no public source shows are marked
// "unverified" there (and here) so nobody mistakes them for Azure's exact words.
import { isIPv4, isIPv6 } from 'node:net';
import { ArmError } from './errors.js';

export interface RuleProperties {
  description?: string;
  protocol?: string;
  sourcePortRange?: string;
  sourcePortRanges?: string[];
  destinationPortRange?: string;
  destinationPortRanges?: string[];
  sourceAddressPrefix?: string;
  sourceAddressPrefixes?: string[];
  destinationAddressPrefix?: string;
  destinationAddressPrefixes?: string[];
  sourceApplicationSecurityGroups?: { id: string }[];
  destinationApplicationSecurityGroups?: { id: string }[];
  access?: string;
  priority?: number;
  direction?: string;
  provisioningState?: string;
  [key: string]: unknown;
}

/** A rule as ARM returns it (properties nested, not flattened like the SDK's models). */
export interface ArmSecurityRule {
  id: string;
  name: string;
  etag: string;
  type: string;
  properties: RuleProperties;
}

const PROTOCOLS = ['Tcp', 'Udp', 'Icmp', 'Esp', '*', 'Ah'];
const ACCESS = ['Allow', 'Deny'];
const DIRECTIONS = ['Inbound', 'Outbound'];

/**
 * Tags accepted in the singular `*AddressPrefix` (Azure checks against its service-tag list: "any" is
 * refused with SecurityRuleInvalidAddressPrefix). A regional form `Tag.Region` is accepted for any tag here.
 */
const SERVICE_TAGS = [
  'Internet',
  'VirtualNetwork',
  'AzureLoadBalancer',
  'AzureCloud',
  'AzureActiveDirectory',
  'AzureBackup',
  'AzureBastion',
  'AzureContainerRegistry',
  'AzureCosmosDB',
  'AzureFrontDoor.Backend',
  'AzureFrontDoor.Frontend',
  'AzureFrontDoor.FirstParty',
  'AzureKeyVault',
  'AzureMonitor',
  'AzureTrafficManager',
  'ApiManagement',
  'AppService',
  'CorpNetPublic',
  'CorpNetSaw',
  'EventHub',
  'GatewayManager',
  'GuestAndHybridManagement',
  'MicrosoftContainerRegistry',
  'ServiceBus',
  'Sql',
  'Storage',
].map((tag) => tag.toLowerCase());

function isServiceTag(value: string): boolean {
  const lower = value.toLowerCase();
  if (SERVICE_TAGS.includes(lower)) return true;
  const dot = lower.lastIndexOf('.');
  return dot > 0 && SERVICE_TAGS.includes(lower.slice(0, dot)) && /^[a-z0-9]+$/.test(lower.slice(dot + 1));
}

function ipv4ToBigInt(ip: string): bigint {
  return ip.split('.').reduce((acc, octet) => (acc << 8n) + BigInt(Number(octet)), 0n);
}

function ipv6ToBigInt(ip: string): bigint {
  let text = ip;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const n = ipv4ToBigInt(v4[1]);
    text = `${text.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  const parts = tail === undefined ? headParts : [...headParts, ...Array(missing).fill('0'), ...tailParts];
  return parts.reduce((acc, part) => (acc << 16n) + BigInt(Number.parseInt(part || '0', 16)), 0n);
}

/** An IP address or a CIDR whose host bits are zero (Azure refuses 193.23.120.230/30). */
function isCanonicalPrefix(value: string): boolean {
  const [address = '', length, extra] = value.split('/');
  if (extra !== undefined) return false;
  const v4 = isIPv4(address);
  if (!v4 && !isIPv6(address)) return false;
  if (length === undefined) return true;
  if (!/^\d{1,3}$/.test(length)) return false;
  const bits = v4 ? 32 : 128;
  const prefix = Number(length);
  if (prefix > bits) return false;
  const n = v4 ? ipv4ToBigInt(address) : ipv6ToBigInt(address);
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  return (n & hostMask) === 0n;
}

function isPortRange(value: string): boolean {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(value);
  if (!match) return false;
  const low = Number(match[1]);
  const high = match[2] === undefined ? low : Number(match[2]);
  return low <= 65535 && high <= 65535 && low <= high;
}

// Resource-name rule for Microsoft.Network/networkSecurityGroups/securityRules (docs "resource-name-rules"):
// 1-80 characters, alphanumerics, underscores, periods and hyphens, starting with an alphanumeric and
// ending with an alphanumeric or an underscore.
const RULE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$/;

function validateRuleName(name: string): ArmError | undefined {
  if (RULE_NAME.test(name)) return undefined;
  return new ArmError(
    400,
    'InvalidResourceName',
    `Resource name ${name} is invalid. The name can be up to 80 characters long. It must begin with a word character, and it must end with a word character or with '_'. The name may contain word characters or '.', '-', '_'.`,
    { details: [] },
  );
}

function nrpError(code: string, message: string): ArmError {
  return new ArmError(400, code, message, { details: [] });
}

function cannotParse(path: string, value: unknown): ArmError {
  return nrpError(
    'InvalidRequestFormat',
    `Cannot parse the request. Invalid value ${JSON.stringify(value)} at path '${path}'.`,
  );
}

const present = (value: unknown): boolean =>
  value !== undefined && value !== null && !(typeof value === 'string' && value === '');
const nonEmpty = (value: unknown): value is unknown[] => Array.isArray(value) && value.length > 0;

/** Maps case-insensitive enum input to Azure's spelling (`tcp` → `Tcp`), or undefined when not a member. */
function canonical(value: unknown, members: string[]): string | undefined {
  if (typeof value !== 'string') return undefined;
  return members.find((member) => member.toLowerCase() === value.toLowerCase());
}

/**
 * Shapes rule properties the way the Network RP returns them: canonical enum spelling, empty strings
 * dropped, and the plural members always present as arrays (Azure answers `"sourceAddressPrefixes": []`).
 */
export function normalizeRuleProperties(input: RuleProperties): RuleProperties {
  const out: RuleProperties = {};
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined || value === null || value === '') continue;
    out[key] = value;
  }
  out.protocol = canonical(out.protocol, PROTOCOLS) ?? out.protocol;
  out.access = canonical(out.access, ACCESS) ?? out.access;
  out.direction = canonical(out.direction, DIRECTIONS) ?? out.direction;
  for (const key of [
    'sourcePortRanges',
    'destinationPortRanges',
    'sourceAddressPrefixes',
    'destinationAddressPrefixes',
  ]) {
    if (!Array.isArray(out[key])) out[key] = [];
  }
  return out;
}

function checkAddresses(
  id: string,
  side: 'Source' | 'Destination',
  singular: unknown,
  plural: unknown,
  groups: unknown,
): ArmError | undefined {
  if (present(singular) && nonEmpty(plural)) {
    // Unverified code: no public record of Azure's answer when both members are set.
    return nrpError(
      'SecurityRuleParametersConflict',
      `Security rule with Id ${id} specifies both ${side}AddressPrefix and ${side}AddressPrefixes; specify only one of them.`,
    );
  }
  if (!present(singular) && !nonEmpty(plural) && !nonEmpty(groups)) {
    return nrpError(
      'SecurityRuleParametersMissing',
      `Required security rule parameters are missing for security rule with Id: ${id}. Security rule must specify ${side}AddressPrefixes, ${side}AddressPrefix, or ${side}ApplicationSecurityGroups.`,
    );
  }
  if (present(singular)) {
    if (typeof singular !== 'string')
      return cannotParse(`properties.${side.toLowerCase()}AddressPrefix`, singular);
    if (singular !== '*' && !isServiceTag(singular) && !isCanonicalPrefix(singular)) {
      return nrpError(
        'SecurityRuleInvalidAddressPrefix',
        `Security rule has invalid Address prefix. Value provided: ${singular}.`,
      );
    }
  }
  if (Array.isArray(plural)) {
    for (const value of plural) {
      if (typeof value !== 'string')
        return cannotParse(`properties.${side.toLowerCase()}AddressPrefixes`, value);
      if (value === '*' || isServiceTag(value)) {
        return nrpError(
          'SecurityRuleParameterContainsUnsupportedValue',
          `Security rule parameter ${side}AddressPrefixes for rule with Id ${id} cannot specify existing VIRTUALNETWORK, INTERNET, AZURELOADBALANCER, '*' or system tags. Unsupported value used: ${value}.`,
        );
      }
      if (!isCanonicalPrefix(value)) {
        return nrpError(
          'SecurityRuleInvalidAddressPrefix',
          `Security rule has invalid Address prefix. Value provided: ${value}.`,
        );
      }
    }
  }
  return undefined;
}

function checkPorts(
  id: string,
  side: 'Source' | 'Destination',
  singular: unknown,
  plural: unknown,
): ArmError | undefined {
  if (present(singular) && nonEmpty(plural)) {
    // Unverified code, as for the address pair.
    return nrpError(
      'SecurityRuleParametersConflict',
      `Security rule with Id ${id} specifies both ${side}PortRange and ${side}PortRanges; specify only one of them.`,
    );
  }
  if (!present(singular) && !nonEmpty(plural)) {
    return nrpError(
      'SecurityRuleParameterMissing',
      `Required security rule parameter ${side}PortRange is missing for security rule with Id: ${id}.`,
    );
  }
  const invalidRange = (value: string) =>
    nrpError(
      'SecurityRuleInvalidPortRange',
      `Security rule has invalid Port range. Value provided: ${value}. Value should be an integer OR integer range with '-' delimiter. Valid range 0-65535.`,
    );
  if (present(singular)) {
    if (typeof singular !== 'string')
      return cannotParse(`properties.${side.toLowerCase()}PortRange`, singular);
    if (singular !== '*' && !isPortRange(singular)) return invalidRange(singular);
  }
  if (Array.isArray(plural)) {
    for (const value of plural) {
      if (typeof value !== 'string') return cannotParse(`properties.${side.toLowerCase()}PortRanges`, value);
      if (value === '*') {
        return nrpError(
          'SecurityRuleParameterContainsInvalidPortRanges',
          `Security rule parameter ${side}PortRanges for rule with Id ${id} contains an invalid port range: ${value}.`,
        );
      }
      if (!isPortRange(value)) return invalidRange(value);
    }
  }
  return undefined;
}

/**
 * Validates a rule about to be written to an NSG whose other (non-default) rules are `siblings`.
 * Returns the first error Azure would report, or undefined.
 */
export function validateRule(
  id: string,
  name: string,
  props: RuleProperties,
  siblings: ArmSecurityRule[],
): ArmError | undefined {
  const nameError = validateRuleName(name);
  if (nameError) return nameError;
  if (present(props.description)) {
    if (typeof props.description !== 'string')
      return cannotParse('properties.description', props.description);
    if (props.description.length > 140) {
      // Code seen in deployment failures; message wording unverified.
      return nrpError(
        'SecurityRuleDescriptionTooLong',
        `Security rule description for rule with Id ${id} is ${props.description.length} characters long; the maximum is 140.`,
      );
    }
  }
  const missing = (param: string) =>
    nrpError(
      'SecurityRuleParameterMissing',
      `Required security rule parameter ${param} is missing for security rule with Id: ${id}.`,
    );
  if (!present(props.protocol)) return missing('Protocol');
  if (!canonical(props.protocol, PROTOCOLS)) return cannotParse('properties.protocol', props.protocol);
  if (!present(props.access)) return missing('Access');
  if (!canonical(props.access, ACCESS)) return cannotParse('properties.access', props.access);
  if (!present(props.direction)) return missing('Direction');
  if (!canonical(props.direction, DIRECTIONS)) return cannotParse('properties.direction', props.direction);
  if (!present(props.priority)) return missing('Priority');
  if (typeof props.priority !== 'number' || !Number.isInteger(props.priority)) {
    return cannotParse('properties.priority', props.priority);
  }
  if (props.priority < 100 || props.priority > 4096) {
    return nrpError(
      'SecurityRuleInvalidPriority',
      `Security rule has invalid Priority. Value provided: ${props.priority} Allowed range 100-4096.`,
    );
  }
  const addressError =
    checkAddresses(
      id,
      'Source',
      props.sourceAddressPrefix,
      props.sourceAddressPrefixes,
      props.sourceApplicationSecurityGroups,
    ) ??
    checkAddresses(
      id,
      'Destination',
      props.destinationAddressPrefix,
      props.destinationAddressPrefixes,
      props.destinationApplicationSecurityGroups,
    );
  if (addressError) return addressError;
  const portError =
    checkPorts(id, 'Source', props.sourcePortRange, props.sourcePortRanges) ??
    checkPorts(id, 'Destination', props.destinationPortRange, props.destinationPortRanges);
  if (portError) return portError;
  const direction = canonical(props.direction, DIRECTIONS);
  const clash = siblings.find(
    (rule) =>
      rule.name.toLowerCase() !== name.toLowerCase() &&
      rule.properties.priority === props.priority &&
      canonical(rule.properties.direction, DIRECTIONS) === direction,
  );
  if (clash) {
    // Azure names the rule already there first and the rule being written second.
    return nrpError(
      'SecurityRuleConflict',
      `Security rule ${clash.name} conflicts with rule ${name}. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules.`,
    );
  }
  return undefined;
}
