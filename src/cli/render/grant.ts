/** What `jit request` and `jit ssh` print about the grant they opened, extended or reused. */
import type { ChalkInstance } from 'chalk';
import type { NoteCode, Notice } from '../../core/codes.js';
import { formatDuration } from '../../core/duration.js';
import type { OpenedGrant } from '../../core/lifecycle.js';
import { formatPortRanges } from '../../core/port-spec.js';
import { printable } from '../../core/printable.js';
import type { Clock } from '../../core/ports.js';
import type { Output } from '../output.js';
import { withEndpoints } from './firewall.js';
import { changesText, dryRunHeading, utc } from './report.js';

/** Said in CI, where the runner ends the detached scheduler with the job (docs/expiry.md). */
export const CI_NOTE: Notice<NoteCode> = {
  code: 'JIT_CI_SCHEDULER_ENDS',
  message:
    'In CI the background scheduler ends with the job: a grant that outlives the job is removed only by a ' +
    '`jit sweep` run elsewhere (cron or a scheduled workflow). `jit request … -- CMD` closes it when CMD ends.',
};

export function renderGrant(out: Output, clock: Clock, result: OpenedGrant, notes: Notice<NoteCode>[] = []): void {
  for (const warning of result.warnings) out.warn(warning);
  for (const note of notes) out.note(note.message, note.code);
  const { grant, outcome } = result;
  const report = { ...result.report, notes: [...result.report.notes, ...notes.map((note) => note.message)] };
  const left = Math.max(0, Math.round((Date.parse(grant.expiresAt) - clock.now().getTime()) / 1000));
  out.result({ grant, outcome, extended: outcome === 'extended', ...report }, (c) => withEndpoints(c, grant, summary(c)));
  function summary(c: ChalkInstance): string {
    if (!report.applied) return `${dryRunHeading(c, report, '')}\n${changesText(c, report)}`;
    const until = `until ${utc(grant.expiresAt)} (${formatDuration(left)})`;
    const what = `${c.bold(formatPortRanges(grant.ports))} on ${c.bold(printable(result.target.name))} to ${printable(grant.source)}`;
    if (outcome === 'unchanged') return `Grant ${c.bold(grant.id)} already opens ${what} ${until}; nothing changed.`;
    if (outcome === 'reused') return `Using grant ${c.bold(grant.id)}: ${what} ${until}; it stays open afterwards.`;
    return `${outcome === 'extended' ? 'Extended' : 'Granted'} ${what} ${until}; grant ${c.bold(grant.id)}`;
  }
}
