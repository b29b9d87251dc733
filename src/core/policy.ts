/**
 * The policy model (docs/cli.md, "Policy"), its compact tag encoding, and the checks a request must
 * pass.
 *
 * Encoding v1, stored in the VM tag `jit-access` (Azure and AWS tag values hold at most 256
 * characters):  `v1;p=22/tcp,3389/tcp;d=3h;s=10.0.0.0/8,2001:db8::/48;j=1`
 *   p  ports (required)      d  longest duration (required)
 *   s  allowed source prefixes (absent: any public address)      j=1  justification required
 * A tag of a newer version is refused with a hint to upgrade, never half-read.
 */
import { formatDuration, MAX_DURATION, parseDuration } from './duration.js';
import { PolicyError, ProviderError, UserError } from './errors.js';
import type { Policy, PortRange, Seconds } from './model.js';
import { formatPortRange, formatPortRanges, parsePortSpec, portRangeCovers } from './port-spec.js';
import { isAnyPrefix, isPublicUnicast, type Prefix, parsePrefix, prefixContains } from './prefix.js';
import { printable, QUOTE_LIMIT, quoted } from './printable.js';

export const POLICY_TAG = 'jit-access';
const POLICY_VERSION = 1;
const TAG_VALUE_LIMIT = 256;
const DEFAULT_MAX_DURATION: Seconds = 3 * 3600;

/**
 * Under the default policy (no allowed prefixes) a source must be public and no wider than a
 * site: /24 for IPv4, /48 for IPv6. Wider ranges, private ranges and "any" need the policy to
 * name them with --allow-source, so a typo cannot open a port to a continent.
 */
const DEFAULT_WIDEST_SOURCE = { 4: 24, 6: 48 } as const;

export interface PolicyInput {
  ports: PortRange[];
  maxDuration?: Seconds;
  allowSources?: Prefix[];
  requireJustification?: boolean;
}

export function buildPolicy(input: PolicyInput): Policy {
  if (input.ports.length === 0) {
    throw new UserError('JIT_INVALID_PORT', '--port: a policy needs at least one port.');
  }
  const maxDuration = input.maxDuration ?? DEFAULT_MAX_DURATION;
  if (maxDuration > MAX_DURATION) {
    throw new UserError('JIT_INVALID_DURATION', '--max-duration may be at most 24h.');
  }
  const policy: Policy = {
    version: POLICY_VERSION,
    ports: input.ports,
    maxDuration,
    allowSources: input.allowSources ?? [],
    requireJustification: input.requireJustification ?? false,
  };
  const encoded = encodePolicy(policy);
  if (encoded.length > TAG_VALUE_LIMIT) {
    throw new UserError(
      'JIT_POLICY_TOO_LARGE',
      `The policy encodes to ${encoded.length} characters; the VM tag holds at most ${TAG_VALUE_LIMIT}.`,
      { hint: 'Use fewer --allow-source prefixes (a wider prefix covers several) or fewer port entries.' },
    );
  }
  return policy;
}

export function encodePolicy(policy: Policy): string {
  const parts = [
    `v${policy.version}`,
    `p=${formatPortRanges(policy.ports)}`,
    `d=${formatDuration(policy.maxDuration)}`,
  ];
  if (policy.allowSources.length > 0) parts.push(`s=${policy.allowSources.map((p) => p.cidr).join(',')}`);
  if (policy.requireJustification) parts.push('j=1');
  return parts.join(';');
}

/**
 * The tag is cloud data that anyone with tag-write permission on the VM may have written: the
 * message quotes it cut and printable, and `why` (which may quote a field of it) printable too.
 */
function corrupt(value: string, why: string): ProviderError {
  return new ProviderError(
    'JIT_POLICY_CORRUPT',
    `The VM's ${POLICY_TAG} tag ${quoted(value)} is not a jit policy: ${printable(why, 2 * QUOTE_LIMIT)}.`,
    {
      hint: 'Run `jit enable` again to rewrite it, or remove the tag.',
    },
  );
}

/** Decodes a tag value. Throws JIT_POLICY_VERSION_UNSUPPORTED for a newer format, JIT_POLICY_CORRUPT otherwise. */
export function decodePolicy(value: string): Policy {
  // jit never writes a longer value (buildPolicy), and the clouds document the same bound (ARM's
  // `tags` in @azure/arm-* typings: "maximum key/value length supported is 256 characters"; AWS
  // tag restrictions: "maximum value length – 256 Unicode characters in UTF-8"). A longer value was
  // not written by jit: refuse it before reading anything out of it.
  const length = Array.from(value).length;
  if (length > TAG_VALUE_LIMIT) throw corrupt(value, `it is ${length} characters long; a policy tag holds at most ${TAG_VALUE_LIMIT}`);
  const [version, ...fields] = value.split(';');
  const match = /^v(\d+)$/.exec(version ?? '');
  if (!match) throw corrupt(value, 'it does not start with a version (v1;…)');
  if (Number(match[1]) !== POLICY_VERSION) {
    throw new ProviderError(
      'JIT_POLICY_VERSION_UNSUPPORTED',
      `The VM's policy is format ${version}; this jit understands v${POLICY_VERSION}.`,
      { hint: 'Upgrade jit-access (npm i -g jit-access@latest).' },
    );
  }
  const map = new Map<string, string>();
  for (const field of fields) {
    const eq = field.indexOf('=');
    const key = eq === -1 ? field : field.slice(0, eq);
    if (eq === -1 || !['p', 'd', 's', 'j'].includes(key) || map.has(key)) {
      throw corrupt(value, `unexpected field "${field}"`);
    }
    map.set(key, field.slice(eq + 1));
  }
  const ports = map.get('p');
  const duration = map.get('d');
  if (!ports || !duration) throw corrupt(value, 'ports (p=) and duration (d=) are required');
  if (map.has('j') && map.get('j') !== '1') throw corrupt(value, 'j= must be 1');
  try {
    const sources = map.get('s');
    return {
      version: POLICY_VERSION,
      ports: parsePortSpec(ports, 'p'),
      maxDuration: parseDuration(duration, 'd'),
      allowSources: sources ? sources.split(',').map((s) => parsePrefix(s, 's')) : [],
      requireJustification: map.has('j'),
    };
  } catch (error) {
    throw corrupt(value, (error as Error).message);
  }
}

export interface AccessRequest {
  ports: PortRange[];
  duration: Seconds;
  source: Prefix;
  justification?: string;
}

/** Checks a request against the policy; every refusal is a PolicyError (exit 3) naming the flag. */
export function checkRequest(policy: Policy, request: AccessRequest): void {
  const outside = request.ports.filter(
    (asked) => !policy.ports.some((allowed) => portRangeCovers(allowed, asked)),
  );
  if (outside.length > 0) {
    throw new PolicyError(
      'JIT_POLICY_PORT_NOT_ALLOWED',
      `--port ${outside.map(formatPortRange).join(',')} is not in the VM's policy (${formatPortRanges(policy.ports)}).`,
      { hint: 'Ask for a port the policy lists, or have an admin run `jit enable` with it.' },
    );
  }
  if (request.duration > policy.maxDuration) {
    throw new PolicyError(
      'JIT_POLICY_DURATION_TOO_LONG',
      `--duration ${formatDuration(request.duration)} is longer than the policy allows (${formatDuration(policy.maxDuration)}).`,
      { hint: `Ask for ${formatDuration(policy.maxDuration)} or less.` },
    );
  }
  checkSource(policy, request.source);
  if (policy.requireJustification && !request.justification?.trim()) {
    throw new PolicyError(
      'JIT_POLICY_JUSTIFICATION_REQUIRED',
      "The VM's policy requires --justification TEXT.",
    );
  }
}

function checkSource(policy: Policy, source: Prefix): void {
  if (policy.allowSources.length > 0) {
    if (!policy.allowSources.some((allowed) => prefixContains(allowed, source))) {
      throw new PolicyError(
        'JIT_POLICY_SOURCE_NOT_ALLOWED',
        `--source ${source.cidr} is outside the policy's allowed sources (${policy.allowSources.map((p) => p.cidr).join(', ')}).`,
      );
    }
    return;
  }
  const widest = DEFAULT_WIDEST_SOURCE[source.family];
  if (isAnyPrefix(source) || source.length < widest || !isPublicUnicast(source.address)) {
    throw new PolicyError(
      'JIT_POLICY_SOURCE_NOT_ALLOWED',
      `--source ${source.cidr} is not allowed: the VM's policy admits public addresses up to /${widest}.`,
      { hint: 'An admin can allow it with `jit enable --allow-source CIDR`.' },
    );
  }
}
