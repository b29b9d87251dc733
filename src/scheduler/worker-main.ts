/**
 * The background scheduler process: `node worker-main.js <config-dir>`, started detached by
 * `ensureScheduler` with stdout and stderr on `<dir>/scheduler.log` (never the caller's terminal).
 * It holds the scheduler lock for its whole life, so only one runs per config directory.
 */
import { watch } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { lock } from 'proper-lockfile';
import { loadProvider } from '../clouds/registry.js';
import { ensureConfigDir } from '../config/paths.js';
import { closeLedgerGrant, isOpen, providerCache } from './close-grant.js';
import { openLedger } from './ledger.js';
import { SCHEDULER_LOCK, schedulerPaths } from './paths.js';
import { runScheduler } from './worker.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: worker-main.js <config-dir>\n');
  process.exit(2);
}
const paths = schedulerPaths(dir);
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} [${process.pid}] ${line}\n`);

async function acquire(): Promise<(() => Promise<void>) | undefined> {
  try {
    return await lock(paths.lock, {
      ...SCHEDULER_LOCK,
      onCompromised: (error) => {
        // Another scheduler took over while this one stalled: it carries on; this one leaves.
        log(`lock lost (${error.message}); exiting`);
        process.exit(1);
      },
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') return undefined;
    throw error;
  }
}

async function main(): Promise<void> {
  await ensureConfigDir(dir!);
  let release = await acquire();
  if (!release) return; // another scheduler runs
  await writeFile(paths.pid, `${process.pid}\n`, { mode: 0o600 });
  log('started');
  const ledger = openLedger(dir!);
  const providerFor = providerCache(loadProvider, process.env);
  let wake: () => void = () => {};
  // Other jit processes replace grants.json by rename: any change in the directory wakes the loop.
  const watcher = watch(dir!, (_event, file) => {
    if (file === null || file.startsWith('grants.json')) wake();
  });
  const deps = {
    ledger,
    clock: { now: () => new Date() },
    close: async (grant: Parameters<typeof closeLedgerGrant>[1]) => closeLedgerGrant(await providerFor(grant), grant),
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
    log,
  };
  for (;;) {
    await runScheduler(deps);
    await release();
    // A request may have added a grant after the last read but before the release: it saw the lock
    // held and started no scheduler, so look once more now that the lock is free.
    if (!(await ledger.list()).some(isOpen)) break;
    release = await acquire();
    if (!release) break; // a newer scheduler took over
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
