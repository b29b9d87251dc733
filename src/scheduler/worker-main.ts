/**
 * The background scheduler process: `node worker-main.js <config-dir>`, started detached by
 * `ensureScheduler` with stdout and stderr on `<dir>/scheduler.log` (never the caller's terminal).
 * It holds the scheduler lock (`scheduler.pid`, lock.ts) for its whole life, so only one runs per
 * config directory, and the next `jit request` knows at once when it has died.
 */
import { watch } from 'node:fs';
import { ensureConfigDir } from '../config/paths.js';
import { isOpen, isRequester, recordOf } from '../core/lifecycle.js';
import type { GrantRecord } from '../core/ports.js';
import { acquireLock, type HeldLock } from './lock.js';
import { schedulerPaths } from './paths.js';
import { ledgerServices } from './services.js';
import { runScheduler } from './worker.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: worker-main.js <config-dir>\n');
  process.exit(2);
}
const paths = schedulerPaths(dir);
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} [${process.pid}] ${line}\n`);
const { ledger, clock, close, providerFor } = ledgerServices(dir, process.env);

/** This user's grants in the cloud's metadata, in the clouds and scopes of the grants known. */
async function cloudGrantsOfMine(known: GrantRecord[]): Promise<GrantRecord[]> {
  const scopes = new Map(known.map((g) => [`${g.cloud} ${JSON.stringify(g.scope)}`, g]));
  const found: GrantRecord[] = [];
  for (const sample of scopes.values()) {
    const provider = await providerFor(sample);
    const me = await provider.whoami();
    const now = clock.now().toISOString();
    for (const g of await provider.listGrants()) {
      if (isRequester(g.requester, me)) found.push(recordOf(g, sample.cloud, now));
    }
  }
  return found;
}

async function main(): Promise<void> {
  await ensureConfigDir(dir!);
  let lock: HeldLock | undefined = await acquireLock(paths.pid);
  if (!lock) return; // another scheduler runs
  log('started');
  let wake: () => void = () => {};
  // Other jit processes replace grants.json by rename: any change in the directory wakes the loop.
  const watcher = watch(dir!, (_event, file) => {
    if (file === null || file.startsWith('grants.json')) wake();
  });
  const deps = {
    ledger,
    clock,
    close,
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
    log,
    stillHolder: () => lock!.held(),
    prepare: (grant: GrantRecord) => {
      void providerFor(grant)
        .then(async (provider) => {
          await (provider.prepare ? provider.prepare(grant.rules) : provider.whoami());
        })
        .catch((error: unknown) => log(`could not get ready to close ${grant.id} yet: ${error instanceof Error ? error.message : String(error)}`));
    },
    fallback: cloudGrantsOfMine,
  };
  for (;;) {
    await runScheduler(deps);
    const mine = await lock.held();
    await lock.release();
    if (!mine) break; // a newer scheduler took over
    // A request may have added a grant after the last read but before the release: it saw the lock
    // held and started no scheduler, so look once more now that the lock is free.
    const more = await ledger.list().then((grants) => grants.some(isOpen), () => false);
    if (!more) break;
    lock = await acquireLock(paths.pid);
    if (!lock) break; // a newer scheduler took over
  }
  watcher.close();
  log('nothing pending; exiting');
}

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  // SIGHUP: the terminal that started the request closed. The worker is detached and keeps going.
  process.on(signal, () => {
    if (signal === 'SIGHUP') return;
    log(`${signal}; exiting`);
    process.exit(0);
  });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(`fatal: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
