/**
 * Human renderings of use-case results. --json output is the result objects themselves.
 *
 * Every string that came from the cloud (names, ids, states, rule names, requesters, change
 * summaries and notes that quote them) goes through `p` (printable) before it is coloured: a tag
 * or a rule description is written by whoever can edit the VM, not by jit.
 */
import type { ChalkInstance } from 'chalk';
import { formatDuration } from '../../core/duration.js';
import type { Policy } from '../../core/model.js';
import { formatPortRanges } from '../../core/port-spec.js';
import { printable as p } from '../../core/printable.js';
import type { ChangeReport, RuleChange, ScanFinding } from '../../core/ports.js';
import type { ClosedGrant } from '../../core/lifecycle.js';
import type { GrantView, TargetStatusView } from '../../core/use-cases/status.js';
import type { SweepResult } from '../../core/use-cases/sweep.js';
import { firewallLines } from './firewall.js';
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
  const why = policy.requireJustification ? 'required' : 'not required';
  return `${formatPortRanges(policy.ports)}, at most ${formatDuration(policy.maxDuration)}, from ${sources}, justification ${why}`;
}

export function grantLine(c: ChalkInstance, g: GrantView): string {
  const left = g.secondsLeft > 0 ? `${formatDuration(g.secondsLeft)} left` : c.red(`overdue by ${formatDuration(-g.secondsLeft)}`);
  const line = `  ${c.bold(p(g.grantId))}  ${formatPortRanges(g.ports)}  from ${p(g.source)}  by ${p(g.requester)}  until ${utc(p(g.expiresAt))}  (${left})`;
  return g.problem ? `${line}\n    ${c.red('NOT TRUSTED:')} ${p(g.problem)}` : line;
}

export function statusText(c: ChalkInstance, view: TargetStatusView): string {
  const { name, id, state } = view.target;
  const lines = [`${c.bold(p(name))}  ${c.dim(p(id))}${state ? `  ${p(state)}` : ''}`];
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
  lines.push(view.grants.length > 0 ? 'grants' : `grants     ${c.dim('none active')}`);
  for (const g of view.grants) lines.push(grantLine(c, g));
  return lines.join('\n');
}

/** `jit scan`'s counts, for a CI log's last line and the --json `summary`. */
export function scanSummary(findings: ScanFinding[]): { open: number; unmanaged: number } {
  return { open: findings.length, unmanaged: findings.filter((f) => !f.managed).length };
}

export function scanText(c: ChalkInstance, findings: ScanFinding[]): string {
  if (findings.length === 0) return c.green('No VM has a management port open to the internet.');
  const lines = findings.map((f) => {
    const ports = f.open.map((o) => `${o.port} (${o.rules.map((r) => p(r)).join(', ')})`).join('; ');
    return `${c.red('OPEN')}  ${c.bold(p(f.target.name))}  ${c.dim(p(whereOf(f.scope)))}  ${ports}${f.managed ? c.dim('  [jit policy present]') : ''}`;
  });
  const { open, unmanaged } = scanSummary(findings);
  lines.push(`${open} VM${open === 1 ? '' : 's'} with a management port open to the internet; ${unmanaged} not managed by jit (\`jit enable <vm>\` locks one down).`);
  return lines.join('\n');
}

/**
 * One report for a command that closed grants before its own change (disable, revoke): every
 * change in order; whether it applied and its notes are those of the last step.
 */
export function mergeReports(closed: ChangeReport[], last: ChangeReport): ChangeReport {
  return { changes: [...closed.flatMap((r) => r.changes), ...last.changes], applied: last.applied, notes: last.notes };
}

/** `jit status` without a VM: every grant in scope under its VM's name. */
export function scopeStatusText(c: ChalkInstance, grants: GrantView[]): string {
  if (grants.length === 0) return c.dim('No active jit grants in scope.');
  return grants.map((g) => `${c.bold(p(g.target.name))}\n${grantLine(c, g)}`).join('\n');
}

export function revokeText(c: ChalkInstance, closed: ClosedGrant[], report: ChangeReport): string {
  if (closed.length === 0) return c.dim('No matching grant.');
  const ids = closed.map((g) => c.bold(p(g.grant.grantId))).join(', ');
  return `${dryRunHeading(c, report, `Revoked ${ids}:`)}\n${changesText(c, report)}`;
}

export function sweepText(c: ChalkInstance, result: SweepResult, dryRun: boolean): string {
  const verb = dryRun ? 'Would remove' : 'Removed';
  const lines = [`${verb} ${result.removed.length} expired grant(s); ${result.kept.length} unexpired left alone.`];
  for (const r of result.removed) {
    lines.push(`  - ${p(r.grant.grantId)} on ${p(r.grant.target.name)} (expired ${utc(p(r.grant.expiresAt))})`);
  }
  for (const f of result.failed) {
    lines.push(c.red(`  ! ${p(f.grant.grantId)} on ${p(f.grant.target.name)}: ${p(f.error)}`));
  }
  return lines.join('\n');
}
