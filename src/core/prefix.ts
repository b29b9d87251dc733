/**
 * IPv4/IPv6 addresses and prefixes: parsing into a canonical form, containment, and the
 * public-unicast test of docs/ip-detection.md. ipaddr.js does the address arithmetic (it is the
 * parser express and proxy-addr rely on); this module adds the strictness a firewall tool needs: no
 * shorthand IPv4 ("10.1"), no hex or octal parts, no zone ids, no host bits under the mask.
 */
import ipaddr from 'ipaddr.js';
import { UserError } from './errors.js';

export type IpFamily = 4 | 6;

export interface Prefix {
  family: IpFamily;
  /** Network address in canonical form (IPv6 compressed lower-case, RFC 5952). */
  address: string;
  length: number;
  /** `address/length`, the form written to the cloud. */
  cidr: string;
}

const ANY_V4 = '0.0.0.0/0';
const ANY_V6 = '::/0';

function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (text.includes(':') && !text.includes('%') && ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
  return undefined;
}

function familyOf(addr: ipaddr.IPv4 | ipaddr.IPv6): IpFamily {
  return addr.kind() === 'ipv4' ? 4 : 6;
}

/** Parses one address; `undefined` when it is not a strict IPv4 or IPv6 literal. */
export function tryParseAddress(text: string): { family: IpFamily; address: string } | undefined {
  const addr = parseAddress(text.trim());
  return addr && { family: familyOf(addr), address: addr.toString() };
}

/**
 * Parses `IP` or `IP/len` into a canonical prefix. A bare address is a host prefix (/32, /128).
 * Host bits under the mask are refused rather than silently cleared: "10.0.0.5/8" is more likely
 * a typo than a wish to open 16 million addresses, so the message names the canonical form.
 */
export function parsePrefix(input: string, flag: string): Prefix {
  const text = input.trim();
  const form = 'an IPv4 or IPv6 address or CIDR prefix, e.g. 203.0.113.7, 203.0.113.0/24 or 2001:db8::/48';
  const slash = text.indexOf('/');
  const addrText = slash === -1 ? text : text.slice(0, slash);
  const lenText = slash === -1 ? undefined : text.slice(slash + 1);
  const addr = parseAddress(addrText);
  if (!addr) {
    throw new UserError('JIT_INVALID_PREFIX', `${flag} "${input}" is not ${form}.`);
  }
  const family = familyOf(addr);
  const max = family === 4 ? 32 : 128;
  let length = max;
  if (lenText !== undefined) {
    if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > max) {
      throw new UserError(
        'JIT_INVALID_PREFIX',
        `${flag} "${input}" has an invalid prefix length: IPv${family} takes /0 to /${max}.`,
      );
    }
    length = Number(lenText);
  }
  const network = networkAddress(addr, length);
  if (network.toString() !== addr.toString()) {
    throw new UserError('JIT_INVALID_PREFIX', `${flag} "${input}" has host bits set under /${length}.`, {
      hint: `Did you mean ${network.toString()}/${length}?`,
    });
  }
  const address = addr.toString();
  return { family, address, length, cidr: `${address}/${length}` };
}

function networkAddress(addr: ipaddr.IPv4 | ipaddr.IPv6, length: number): ipaddr.IPv4 | ipaddr.IPv6 {
  const bytes = addr.toByteArray();
  for (let bit = length; bit < bytes.length * 8; bit++) {
    const i = bit >> 3;
    bytes[i] = (bytes[i] as number) & ~(0x80 >> (bit & 7));
  }
  return ipaddr.fromByteArray(bytes);
}

/** parsePrefix for data that is not the user's (cloud metadata): undefined instead of a usage error. */
export function tryParsePrefix(input: string): Prefix | undefined {
  try {
    return parsePrefix(input, 'prefix');
  } catch {
    return undefined;
  }
}

/** The host prefix (/32 or /128) of an address, as requests grant it (docs/ip-detection.md, "Sources"). */
export function hostPrefix(address: string): Prefix {
  const parsed = tryParseAddress(address);
  if (!parsed) throw new UserError('JIT_INVALID_PREFIX', `"${address}" is not an IP address.`);
  const length = parsed.family === 4 ? 32 : 128;
  return { ...parsed, length, cidr: `${parsed.address}/${length}` };
}

/** An address as its host prefix, or a CIDR block as its prefix: a VM's private address may be either. */
export function addressOrPrefix(text: string): Prefix {
  return text.includes('/') ? parsePrefix(text, 'Address') : hostPrefix(text);
}

/**
 * The block `address/length` (host bits cleared), as a cloud reports an address block it allocated;
 * undefined when the address or the length is not valid. A full-length block is the address itself.
 */
export function tryAddressBlock(address: string, length: number): Prefix | undefined {
  const addr = parseAddress(address.trim());
  if (!addr) return undefined;
  const family = familyOf(addr);
  const max = family === 4 ? 32 : 128;
  if (!Number.isInteger(length) || length < 0 || length > max) return undefined;
  const network = networkAddress(addr, length).toString();
  return { family, address: network, length, cidr: `${network}/${length}` };
}

/** Whether `inner` lies wholly inside `outer` (same family, at least as long, same network bits). */
export function prefixContains(outer: Prefix, inner: Prefix): boolean {
  if (outer.family !== inner.family || inner.length < outer.length) return false;
  const o = parseAddress(outer.address)!;
  const i = parseAddress(inner.address)!;
  // Both are the same kind here; ipaddr.js types `match` per kind.
  return (i as ipaddr.IPv4).match(o as ipaddr.IPv4, outer.length);
}

/** Whether the prefix is the whole address space of its family (0.0.0.0/0 or ::/0). */
export function isAnyPrefix(prefix: Prefix): boolean {
  return prefix.length === 0;
}

/** `any` as a source: the whole address space of both families. */
export function anyPrefixes(flag: string): Prefix[] {
  return [parsePrefix(ANY_V4, flag), parsePrefix(ANY_V6, flag)];
}

/**
 * Public unicast only (docs/ip-detection.md, "Accepted addresses"): not private, loopback,
 * link-local, CGNAT, multicast, unspecified, broadcast, documentation/benchmark ("reserved"),
 * unique-local, or transition ranges (6to4, Teredo, IPv4-mapped), whose "address" is not where the
 * traffic will come from.
 */
export function isPublicUnicast(address: string): boolean {
  const addr = parseAddress(address);
  return addr !== undefined && addr.range() === 'unicast';
}

/** Why an address is not public, in words (for messages): e.g. "private", "loopback". */
export function addressRange(address: string): string {
  const addr = parseAddress(address);
  return addr ? addr.range() : 'invalid';
}
