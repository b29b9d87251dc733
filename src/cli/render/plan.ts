/**
 * What a confirmation shows before it asks (docs/cli.md, "Prompts"): the grants a command would
 * close, whose they are, and the rule changes, as found by a dry run of the same command. Another
 * requester's grant is named as theirs, so `revoke vm01 --all` cannot remove a colleague's access
 * unseen.
 */
import { printable as p } from '../../core/printable.js';
import { type ClosedGrant, isRequester } from '../../core/lifecycle.js';
import type { ChangeReport, CloudGrant } from '../../core/ports.js';
import type { Look } from './look.js';
import { changesText, closedTable, requesterText } from './report.js';

/** The requesters other than `me` whose grants are in the plan. */
export function otherRequesters(closed: ClosedGrant[], me: string): string[] {
  return [...new Set(closed.map((c) => c.grant.requester).filter((r) => !isRequester(r, me)))];
}

export function planText(
  look: Look,
  heading: string,
  closed: ClosedGrant[],
  report: ChangeReport,
  me: string,
): string {
  const { c } = look;
  const lines = [heading];
  if (closed.length > 0) {
    lines.push(`  closes ${closed.length} grant${closed.length === 1 ? '' : 's'}:`);
    const whose = (grant: CloudGrant) => (isRequester(grant.requester, me) ? 'yours' : c.yellow(requesterText(look, grant.requester)));
    lines.push(...closedTable(look, closed.map((x) => x.grant), { indent: '    ', whose }));
  }
  lines.push('  rule changes:', changesText(c, report).replace(/^/gm, '  '));
  return lines.join('\n');
}

/** "1 grant of bob@example.com" for the question and the refusal without a terminal. */
export function othersClause(others: string[]): string {
  if (others.length === 0) return '';
  return `, including grants of ${others.map((o) => p(o)).join(', ')}`;
}
