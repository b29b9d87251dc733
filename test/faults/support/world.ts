/**
 * What every fault test needs on each cloud: the emulator's harness, private config directories
 * (each one's schedulers ended when its test ends, so concurrent tests never end each other's),
 * jit's commands, and VMs with jit enabled. The commands run in this process
 * (CloudHarness.jitInProcess): what these tests check is what a command and the scheduler do with
 * a fault, and the scheduler a request starts is the built one, detached, as bin/jit.js starts it.
 * Where the jit process itself is under test (killed at random points, its replies lost), the test
 * starts bin/jit.js itself (support/kill-trials.ts, lost-reply.test.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, type TestContext } from 'vitest';
import { allowedSources, awsHarness, azureHarness, type CloudHarness, enabledVm } from '../../e2e/support/cloud-harness.js';
import { testConfigDir } from '../../e2e/support/processes.js';
import type { CliResult } from '../../support/cli.js';

export interface FaultWorld {
  cloud: CloudHarness;
  /**
   * A config directory whose schedulers end, and which is removed, when the test ends. The test's
   * own context registers that: tests run concurrently, and each ends only its own schedulers.
   */
  newDir(test: TestContext): string;
  jit(dir: string, args: string[]): Promise<CliResult>;
  /** A new VM with `jit enable` done for port 22, with `dir` (enabledVm). */
  enabled(dir: string): Promise<string>;
  /** The sources of jit's allow rules on the VM, sorted. */
  sources(vm: string): Promise<string[]>;
}

export interface LedgerEntry {
  id: string;
  state: string;
  expiresAt: string;
}

export function readLedger(dir: string): LedgerEntry[] {
  return (JSON.parse(readFileSync(path.join(dir, 'grants.json'), 'utf8')) as { grants: LedgerEntry[] }).grants;
}

const CLOUDS = [
  ['aws', 'aws (moto)', awsHarness],
  ['azure', 'azure (ARM emulator)', azureHarness],
] as const;

export type CloudName = (typeof CLOUDS)[number][0];

/**
 * One describe block per cloud, each with its emulator up for the block's tests. The two blocks
 * run at the same time, every test in them concurrent (their tests mostly wait for grants to
 * expire). `only` keeps one cloud, in a plain describe block: a long file split in two, one per
 * cloud, runs its halves on both workers at once.
 */
export function describeOnEachCloud(
  title: string,
  body: (world: () => FaultWorld, cloud: CloudName) => void,
  only?: CloudName,
): void {
  for (const [cloudName, name, makeHarness] of CLOUDS) {
    if (only !== undefined && cloudName !== only) continue;
    (only === undefined ? describe.concurrent : describe)(`${title} on ${name}`, () => {
      let world: FaultWorld | undefined;
      beforeAll(async () => {
        const cloud = await makeHarness();
        world = {
          cloud,
          newDir: testConfigDir,
          jit: (dir, args) => cloud.jitInProcess(dir, args),
          enabled: (dir) => enabledVm(cloud, dir),
          sources: (vm) => allowedSources(cloud, vm),
        };
      });
      afterAll(async () => {
        await world?.cloud.close();
      });
      body(() => world!, cloudName);
    });
  }
}
