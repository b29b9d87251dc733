/**
 * What the cloud commands do once commander has parsed them, imported only when one runs (the
 * validators pull in ipaddr.js, the use cases the config store and the ledger, which `jit --help`
 * must not pay for). Each action validates every flag first (bad input exits 2 before any cloud
 * call), resolves the target's cloud, builds the provider, calls a use case and renders its result.
 */
import type { Command } from 'commander';
import { loadProvider } from '../../clouds/registry.js';
import { configDir } from '../../config/paths.js';
import { formatDuration } from '../../core/duration.js';
import { ProviderError, UserError } from '../../core/errors.js';
import { isGrantId, newGrantId } from '../../core/grant-id.js';
import type { CloudName } from '../../core/model.js';
import { buildPolicy, encodePolicy } from '../../core/policy.js';
import { formatPortRanges } from '../../core/port-spec.js';
import { printable } from '../../core/printable.js';
import type { CloudProvider, Progress, Shield, TargetInfo } from '../../core/ports.js';
import type { PortRange } from '../../core/model.js';
import type { Prefix } from '../../core/prefix.js';
import type { OpenedGrant as RequestResult } from '../../core/lifecycle.js';
import { parseTarget } from '../../core/target.js';
import type { RequestDeps, UseCaseDeps } from '../../core/use-cases/deps.js';
import { scanText, changesText, dryRunHeading, grantLine, statusText, utc } from '../render/report.js';
import { openLedger } from '../../scheduler/ledger.js';
import { type CommandScope, commandScope, requireTarget } from '../action-kit.js';
import type { CliRun } from '../run.js';
import { isCi } from '../output.js';
import { loadSettings } from '../settings.js';
import { allowSourcesFlag, durationFlag, justificationFlag, portsFlag, sourceFlag, userFlag } from '../validate.js';
import { sshEndpoint, withEndpoints } from '../render/firewall.js';

type Options = Record<string, string | boolean | string[] | undefined>;
const text = (value: Options[string]) => (typeof value === 'string' ? value : undefined);

interface Session extends CommandScope {
  deps: UseCaseDeps;
  settings: Awaited<ReturnType<typeof loadSettings>>;
  progress: Progress & { stop(): void };
}

const systemClock = { now: () => new Date() };

/** Builds the provider for `cloud` and the use cases' dependencies, then runs `body` with a spinner. */
async function withCloud<T>(
  run: CliRun,
  scope: CommandScope,
  settings: Session['settings'],
  cloud: CloudName,
  body: (session: Session) => Promise<T>,
): Promise<T> {
  const progress = await scope.out.progress();
  try {
    const values = Object.fromEntries(Object.entries(settings).map(([key, setting]) => [key, setting?.value]));
    const provider: CloudProvider = await loadProvider(cloud, { settings: values, env: run.io.env, progress });
    const deps: UseCaseDeps = { provider, ledger: openLedger(configDir(run.io.env)), clock: systemClock, progress };
    return await body({ ...scope, deps, settings, progress });
  } finally {
    progress.stop();
  }
}

/** Resolves the target's cloud from its form, --cloud, the environment or the config. */
async function onTarget<T>(
  run: CliRun,
  command: Command,
  vm: string | undefined,
  usage: string,
  body: (session: Session, ref: string) => Promise<T>,
): Promise<T> {
  const scope = commandScope(run, command);
  const ref = await requireTarget(vm, scope.out, usage);
  const settings = await loadSettings(run, scope.flags);
  const target = parseTarget(ref, settings.cloud?.value as CloudName | undefined);
  return withCloud(run, scope, settings, target.cloud, (session) => body(session, target.ref));
}

/** For commands without a target (sweep, scan, status of everything): the cloud must be known. */
async function onScope<T>(
  run: CliRun,
  command: Command,
  what: string,
  body: (session: Session) => Promise<T>,
): Promise<T> {
  const scope = commandScope(run, command);
  const settings = await loadSettings(run, scope.flags);
  const cloud = settings.cloud?.value as CloudName | undefined;
  if (!cloud) {
    throw new UserError('JIT_CLOUD_UNKNOWN', `${what} needs to know the cloud.`, {
      hint: 'Pass --cloud azure|aws, or set a default with `jit config set cloud azure`.',
    });
  }
  return withCloud(run, scope, settings, cloud, body);
}

export async function enable(run: CliRun, vm: string | undefined, options: Options, command: Command) {
  const policy = buildPolicy({
    ports: portsFlag(text(options.port), text(options.protocol)) ?? [],
    maxDuration: durationFlag(text(options.maxDuration), '--max-duration'),
    allowSources: allowSourcesFlag(options.allowSource as string[] | undefined),
    requireJustification: options.requireJustification === true,
  });
  await onTarget(run, command, vm, 'jit enable <vm>', async ({ deps, out }, ref) => {
    const { enable: enableUseCase } = await import('../../core/use-cases/enable.js');
    const result = await enableUseCase(
      {
        target: ref,
        policy,
        dryRun: options.dryRun === true,
        includeNarrow: options.includeNarrow === true,
        isolate: options.isolate === true,
      },
      deps,
    );
    out.result(
      { target: result.target, policy: encodePolicy(policy), ...result.report },
      (c) => {
        const done = `Enabled jit on ${c.bold(printable(result.target.name))} (${encodePolicy(policy)}):`;
        return `${dryRunHeading(c, result.report, done)}\n${changesText(c, result.report)}`;
      },
    );
  });
}

export async function disable(run: CliRun, vm: string | undefined, options: Options, command: Command) {
  await onTarget(run, command, vm, 'jit disable <vm>', async ({ deps, out, flags, progress }, ref) => {
    const dryRun = options.dryRun === true;
    if (!dryRun && flags.yes !== true) {
      if (!out.interactive) {
        throw new UserError('JIT_CONFIRMATION_REQUIRED', `jit disable ${ref} removes the lock-down: pass --yes to confirm.`, {
          hint: 'Or see what it would do first with --dry-run.',
        });
      }
      const { confirm } = await import('@inquirer/prompts');
      progress.stop();
      if (!(await confirm({ message: `Remove the lock-down from ${ref} and restore its earlier rules?`, default: false }))) {
        throw new UserError('JIT_CANCELLED', 'Cancelled; nothing was changed.');
      }
    }
    const { disable: disableUseCase } = await import('../../core/use-cases/disable.js');
    const result = await disableUseCase({ target: ref, dryRun }, deps);
    const report = {
      changes: [...result.closed.flatMap((c) => c.report.changes), ...result.report.changes],
      applied: result.report.applied,
      notes: result.report.notes,
    };
    out.result(
      { target: result.target, revokedGrants: result.closed.map((c) => c.grant.grantId), ...report },
      (c) => `${dryRunHeading(c, report, `Disabled jit on ${c.bold(printable(result.target.name))}:`)}\n${changesText(c, report)}`,
    );
  });
}

/** The detached scheduler that closes grants at expiry, made sure of by the lifecycle before a write. */
function schedulerOf(run: CliRun) {
  return {
    async ensure() {
      const { ensureScheduler } = await import('../../scheduler/spawn.js');
      await ensureScheduler(configDir(run.io.env), run.io.env as NodeJS.ProcessEnv);
    },
  };
}

const CI_NOTE =
  'In CI the background scheduler ends with the job: a grant that outlives the job is removed only by a ' +
  '`jit sweep` run elsewhere (cron or a scheduled workflow). `jit request … -- CMD` closes it when CMD ends.';

function renderGrant(session: Session, result: RequestResult, notes: string[] = []): void {
  const { out } = session;
  for (const warning of result.warnings) out.warn(warning);
  for (const note of notes) out.note(note);
  const { grant, outcome } = result;
  const report = { ...result.report, notes: [...result.report.notes, ...notes] };
  const left = Math.max(0, Math.round((Date.parse(grant.expiresAt) - Date.now()) / 1000));
  out.result({ grant, outcome, extended: outcome === 'extended', ...report }, (c) => withEndpoints(c, grant, ((): string => {
    if (!report.applied) return `${dryRunHeading(c, report, '')}\n${changesText(c, report)}`;
    const until = `until ${utc(grant.expiresAt)} (${formatDuration(left)})`;
    const what = `${c.bold(formatPortRanges(grant.ports))} on ${c.bold(printable(result.target.name))} to ${printable(grant.source)}`;
    if (outcome === 'unchanged') return `Grant ${c.bold(grant.id)} already opens ${what} ${until}; nothing changed.`;
    if (outcome === 'reused') return `Using grant ${c.bold(grant.id)}: ${what} ${until}; it stays open afterwards.`;
    return `${outcome === 'extended' ? 'Extended' : 'Granted'} ${what} ${until}; grant ${c.bold(grant.id)}`;
  })()));
}

interface GrantFlags {
  ports: PortRange[] | undefined;
  duration: number | undefined;
  source: Prefix | undefined;
  justification: string | undefined;
  dryRun: boolean;
}

async function requestDeps(run: CliRun, session: Session, shield?: Shield): Promise<RequestDeps> {
  const { createIpDetector } = await import('../../ip/detect.js');
  const ip = createIpDetector({ urls: session.settings['ip.services'].value.split(',') });
  return { ...session.deps, ip, newGrantId, scheduler: schedulerOf(run), ...(shield ? { shield } : {}) };
}

async function grantInput(session: Session, target: string | TargetInfo, flags: GrantFlags) {
  const { parseDuration } = await import('../../core/duration.js');
  return { target, ...flags, defaultDuration: parseDuration(session.settings.duration.value, 'duration') };
}

/** `jit request` without a command: open (or extend) the grant; the scheduler closes it at expiry. */
async function requestGrant(run: CliRun, session: Session, ref: string, flags: GrantFlags): Promise<void> {
  const [{ openGrant }, { interruptShield }] = await Promise.all([
    import('../../core/lifecycle.js'),
    import('../run-command.js'),
  ]);
  const interrupts = interruptShield((text) => {
    session.progress.stop();
    session.out.warn(text);
  });
  const deps = await requestDeps(run, session, interrupts.shield);
  const result = await openGrant(await grantInput(session, ref, flags), deps);
  session.progress.stop();
  const notes = !flags.dryRun && isCi(run.io.env) && result.outcome !== 'unchanged' ? [CI_NOTE] : [];
  renderGrant(session, result, notes);
  const signal = interrupts.received();
  if (signal !== undefined) {
    session.out.warn(
      `Interrupted (${signal}) after grant ${result.grant.id} was written: it stays open until ${utc(result.grant.expiresAt)}, ` +
      `when the scheduler closes it; \`jit revoke ${result.grant.id}\` ends it now.`,
    );
    run.exitCode = 130;
  }
}

/**
 * `request -- CMD` and `jit ssh`: the lifecycle's runWhileOpen opens a grant (or uses one that is
 * already open, which it then leaves as it was), runs the command, and closes what it opened.
 * Signals are trapped from before the grant is opened, so a Ctrl-C at any point ends in a close
 * (a Ctrl-C before the command started skips the command), and are passed on to the command while
 * it runs. The command's exit status becomes jit's (130 after Ctrl-C).
 */
async function openRunClose(
  run: CliRun,
  session: Session,
  target: string | TargetInfo,
  flags: GrantFlags,
  argv: (result: RequestResult) => string[],
): Promise<void> {
  const [{ runWhileOpen }, { runCommand, trapSignals }] = await Promise.all([
    import('../../core/lifecycle.js'),
    import('../run-command.js'),
  ]);
  const trap = trapSignals();
  try {
    const deps = await requestDeps(run, session);
    const { opened, code, closed } = await runWhileOpen(
      await grantInput(session, target, flags),
      async (result) => {
        session.progress.stop();
        renderGrant(session, result);
        if (trap.received !== undefined) return 130;
        const [command, ...args] = argv(result);
        const env = run.io.env as NodeJS.ProcessEnv;
        return runCommand(command!, args, { env, stdoutToStderr: session.out.json, trap });
      },
      deps,
    );
    session.out.info(closed ? `Revoked grant ${opened.grant.id}.` : `Grant ${opened.grant.id} was open before; left as it was.`);
    run.exitCode = trap.received === 'SIGINT' ? 130 : code;
  } finally {
    trap.release();
  }
}

export async function request(
  run: CliRun,
  vm: string | undefined,
  commandArgs: string[],
  options: Options,
  command: Command,
) {
  const flags: GrantFlags = {
    ports: portsFlag(text(options.port), text(options.protocol)),
    duration: durationFlag(text(options.duration), '--duration'),
    source: sourceFlag(text(options.source)),
    justification: justificationFlag(text(options.justification)),
    dryRun: options.dryRun === true,
  };
  if (flags.dryRun && commandArgs.length > 0) {
    throw new UserError('JIT_USAGE', '--dry-run cannot be combined with -- CMD: nothing would be open to run it in.');
  }
  await onTarget(run, command, vm, 'jit request <vm>', async (session, ref) => {
    if (commandArgs.length > 0) await openRunClose(run, session, ref, flags, () => commandArgs);
    else await requestGrant(run, session, ref, flags);
  });
}

export async function ssh(run: CliRun, vm: string | undefined, sshArgs: string[], options: Options, command: Command) {
  const port = portsFlag(text(options.port), 'tcp')!;
  const flags: GrantFlags = {
    ports: port,
    duration: durationFlag(text(options.duration), '--duration'),
    source: sourceFlag(text(options.source)),
    justification: justificationFlag(text(options.justification)),
    dryRun: false,
  };
  if (port.length !== 1 || port[0]!.from !== port[0]!.to) {
    throw new UserError('JIT_INVALID_PORT', `--port "${text(options.port)}" must be one port for ssh.`);
  }
  const user = userFlag(text(options.user));
  await onTarget(run, command, vm, 'jit ssh <vm>', async (session, ref) => {
    session.progress.step('Resolving the VM…');
    const target = await session.deps.provider.resolveTarget(ref);
    const address = target.publicAddresses[0];
    if (address === undefined && !target.natAddresses?.length) {
      throw new ProviderError('JIT_NO_PUBLIC_ADDRESS', `${target.name} has no public IP address to ssh to; nothing was opened.`, {
        hint: 'Use `jit request` and connect through your own route (VPN, bastion).',
      });
    }
    await openRunClose(run, session, target, flags, (result) => {
      // Behind an Azure Firewall the grant says where to connect: the firewall's address and port.
      const via = sshEndpoint(result.grant, port[0]!.from) ?? { address: address ?? '', port: port[0]!.from };
      return ['ssh', ...(user ? ['-l', user] : []), ...(via.port === 22 ? [] : ['-p', String(via.port)]), ...sshArgs, via.address];
    });
  });
}

export async function status(run: CliRun, vm: string | undefined, _options: Options, command: Command) {
  const { statusOf, statusOfScope } = await import('../../core/use-cases/status.js');
  if (vm === undefined) {
    await onScope(run, command, '`jit status` without a VM', async ({ deps, out }) => {
      const grants = await statusOfScope(deps);
      out.result({ grants }, (c) => (grants.length === 0 ? c.dim('No active jit grants in scope.') : grants.map((g) => `${c.bold(printable(g.target.name))}\n${grantLine(c, g)}`).join('\n')));
    });
    return;
  }
  await onTarget(run, command, vm, 'jit status <vm>', async ({ deps, out }, ref) => {
    const view = await statusOf({ target: ref }, deps);
    out.result({ ...view, policy: view.policy ? encodePolicy(view.policy) : null }, (c) => statusText(c, view));
  });
}

export async function revoke(run: CliRun, ref: string | undefined, options: Options, command: Command) {
  if (ref === undefined && !options.all) {
    throw new UserError('JIT_MISSING_TARGET', 'Missing <grant-or-vm>: name a grant id or a VM, or pass --all.');
  }
  const dryRun = options.dryRun === true;
  const { revoke: revokeUseCase } = await import('../../core/use-cases/revoke.js');
  const render = (session: Session, input: Parameters<typeof revokeUseCase>[0]) =>
    revokeUseCase(input, session.deps).then(({ closed }) => {
      const report = { changes: closed.flatMap((c) => c.report.changes), applied: !dryRun, notes: [] };
      session.out.result({ revoked: closed.map((c) => c.grant.grantId), ...report }, (c) =>
        closed.length === 0
          ? c.dim('No matching grant.')
          : `${dryRunHeading(c, report, `Revoked ${closed.map((g) => c.bold(printable(g.grant.grantId))).join(', ')}:`)}\n${changesText(c, report)}`,
      );
    });
  // A grant id (8 characters of lower-case Crockford base32) is taken as one; anything else is a VM.
  if (ref !== undefined && isGrantId(ref)) {
    await onScope(run, command, '`jit revoke` of a grant', (s) => render(s, { kind: 'grant', grantId: ref, dryRun }));
  } else if (ref !== undefined) {
    await onTarget(run, command, ref, 'jit revoke <vm>', (s, target) =>
      render(s, { kind: 'target', target, all: options.all === true, dryRun }));
  } else {
    await onScope(run, command, '`jit revoke --all`', (s) => render(s, { kind: 'mine', dryRun }));
  }
}

export async function sweep(run: CliRun, options: Options, command: Command) {
  const { sweep: sweepUseCase } = await import('../../core/use-cases/sweep.js');
  await onScope(run, command, '`jit sweep`', async ({ deps, out }) => {
    const result = await sweepUseCase({ dryRun: options.dryRun === true }, deps);
    const body = {
      removed: result.removed.map((r) => r.grant),
      kept: result.kept,
      failed: result.failed,
      applied: options.dryRun !== true,
    };
    out.result(body, (c) => {
      const verb = options.dryRun === true ? 'Would remove' : 'Removed';
      const lines = [`${verb} ${result.removed.length} expired grant(s); ${result.kept.length} unexpired left alone.`];
      for (const r of result.removed) {
        lines.push(`  - ${printable(r.grant.grantId)} on ${printable(r.grant.target.name)} (expired ${utc(printable(r.grant.expiresAt))})`);
      }
      for (const f of result.failed) {
        lines.push(c.red(`  ! ${printable(f.grant.grantId)} on ${printable(f.grant.target.name)}: ${printable(f.error)}`));
      }
      return lines.join('\n');
    });
    if (result.failed.length > 0) run.exitCode = 1;
  });
}

export async function scan(run: CliRun, _options: Options, command: Command) {
  const { scan: scanUseCase } = await import('../../core/use-cases/scan.js');
  await onScope(run, command, '`jit scan`', async ({ deps, out }) => {
    const findings = await scanUseCase(deps);
    out.result({ findings }, (c) => scanText(c, findings));
  });
}

export async function role(run: CliRun, _options: Options, command: Command) {
  await onScope(run, command, '`jit role`', async ({ deps, out }) => {
    const documents = deps.provider.role();
    out.result(documents, () => JSON.stringify(documents, null, 2));
  });
}
