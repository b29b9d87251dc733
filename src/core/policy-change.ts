/**
 * What re-running `jit enable` on an enabled VM changes in its policy, and which of those changes
 * weaken it (docs/cli.md, "Policy"): a weakening needs confirmation, so a re-run with fewer flags
 * cannot silently drop `j=1` or widen who may ask. Pure: the CLI shows and confirms.
 */
import { formatDuration } from './duration.js';
import type { Policy, PortRange } from './model.js';
import { formatPortRanges } from './port-spec.js';
import { isAnyPrefix, isPublicUnicast, type Prefix, prefixContains } from './prefix.js';

export interface PolicyLine {
  what: 'ports' | 'longest request' | 'sources' | 'justification';
  from: string;
  to: string;
  /** The new value lets more requests through than the old one did. */
  weakens: boolean;
}

const coveredPort = (old: PortRange[], range: PortRange) =>
  old.some((o) => (o.protocol === '*' || o.protocol === range.protocol) && o.from <= range.from && range.to <= o.to);

/** Without `s`, a source must be a public range no wider than /24 (IPv4) or /48 (IPv6). */
const defaultAllows = (prefix: Prefix) =>
  !isAnyPrefix(prefix) && isPublicUnicast(prefix.address) && prefix.length >= (prefix.family === 4 ? 24 : 48);

const coveredSource = (old: Prefix[], prefix: Prefix) =>
  old.length === 0 ? defaultAllows(prefix) : old.some((o) => prefixContains(o, prefix));

const sourcesText = (sources: Prefix[]) => (sources.length === 0 ? 'any public address (/24, /48 at most)' : sources.map((s) => s.cidr).join(','));

/** The lines that differ between the stored policy and the one asked for; empty when equal. */
export function policyChanges(old: Policy, next: Policy): PolicyLine[] {
  const lines: PolicyLine[] = [];
  const [oldPorts, nextPorts] = [formatPortRanges(old.ports), formatPortRanges(next.ports)];
  if (oldPorts !== nextPorts) {
    lines.push({ what: 'ports', from: oldPorts, to: nextPorts, weakens: next.ports.some((r) => !coveredPort(old.ports, r)) });
  }
  if (old.maxDuration !== next.maxDuration) {
    const [from, to] = [formatDuration(old.maxDuration), formatDuration(next.maxDuration)];
    lines.push({ what: 'longest request', from, to, weakens: next.maxDuration > old.maxDuration });
  }
  const [oldSources, nextSources] = [sourcesText(old.allowSources), sourcesText(next.allowSources)];
  if (oldSources !== nextSources) {
    // Old explicit prefixes replaced by the default: the default admits any public /24 the list did not.
    const widened = (old.allowSources.length > 0 && next.allowSources.length === 0) ||
      next.allowSources.some((s) => !coveredSource(old.allowSources, s));
    lines.push({ what: 'sources', from: oldSources, to: nextSources, weakens: widened });
  }
  if (old.requireJustification !== next.requireJustification) {
    const say = (required: boolean) => (required ? 'required' : 'not required');
    lines.push({ what: 'justification', from: say(old.requireJustification), to: say(next.requireJustification), weakens: old.requireJustification });
  }
  return lines;
}
