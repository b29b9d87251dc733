// vitest globalSetup: one moto server for the whole run (see moto.ts), handed to the test files
// through provide/inject and stopped when the run ends. JIT_TEST_MOTO_ENDPOINT names a server
// started outside the run instead (.ci/run starts one for all its runs, while npm ci installs): it
// is used as it is, and left running. Every test file works in an account of its own on it.
import type { TestProject } from 'vitest/node';
import { startMotoServer } from './moto.js';

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const given = process.env.JIT_TEST_MOTO_ENDPOINT;
  if (given) {
    project.provide('motoEndpoint', given);
    return undefined;
  }
  let moto;
  try {
    moto = await startMotoServer();
  } catch {
    // No shared server: each AWS test file then starts its own, and fails with the reason (moto
    // missing, say), while the files that need no moto still run.
    return undefined;
  }
  project.provide('motoEndpoint', moto.endpoint);
  return () => moto.stop();
}
