// `npm test` after the build: the suite, then the fault suite on its own (vitest.faults.config.ts,
// docs/testing.md). The fault suite runs even when the suite failed, so one run reports every
// failure; the exit status is the first non-zero of the two.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const run = (...args) => spawnSync(process.execPath, [vitest, 'run', ...args], { stdio: 'inherit' }).status ?? 1;
const suite = run();
const faults = run('--config', 'vitest.faults.config.ts');
process.exit(suite || faults);
