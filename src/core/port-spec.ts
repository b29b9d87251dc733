/**
 * Port specs: `22`, `22,3389`, `8000-8100`, each optionally with a protocol suffix (`53/udp`,
 * `22/tcp`, `500/*`). Service names ("ssh") are refused: the cloud rule needs a number, and
 * guessing from /etc/services would make the rule depend on the machine that wrote it.
 */
import { UserError } from './errors.js';
import { type PortRange, PROTOCOLS, type Protocol } from './model.js';

const PORT_FORM =
  'a port 1-65535, a range like 8000-8100, or a comma-separated list like 22,3389 (each optionally /tcp, /udp or /*)';

export function parseProtocol(input: string, flag: string): Protocol {
  const protocol = input.trim().toLowerCase();
  if (protocol === 'any' || protocol === 'all') return '*';
  if ((PROTOCOLS as readonly string[]).includes(protocol)) return protocol as Protocol;
  throw new UserError('JIT_INVALID_PROTOCOL', `${flag} "${input}" is not a protocol: use tcp, udp or *.`);
}

function parsePortNumber(text: string, input: string, flag: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new UserError('JIT_INVALID_PORT', `${flag} "${input}" is not ${PORT_FORM}.`);
  }
  return Number(text);
}

/** Parses a port spec; entries without a suffix take `defaultProtocol`. Duplicates are merged. */
export function parsePortSpec(input: string, flag: string, defaultProtocol: Protocol = 'tcp'): PortRange[] {
  const entries = input.split(',').map((entry) => entry.trim());
  if (entries.some((entry) => entry === '')) {
    throw new UserError('JIT_INVALID_PORT', `${flag} "${input}" is not ${PORT_FORM}.`);
  }
  const ranges = entries.map((entry): PortRange => {
    const [ports = '', proto, extra] = entry.split('/');
    if (extra !== undefined)
      throw new UserError('JIT_INVALID_PORT', `${flag} "${input}" is not ${PORT_FORM}.`);
    const protocol = proto === undefined ? defaultProtocol : parseProtocol(proto, flag);
    const [fromText = '', toText, more] = ports.split('-');
    if (more !== undefined)
      throw new UserError('JIT_INVALID_PORT', `${flag} "${input}" is not ${PORT_FORM}.`);
    const from = parsePortNumber(fromText, input, flag);
    const to = toText === undefined ? from : parsePortNumber(toText, input, flag);
    if (to < from) {
      throw new UserError('JIT_INVALID_PORT', `${flag} "${input}": range ${from}-${to} runs backwards.`, {
        hint: `Write it low to high: ${to}-${from}.`,
      });
    }
    return { from, to, protocol };
  });
  return dedupePortRanges(ranges);
}

function dedupePortRanges(ranges: PortRange[]): PortRange[] {
  const seen = new Set<string>();
  return ranges.filter((range) => {
    const key = formatPortRange(range);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `22/tcp`, `8000-8100/udp`, `500/*`. */
export function formatPortRange(range: PortRange): string {
  const ports = range.from === range.to ? `${range.from}` : `${range.from}-${range.to}`;
  return `${ports}/${range.protocol}`;
}

export function formatPortRanges(ranges: PortRange[]): string {
  return ranges.map(formatPortRange).join(',');
}

function protocolCovers(outer: Protocol, inner: Protocol): boolean {
  return outer === '*' || outer === inner;
}

/** Whether `inner` lies wholly inside `outer` (ports and protocol). */
export function portRangeCovers(outer: PortRange, inner: PortRange): boolean {
  return protocolCovers(outer.protocol, inner.protocol) && outer.from <= inner.from && inner.to <= outer.to;
}

/** Whether the two ranges share at least one (port, protocol) pair. */
export function portRangesOverlap(a: PortRange, b: PortRange): boolean {
  const protocols = a.protocol === '*' || b.protocol === '*' || a.protocol === b.protocol;
  return protocols && a.from <= b.to && b.from <= a.to;
}
