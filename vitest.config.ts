import { configDefaults, defineConfig } from 'vitest/config';

/**
 * `JIT_TEST_REPORT=<path>` adds a JSON report at `<path>.json` (`.ci/run` sums them up); the fault
 * suite's config writes `<path>-faults.json`.
 */
export function reporting(suffix = ''): { reporters: string[]; outputFile?: { json: string } } {
  const report = process.env.JIT_TEST_REPORT;
  return report ? { reporters: ['default', 'json'], outputFile: { json: `${report}${suffix}.json` } } : { reporters: ['default'] };
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/package/ checks the packed and installed package: `.ci/run` runs it with its own config
    // (vitest.package.config.ts) once the build is there to pack. test/faults/ runs after the rest,
    // on its own (vitest.faults.config.ts; `npm test` runs both).
    exclude: [...configDefaults.exclude, 'test/package/**', 'test/faults/**'],
    ...reporting(),
    setupFiles: ['test/support/setup.ts'],
    // One moto server for the run, one AWS account in it per test file or harness (moto.ts).
    globalSetup: ['test/emulators/moto/global-setup.ts'],
    // Two cores: subprocess-heavy suites run in parallel files but not unbounded.
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
