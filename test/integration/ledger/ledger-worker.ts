/**
 * A second jit process for the ledger tests, bundled by ledger.test.ts and run as `node <bundle> <mode> <dir> <id>`.
 *
 * append: says "ready", waits for a line on stdin (so the test releases every worker at once),
 *         then appends one grant in a transaction.
 * hold:   starts a transaction, says "locked" from inside it and blocks there until killed, like a
 *         jit that crashed holding the lock.
 */

import { once } from 'node:events';
import { writeSync } from 'node:fs';
import { openLedger } from '../../../src/scheduler/ledger.js';
import { sampleGrant } from './sample-grant.js';

const [mode, dir, id] = process.argv.slice(2);
if (dir === undefined || id === undefined) throw new Error('usage: ledger-worker.ts append|hold <dir> <id>');
const ledger = openLedger(dir);

if (mode === 'append') {
  process.stdout.write('ready\n');
  await once(process.stdin, 'data');
  await ledger.transact((grants) => ({ grants: [...grants, sampleGrant(id)], result: undefined }));
  process.stdin.destroy();
} else {
  await ledger.transact((grants) => {
    writeSync(1, 'locked\n');
    // Blocks the thread without spinning a core; the test kills the process long before 60 s.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
    return { grants: [...grants, sampleGrant(id)], result: undefined };
  });
}
