/**
 * What the cloud commands do once commander has parsed them, imported only when one runs (the
 * validators pull in ipaddr.js and the config store, which `jit --help` must not pay for). Each
 * action validates every flag first (bad input exits 2 before any cloud call), resolves the
 * target's cloud, then hands over to that cloud's provider.
 */
import type { Command } from 'commander';
import { loadProvider } from '../../clouds/registry.js';
import { UserError } from '../../core/errors.js';
import { isGrantId } from '../../core/grant-id.js';
import type { CloudName } from '../../core/model.js';
import { buildPolicy } from '../../core/policy.js';
import { parseTarget } from '../../core/target.js';
import { commandScope, requireTarget } from '../action-kit.js';
import { cloudFlag } from '../global-flags.js';
import type { CliRun } from '../run.js';
import { resolveCloud } from '../settings.js';
import {
  allowSourcesFlag,
  durationFlag,
  justificationFlag,
  portsFlag,
  sourceFlag,
  userFlag,
} from '../validate.js';

type Options = Record<string, string | boolean | string[] | undefined>;
const text = (value: Options[string]) => (typeof value === 'string' ? value : undefined);

/** Resolves the target's cloud and loads its provider (which reports if it is not built yet). */
async function onTarget(run: CliRun, command: Command, vm: string | undefined, usage: string): Promise<void> {
  const { flags, out } = commandScope(run, command);
  const ref = await requireTarget(vm, out, usage);
  const target = parseTarget(ref, await resolveCloud(run, flags));
  await loadProvider(target.cloud);
}

/** For commands without a target (sweep, scan, status of everything): the cloud must be known. */
async function onScope(run: CliRun, command: Command, what: string): Promise<void> {
  const { flags } = commandScope(run, command);
  const cloud: CloudName | undefined = await resolveCloud(run, flags);
  if (!cloud) {
    throw new UserError('JIT_CLOUD_UNKNOWN', `${what} needs to know the cloud.`, {
      hint: 'Pass --cloud azure|aws, or set a default with `jit config set cloud azure`.',
    });
  }
  await loadProvider(cloud);
}

export async function enable(run: CliRun, vm: string | undefined, options: Options, command: Command) {
  buildPolicy({
    ports: portsFlag(text(options.port), text(options.protocol)) ?? [],
    maxDuration: durationFlag(text(options.maxDuration), '--max-duration'),
    allowSources: allowSourcesFlag(options.allowSource as string[] | undefined),
    requireJustification: options.requireJustification === true,
  });
  await onTarget(run, command, vm, 'jit enable <vm>');
}

export async function disable(run: CliRun, vm: string | undefined, _options: Options, command: Command) {
  await onTarget(run, command, vm, 'jit disable <vm>');
}

export async function request(run: CliRun, vm: string | undefined, options: Options, command: Command) {
  portsFlag(text(options.port), text(options.protocol));
  durationFlag(text(options.duration), '--duration');
  sourceFlag(text(options.source));
  justificationFlag(text(options.justification));
  await onTarget(run, command, vm, 'jit request <vm>');
}

export async function ssh(run: CliRun, vm: string | undefined, options: Options, command: Command) {
  portsFlag(text(options.port), 'tcp');
  durationFlag(text(options.duration), '--duration');
  userFlag(text(options.user));
  sourceFlag(text(options.source));
  justificationFlag(text(options.justification));
  await onTarget(run, command, vm, 'jit ssh <vm>');
}

export async function status(run: CliRun, vm: string | undefined, _options: Options, command: Command) {
  if (vm === undefined) await onScope(run, command, '`jit status` without a VM');
  else await onTarget(run, command, vm, 'jit status <vm>');
}

export async function revoke(run: CliRun, ref: string | undefined, options: Options, command: Command) {
  if (ref === undefined && !options.all) {
    throw new UserError(
      'JIT_MISSING_TARGET',
      'Missing <grant-or-vm>: name a grant id or a VM, or pass --all.',
    );
  }
  // A grant id (8 characters of lower-case Crockford base32) is taken as one; anything else is a VM.
  if (ref === undefined || isGrantId(ref)) await onScope(run, command, '`jit revoke` of a grant');
  else await onTarget(run, command, ref, 'jit revoke <vm>');
}

export async function sweep(run: CliRun, _options: Options, command: Command) {
  await onScope(run, command, '`jit sweep`');
}

export async function scan(run: CliRun, _options: Options, command: Command) {
  await onScope(run, command, '`jit scan`');
}

export async function role(run: CliRun, _options: Options, command: Command) {
  const cloud = cloudFlag(commandScope(run, command).flags);
  if (!cloud) throw new UserError('JIT_MISSING_CLOUD', '`jit role` needs --cloud azure or --cloud aws.');
  await loadProvider(cloud);
}
