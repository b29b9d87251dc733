// vitest globalSetup: one moto server for the whole run (see moto.ts), handed to the test files
// through provide/inject and stopped when the run ends.
import type { TestProject } from 'vitest/node';
import { startMotoServer } from './moto.js';

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
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
