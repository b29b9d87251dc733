/** What `jit request` and `jit ssh` print about the grant they opened, extended or reused. */
import type { NoteCode, Notice } from '../../core/codes.js';
import type { OpenedGrant } from '../../core/lifecycle.js';
import { formatPortRanges } from '../../core/port-spec.js';
import { printable } from '../../core/printable.js';
import type { Clock } from '../../core/ports.js';
import type { Output } from '../output.js';
import { withEndpoints } from './firewall.js';
import { grantRecordJson, reportJson } from './json.js';
import { type Look, lookOf } from './look.js';
import { shortTarget } from './names.js';
import { changesText, dryRunHeading } from './report.js';

/** Said in CI, where the runner ends the detached scheduler with the job (docs/expiry.md). */
export const CI_NOTE: Notice<NoteCode> = {
  code: 'JIT_CI_SCHEDULER_ENDS',
  message:
    'In CI the background scheduler ends with the job: a grant that outlives the job is removed only by a ' +
    '`jit sweep` run elsewhere (cron or a scheduled workflow). `jit request … -- CMD` closes it when CMD ends.',
};

const LOGIN_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;

/** How to reach the VM through a grant: its address, and the ssh command when port 22 is open. */
interface ConnectAdvice {
  /** The VM's first public address, else its first private one (reachable only from its network). */
  address: string;
  public: boolean;
  /** The login the cloud says the VM was made with (Azure `osProfile.adminUsername`), else null. */
  user: string | null;
  /** `ssh user@address` when the grant opens 22/tcp, else null. */
  command: string | null;
}

function connectAdvice(result: OpenedGrant): ConnectAdvice | null {
  const { target, grant } = result;
  // Through a NAT (an Azure Firewall) the endpoints say where to connect (render/firewall.ts).
  if ((grant.endpoints ?? []).length > 0) return null;
  const address = target.publicAddresses[0] ?? target.privateAddresses[0];
  if (address === undefined) return null;
  // Cloud metadata: offered only when it is a login name as `--user` accepts one (cli/validate.ts),
  // so a forged value never becomes a command the user copies into a shell.
  const user = target.adminUser !== undefined && LOGIN_NAME.test(target.adminUser) ? target.adminUser : null;
  const ssh = grant.ports.some((port) => port.protocol !== 'udp' && port.from <= 22 && 22 <= port.to);
  return {
    address,
    public: target.publicAddresses.length > 0,
    user,
    // ssh takes user@2001:db8::1 as it is: no brackets without a port.
    command: ssh ? `ssh ${user ? `${user}@` : ''}${address}` : null,
  };
}

export function renderGrant(
  out: Output,
  clock: Clock,
  result: OpenedGrant,
  notes: Notice<NoteCode>[] = [],
  options: { connect: boolean } = { connect: true },
): void {
  for (const warning of result.warnings) out.warn(warning);
  for (const note of notes) out.note(note.message, note.code);
  const { grant, outcome } = result;
  const report = { ...result.report, notes: [...result.report.notes, ...notes.map((note) => note.message)] };
  const connect = options.connect && report.applied ? connectAdvice(result) : null;
  // In CI the scheduler ends with the job (CI_NOTE says so instead).
  const scheduled = !notes.some((note) => note.code === CI_NOTE.code);
  // The rules written, or with --dry-run planned: the grant's own once written.
  const planned = (result.report as { rules?: unknown[] }).rules;
  const body = {
    grant: grantRecordJson({ ...grant, rules: grant.rules.length > 0 ? grant.rules : (planned ?? []) }),
    outcome,
    extended: outcome === 'extended',
    ...reportJson(report),
    connect,
  };
  out.result(
    body,
    (c) => {
      const look = lookOf(c, out, clock);
      const lines = [
        summary(look),
        // --verbose: the VM's full id (the summary names it short).
        ...(look.verbose && report.applied ? [`  ${c.dim(printable(result.target.id))}`] : []),
        ...(report.applied ? [`  open until ${look.times.at(grant.expiresAt)}`] : []),
        ...(options.connect && report.applied ? advice(look) : []),
      ];
      return withEndpoints(c, grant, lines.join('\n'));
    },
    // --quiet: the grant id alone, for `id=$(jit request vm01 -q)`.
    () => [grant.id],
  );
  function advice({ c, times }: Look): string[] {
    const lines: string[] = [];
    if (connect) {
      const where = connect.public ? '' : c.dim(' (a private address: connect from inside its network)');
      const how = connect.command ? `connect with ${c.bold(printable(connect.command))}` : `connect to ${c.bold(printable(connect.address))}`;
      lines.push(`  ${how}${where}`);
      if (connect.command && !connect.user) lines.push(c.dim('  (add the login: ssh <user>@…; `jit ssh` does it all and closes the port after)'));
    }
    if (scheduled) lines.push(c.dim(`  a background scheduler closes it at ${times.clock(grant.expiresAt)}, even if this terminal closes`));
    return lines;
  }
  function summary({ c }: Look): string {
    if (!report.applied) return `${dryRunHeading(c, report, '')}\n${changesText(c, report)}`;
    const what = `${c.bold(formatPortRanges(grant.ports))} on ${c.bold(printable(shortTarget(result.target, result.target.scope)))} to ${printable(grant.source)}`;
    if (outcome === 'unchanged') return `Grant ${c.bold(grant.id)} already opens ${what}; nothing changed.`;
    if (outcome === 'reused') return `Using grant ${c.bold(grant.id)}: ${what}; it stays open afterwards.`;
    if (outcome === 'extended') return `Extended grant ${c.bold(grant.id)}: ${what}`;
    return `Granted ${what} (grant ${c.bold(grant.id)})`;
  }
}
