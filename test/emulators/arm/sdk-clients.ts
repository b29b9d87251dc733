/**
 * The real Azure SDK clients against a fresh emulator, for the emulator's own tests: one emulator
 * per test file, the fake `az` in the environment, AzureCliCredential as jit uses it.
 */
import { ComputeManagementClient } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import { AzureCliCredential } from '@azure/identity';
import { vi } from 'vitest';
import { computeClientOptions, fakeAzEnv, networkClientOptions } from './client-options.js';
import { type ArmEmulator, startArmEmulator } from './server.js';
import { DEFAULT_SUBSCRIPTION_ID } from './token.js';

export interface EmulatorClients {
  emu: ArmEmulator;
  network: NetworkManagementClient;
  compute: ComputeManagementClient;
}

/** Starts the emulator and builds both clients; `stopEmulatorClients` undoes it. */
export async function startEmulatorClients(subscription = DEFAULT_SUBSCRIPTION_ID): Promise<EmulatorClients> {
  const emu = await startArmEmulator();
  for (const [name, value] of Object.entries(fakeAzEnv())) vi.stubEnv(name, value);
  const credential = new AzureCliCredential();
  return {
    emu,
    network: new NetworkManagementClient(credential, subscription, networkClientOptions(emu)),
    compute: new ComputeManagementClient(credential, subscription, computeClientOptions(emu)),
  };
}

export async function stopEmulatorClients(emu: ArmEmulator | undefined): Promise<void> {
  vi.unstubAllEnvs();
  await emu?.close();
}

/** The error a call failed with (the SDK's RestError, or core-lro's plain Error). */
export async function failure(
  promise: Promise<unknown>,
): Promise<{ code?: string; statusCode?: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; statusCode?: number; message: string };
  }
  throw new Error('expected the call to fail');
}
