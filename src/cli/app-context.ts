/**
 * The composition root of one jit invocation: the settings, the provider factory (one lazily
 * loaded provider per cloud), the ledger, the clock, the IP detector, the scheduler handle and the
 * output are built here once, and every command takes them from here. Tests put fakes in through
 * `CliRun.overrides`; nothing else builds any of these.
 *
 * Cheap to import: the cloud SDKs, conf, the IP detector and ora are loaded when first used, so
 * `jit ip --source` and `jit config` stay light (docs/cli.md).
 */
import type { Command } from 'commander';
import { loadProvider } from '../clouds/registry.js';
import { configDir } from '../config/paths.js';
import type { ResolvedSettings } from '../config/store.js';
import { newGrantId } from '../core/grant-id.js';
import type { CloudName } from '../core/model.js';
import type { Clock, CloudProvider, GrantRecord, GrantStore, IpDetector, Progress, SchedulerHandle } from '../core/ports.js';
import { ledgerServices, schedulerHandle } from '../scheduler/services.js';
import { type GlobalFlags, globalFlags } from './global-flags.js';
import type { Io } from './io.js';
import { Output } from './output.js';
import type { CliRun, CommandRunner } from './run.js';

export interface AppContext {
  readonly run: CliRun;
  readonly io: Io;
  readonly flags: GlobalFlags;
  readonly out: Output;
  readonly clock: Clock;
  readonly ledger: GrantStore;
  readonly scheduler: SchedulerHandle;
  readonly newGrantId: () => string;
  readonly runCommand: CommandRunner;
  /** Flags over environment over config file over defaults (docs/configuration.md); read once. */
  settings(): Promise<ResolvedSettings>;
  /** The provider of `cloud` for this invocation's settings, built on first use. */
  provider(cloud: CloudName, progress: Progress): Promise<CloudProvider>;
  /** Removes a recorded grant's rules with the provider of the grant's own scope (the reaper). */
  closeRecorded(grant: GrantRecord): Promise<void>;
  ipDetector(): Promise<IpDetector>;
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

export function createAppContext(run: CliRun, flags: GlobalFlags): AppContext {
  const { io } = run;
  const wiring = run.overrides ?? {};
  const dir = configDir(io.env);
  const local = ledgerServices(dir, io.env, {
    ...(wiring.loadProvider ? { load: wiring.loadProvider } : {}),
    ...(wiring.clock ? { clock: wiring.clock } : {}),
  });
  const settings = once(async () => (await import('./settings.js')).loadSettings(io, flags));
  const providers = new Map<CloudName, Promise<CloudProvider>>();
  return {
    run,
    io,
    flags,
    out: new Output(io, flags, run.notices),
    clock: local.clock,
    ledger: local.ledger,
    scheduler: wiring.scheduler ?? schedulerHandle(dir, io.env),
    newGrantId: wiring.newGrantId ?? (() => newGrantId()),
    runCommand: wiring.runCommand ?? (async (...args) => (await import('./run-command.js')).runCommand(...args)),
    settings,
    provider(cloud, progress) {
      let provider = providers.get(cloud);
      if (!provider) {
        provider = (async () => {
          const resolved = Object.entries(await settings());
          const values = Object.fromEntries(resolved.map(([key, setting]) => [key, setting?.value]));
          return (wiring.loadProvider ?? loadProvider)(cloud, { settings: values, env: io.env, progress });
        })();
        providers.set(cloud, provider);
      }
      return provider;
    },
    closeRecorded: local.close,
    ipDetector: once(async () => {
      if (wiring.ipDetector) return wiring.ipDetector;
      const [{ createIpDetector }, resolved] = await Promise.all([import('../ip/detect.js'), settings()]);
      return createIpDetector({ urls: resolved['ip.services'].value.split(',') });
    }),
  };
}

/** The invocation's context: the one built before the command ran (main.ts), or a new one. */
export function appContext(run: CliRun, command: Command): AppContext {
  return (run.context ??= createAppContext(run, globalFlags(command)));
}
