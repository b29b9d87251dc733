/**
 * Human renderings of use-case results. --json output is the result objects themselves.
 *
 * Every string that came from the cloud (names, ids, states, rule names, requesters, change
 * summaries and notes that quote them) goes through `p` (printable) before it is coloured: a tag
 * or a rule description is written by whoever can edit the VM, not by jit.
 */
import type { ChalkInstance } from 'chalk';
import { formatDuration } from '../../core/duration.js';
import type { Policy, PortRange } from '../../core/model.js';
import { formatPortRanges } from '../../core/port-spec.js';
import { printable as p } from '../../core/printable.js';
import type { ChangeReport, CloudGrant, RuleChange, ScanFinding } from '../../core/ports.js';
import type { ClosedGrant } from '../../core/lifecycle.js';
import type { GrantView, TargetStatusView } from '../../core/use-cases/status.js';
import type { SweepResult } from '../../core/use-cases/sweep.js';
import { firewallLines } from './firewall.js';
import type { Look } from './look.js';
import { shortRequester, shortTarget } from './names.js';
import { table } from './width.js';
import { whereOf } from './where.js';

const OP_MARK: Record<RuleChange['op'], string> = {
  'add-rule': '+',
  'restore-rule': '+',
  'create-group': '+',
  'attach-group': '+',
  'update-rule': '~',
  'set-tag': '~',
  'remove-rule': '-',
  'remove-tag': '-',
  'detach-group': '-',
  'delete-group': '-',
};

export function utc(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

export function changesText(c: ChalkInstance, report: ChangeReport): string {
  const lines = report.changes.map((change) => {
    const mark = OP_MARK[change.op];
    const colour = mark === '+' ? c.green : mark === '-' ? c.red : c.yellow;
    return `  ${colour(mark)} ${change.op.padEnd(12)} ${c.dim(p(change.on))}  ${p(change.summary)}`;
  });
  if (lines.length === 0) lines.push(`  ${c.dim('(no change needed)')}`);
  for (const note of report.notes) lines.push(`  ${c.dim('note:')} ${p(note)}`);
  return lines.join('\n');
}

export function dryRunHeading(c: ChalkInstance, report: ChangeReport, done: string): string {
  return report.applied ? done : `${c.yellow('Dry run')}: these are the changes jit would make (nothing was changed):`;
}

export function policyText(policy: Policy): string {
  const sources = policy.allowSources.length > 0 ? policy.allowSources.map((prefix) => prefix.cidr).join(', ') : 'any public address';
  // A requirement is named when there is one; "justification not required" only made the line long.
  const why = policy.requireJustification ? ', justification required' : '';
  return `${formatPortRanges(policy.ports)}, at most ${formatDuration(policy.maxDuration)}, from ${sources}${why}`;
}

/** Tables cut cells to the width; with --verbose nothing is cut, and long lines wrap instead (Output.result). */
function tableWidth(look: Look): number {
  return look.verbose ? Number.POSITIVE_INFINITY : look.width;
}

/** Ports for a table cell, grouped by protocol: `22,3389,8000-8100/tcp 53/udp`. */
function portsText(ports: PortRange[]): string {
  const groups = new Map<string, string[]>();
  for (const port of ports) groups.set(port.protocol, [...(groups.get(port.protocol) ?? []), port.from === port.to ? `${port.from}` : `${port.from}-${port.to}`]);
  return [...groups].map(([protocol, ranges]) => `${ranges.join(',')}/${protocol}`).join(' ');
}

/** A target as a heading: `rg/vm01` (or `name (i-…)`), and with --verbose its full id below. */
export function targetHeading(look: Look, target: { id: string; name: string }, scope: Record<string, string>, extra = ''): string[] {
  const { c } = look;
  const lines = [`${c.bold(p(shortTarget(target, scope)))}${extra}`];
  if (look.verbose && target.id !== target.name) lines.push(`  ${c.dim(p(target.id))}`);
  return lines;
}

/** A requester as a cell: the user name, or the whole ARN/UPN with --verbose. */
export function requesterText(look: Look, requester: string): string {
  return p(look.verbose ? requester : shortRequester(requester));
}

/**
 * Grants as a table: id, ports, source, requester, expiry in local time with the time left. An
 * untrusted grant gets a line under its row saying why.
 */
export function grantTable(look: Look, grants: GrantView[], indent = '  '): string[] {
  const { c } = look;
  const columns = [
    { header: 'GRANT' },
    { header: 'PORTS', min: 6 },
    { header: 'SOURCE', min: 10 },
    { header: 'REQUESTER', min: 8 },
    { header: 'EXPIRES' },
  ];
  const rows = grants.map((g) => [
    c.bold(p(g.grantId)),
    portsText(g.ports),
    p(g.source),
    requesterText(look, g.requester),
    g.secondsLeft > 0 ? look.times.at(g.expiresAt) : c.red(look.times.at(g.expiresAt)),
  ]);
  const lines = table(columns, rows, { width: tableWidth(look), indent, header: (h) => c.dim(h) });
  const out = [lines[0]!];
  grants.forEach((g, i) => {
    out.push(lines[i + 1]!);
    if (g.problem) out.push(`${indent}  ${c.red('NOT TRUSTED:')} ${p(g.problem)}`);
  });
  return out;
}

export function statusText(look: Look, view: TargetStatusView): string {
  const { c } = look;
  const { state } = view.target;
  const lines = targetHeading(look, view.target, view.target.scope, state ? `  ${c.dim(p(state))}` : '');
  lines.push(`policy     ${view.policy ? policyText(view.policy) : c.dim('none (not enabled)')}`);
  if (view.policy) {
    const exposed = view.exposure.filter((e) => e.verdict !== 'locked');
    const verdict = !view.lockedDown
      ? c.red('NOT IN PLACE')
      : exposed.length === 0
        ? c.green('effective')
        : c.red('DEFEATED');
    lines.push(`lock-down  ${verdict}`);
  } else {
    lines.push(`exposure   ${c.dim('management ports 22, 3389, 5985, 5986 from the internet')}`);
  }
  for (const e of view.exposure) {
    const mark = e.verdict === 'locked' ? c.green('locked ') : e.verdict === 'exposed' ? c.red('EXPOSED') : c.yellow('unknown');
    const rules = e.rules.length > 0 ? ` (${e.rules.map((r) => p(r)).join(', ')})` : '';
    lines.push(`  ${mark}  ${formatPortRanges([e.port])}  ${p(e.reason)}${rules}`);
  }
  lines.push(...firewallLines(c, view.firewall));
  if (view.grants.length === 0) lines.push(`grants     ${c.dim('none active')}`);
  else lines.push('grants', ...grantTable(look, view.grants));
  return lines.join('\n');
}

/** `jit scan`'s counts, for a CI log's last line and the --json `summary`. */
export function scanSummary(findings: ScanFinding[]): { open: number; unmanaged: number } {
  return { open: findings.length, unmanaged: findings.filter((f) => !f.managed).length };
}

export function scanText(look: Look, findings: ScanFinding[]): string {
  const { c } = look;
  if (findings.length === 0) return c.green('No VM has a management port open to the internet.');
  const aws = findings.some((f) => !f.target.id.startsWith('/'));
  const columns = [
    { header: 'VM', min: 12 },
    ...(aws ? [{ header: 'ACCOUNT/REGION', min: 8 }] : []),
    { header: 'OPEN' },
    { header: 'JIT' },
  ];
  const rows = findings.map((f) => [
    c.bold(p(look.verbose ? f.target.id : shortTarget(f.target, f.scope))),
    ...(aws ? [p(whereOf(f.scope))] : []),
    c.red(f.open.map((o) => String(o.port)).join(', ')),
    f.managed ? 'policy' : c.yellow('none'),
  ]);
  const [header, ...lines] = table(columns, rows, { width: tableWidth(look), header: (h) => c.dim(h) });
  // The rules that open each VM under its row, whole (wrapped, never cut): they are what to fix.
  const out = [header!];
  findings.forEach((f, i) => {
    out.push(lines[i]!);
    const rules = f.open.flatMap((o) => o.rules.map((r) => `${o.port}: ${p(r)}`));
    if (rules.length > 0) out.push(c.dim(`    ${rules.join(', ')}`));
  });
  const { open, unmanaged } = scanSummary(findings);
  out.push(`${open} VM${open === 1 ? '' : 's'} open to the internet, ${unmanaged} not managed by jit.`);
  if (unmanaged > 0) out.push(c.dim('`jit enable <vm>` locks one down.'));
  return out.join('\n');
}

/**
 * One report for a command that closed grants before its own change (disable, revoke): every
 * change in order; whether it applied and its notes are those of the last step.
 */
export function mergeReports(closed: ChangeReport[], last: ChangeReport): ChangeReport {
  return { changes: [...closed.flatMap((r) => r.changes), ...last.changes], applied: last.applied, notes: last.notes };
}

/** `jit status` without a VM: every grant in scope, grouped under its VM. */
export function scopeStatusText(look: Look, grants: GrantView[]): string {
  const { c } = look;
  if (grants.length === 0) return c.dim('No active jit grants in scope.');
  const byVm = new Map<string, GrantView[]>();
  for (const g of grants) byVm.set(g.target.id, [...(byVm.get(g.target.id) ?? []), g]);
  const named = (group: GrantView[]) => shortTarget(group[0]!.target, group[0]!.scope);
  const groups = [...byVm.values()].sort((a, b) => named(a).localeCompare(named(b)));
  return groups
    .map((group) => [...targetHeading(look, group[0]!.target, group[0]!.scope), ...grantTable(look, group)].join('\n'))
    .join('\n\n');
}

/**
 * Grants closed (or to close), as a table: id, VM, ports, source, whose (`whose` may name them
 * "yours"), and when they are or were due.
 */
export function closedTable(
  look: Look,
  grants: CloudGrant[],
  options: { indent?: string; whose?: (grant: CloudGrant) => string } = {},
): string[] {
  const { c } = look;
  const columns = [
    { header: 'GRANT' },
    { header: 'VM', min: 8 },
    { header: 'PORTS', min: 6 },
    { header: 'SOURCE', min: 10 },
    { header: 'REQUESTER', min: 8 },
    { header: 'EXPIRES' },
  ];
  const rows = grants.map((g) => [
    c.bold(p(g.grantId)),
    p(look.verbose ? g.target.id : shortTarget(g.target, g.scope)),
    portsText(g.ports),
    p(g.source),
    options.whose?.(g) ?? requesterText(look, g.requester),
    // Relative alone: whether and how long ago it was due is what a close is about, and it leaves
    // the source and requester room.
    look.times.relative(g.expiresAt),
  ]);
  return table(columns, rows, { width: tableWidth(look), indent: options.indent ?? '  ', header: (h) => c.dim(h) });
}

export function revokeText(look: Look, closed: ClosedGrant[], report: ChangeReport): string {
  const { c } = look;
  if (closed.length === 0) return c.dim('No matching grant.');
  const heading = `Revoked ${closed.length} grant${closed.length === 1 ? '' : 's'}:`;
  return [dryRunHeading(c, report, heading), ...closedTable(look, closed.map((g) => g.grant)), changesText(c, report)].join('\n');
}

export function sweepText(look: Look, result: SweepResult, dryRun: boolean): string {
  const { c } = look;
  const verb = dryRun ? 'Would remove' : 'Removed';
  const lines = [`${verb} ${result.removed.length} expired grant(s); ${result.kept.length} unexpired left alone.`];
  if (result.removed.length > 0) lines.push(...closedTable(look, result.removed.map((r) => r.grant)));
  for (const f of result.failed) {
    lines.push(c.red(`  ! ${p(f.grant.grantId)} on ${p(shortTarget(f.grant.target, f.grant.scope))}: ${p(f.error.message)}`));
  }
  return lines.join('\n');
}
