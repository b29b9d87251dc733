import { configDefaults, defineConfig } from 'vitest/config';
import LongFirst from './test/support/sequencer.js';

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
    // Two cores, three files at once: the expiry files (first, see below) mostly wait for grants to
    // expire, and a third worker keeps both cores busy meanwhile (a Node 20 run: 263 s at 2
    // workers, 237 s at 3, 265 s at 4; docs/testing.md, "What a test costs").
    maxWorkers: 3,
    // A worker keeps the modules it loaded from one file to the next, instead of loading the SDKs
    // and jit's modules again for each of its files: Node 20 suite 423 -> 335 CPU-s, 237 -> 193 s
    // (docs/testing.md, "What a test costs"). The price is a rule for tests: what a file changes
    // in its process (environment stubs, globals), it puts back by its end; vi.mock stays in the
    // one file that needs it (terminal.test.ts), and no other in-process test reaches a prompt.
    isolate: false,
    // vitest keeps the TypeScript it transformed in node_modules/.experimental-vitest-cache, keyed
    // by each file's content and the resolved config (which lists the Node version's built-ins): CI's
    // later runs on Node 20 (the fault suite, the package check) and a developer's next run skip the
    // transform. Unit, contract and Azure integration tests: 55-58 -> 51-52 CPU-s (docs/testing.md).
    experimental: { fsModuleCache: true },
    // Long, mostly waiting files first (test/support/sequencer.ts).
    sequence: { sequencer: LongFirst },
    // Limits that catch a hang, not timings (speed is measured in `npm run bench`): an e2e test runs
    // several jit processes one after another, and on CI's two loaded cores one Azure command has
    // taken over 5 s, so a test of four of them ran past the 20 s this used to be.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
