// The fault suite (test/faults/): kills, lost replies, ledger rewrites and forged metadata, each
// checked against "no rule outlives its grant by more than 5 s". It runs after the rest of the
// suite, on its own: its tolerances measure jit's scheduler, and other test files' processes on the
// same two cores would measure the machine instead. Its files run two at a time.
import { configDefaults, defineConfig } from 'vitest/config';
import base, { reporting } from './vitest.config.js';

export default defineConfig({
  test: {
    ...base.test,
    include: ['test/faults/**/*.test.ts'],
    // Two files at once, not the suite's three: its tolerances measure the scheduler, not the load.
    maxWorkers: 2,
    // ledger-rewrite's six tests (three faults on two clouds) wait out their grants side by side; at
    // vitest's default of five, the sixth waited for the first to end.
    maxConcurrency: 6,
    exclude: [...configDefaults.exclude],
    ...reporting('-faults'),
  },
});
