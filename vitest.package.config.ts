// The installed-package check (test/package/): packs the built tree, installs the tarball into an
// empty project with an empty npm cache, and runs jit from there. Installing takes longer than the
// suite's hook timeout allows on a loaded machine.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts'],
    setupFiles: ['test/support/setup.ts'],
    // The run's moto server, or the one JIT_TEST_MOTO_ENDPOINT names (.ci/run's).
    globalSetup: ['test/emulators/moto/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
