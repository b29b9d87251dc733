/**
 * What an IP echo service is to jit (docs/ip-detection.md, "Services"): which ones we ask by
 * default, which URLs we accept for one, and how we read its answer.
 */
import { UserError } from '../core/errors.js';
import { addressRange, type IpFamily, tryParseAddress } from '../core/prefix.js';
import { quoted } from '../core/printable.js';

/**
 * Several operators (ipify, AWS, Cloudflare, which has also run icanhazip since 2021), so that two
 * agreeing answers are not one broken service's word twice.
 */
export const DEFAULT_IP_SERVICES: readonly string[] = [
  'https://api.ipify.org',
  'https://checkip.amazonaws.com',
  'https://icanhazip.com',
  'https://1.1.1.1/cdn-cgi/trace',
];

const ACCEPTED_FORM =
  'comma-separated https:// URLs that answer with the address as text (http:// only for loopback: 127.0.0.1, [::1], localhost)';

/**
 * Validates one service URL. A plain-http service on the network could be answered by anyone on
 * the path, who would then choose which address the firewall opens, so http is for loopback only
 * (a local proxy, the tests).
 */
export function parseServiceUrl(text: string, flag: string): URL {
  const refuse = (why: string): never => {
    throw new UserError('JIT_INVALID_IP_SERVICE', `${flag}: ${quoted(text)} ${why}; expected ${ACCEPTED_FORM}.`);
  };
  if (!URL.canParse(text)) return refuse('is not a valid URL');
  const url = new URL(text);
  if (url.protocol === 'https:') return url;
  if (url.protocol !== 'http:') return refuse(`uses ${url.protocol.slice(0, -1)}, not https`);
  if (!isLoopbackHost(url)) return refuse('is plain http to a non-loopback host');
  return url;
}

function isLoopbackHost(url: URL): boolean {
  const literal = hostAddress(url);
  return literal === undefined ? url.hostname === 'localhost' : addressRange(literal.address) === 'loopback';
}

/** The URL's host when it is an IP literal (WHATWG URLs keep the brackets around IPv6 ones). */
export function hostAddress(url: URL): { family: IpFamily; address: string } | undefined {
  return tryParseAddress(url.hostname.replace(/^\[(.*)\]$/, '$1'));
}

/**
 * Parses the service list of `JIT_IP_URLS` or `ip.services`. Blank entries (a trailing comma) are
 * ignored; the same URL twice is kept once, because two copies of one service must not count as
 * two services agreeing.
 */
export function parseServiceUrls(text: string, flag: string): string[] {
  const urls = new Map<string, string>();
  for (const entry of text.split(',')) {
    const item = entry.trim();
    if (item === '') continue;
    const { href } = parseServiceUrl(item, flag);
    if (!urls.has(href)) urls.set(href, item);
  }
  if (urls.size === 0) {
    throw new UserError('JIT_INVALID_IP_SERVICE', `${flag} lists no service; expected ${ACCEPTED_FORM}.`);
  }
  return [...urls.values()];
}

/**
 * Reads the address out of a service's body: either the address alone (ipify, checkip, icanhazip
 * end it with a newline or not), or `key=value` lines with an `ip=` line (Cloudflare's
 * /cdn-cgi/trace). `undefined` when the body is neither.
 */
export function parseServiceBody(body: string): { family: IpFamily; address: string } | undefined {
  const ipLine = body.split(/\r?\n/).find((line) => line.startsWith('ip='));
  return tryParseAddress(ipLine === undefined ? body : ipLine.slice('ip='.length));
}
