import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/package/ checks the packed and installed package: `.ci/run` runs it with its own config
    // (vitest.package.config.ts) once the build is there to pack.
    exclude: [...configDefaults.exclude, 'test/package/**'],
    setupFiles: ['test/support/setup.ts'],
    // Two cores: subprocess-heavy suites run in parallel files but not unbounded.
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
