/**
 * Running jit against the ARM emulator: the fake `az` first on PATH,
 * AZURE_TOKEN_CREDENTIALS=AzureCliCredential, NODE_EXTRA_CA_CERTS and JIT_AZURE_ENDPOINT
 * (armSubprocessEnv), a private JIT_CONFIG_DIR, and the loopback-only network guard (runBin). As
 * the built bin/jit.js by default; `inProcess` runs main() in the test's process instead
 * (test/support/in-process-jit.ts), for tests of what a command does rather than of the bundle or
 * the process.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type ArmEmulator, armSubprocessEnv, fakeAzEnv, type RequestLogEntry } from '../../emulators/arm/server.js';
import { baseEnv, runBin, tempConfigDir } from '../../support/cli.js';
import { azureProviderTrusting, inProcessJit, setProcessEnv } from '../../support/in-process-jit.js';

interface JitResult {
  code: number;
  /** stdout parsed (every command runs with --json). */
  json: Record<string, unknown> & { error?: { code: string; message: string; hint?: string } };
  stderr: string;
}

export interface Cli {
  dir: string;
  env: Record<string, string>;
  jit(args: string[], extraEnv?: Record<string, string>): Promise<JitResult>;
  /** As `jit`, always through the built bin/jit.js (for a cli made with `inProcess`). */
  bin(args: string[], extraEnv?: Record<string, string>): Promise<JitResult>;
  /** Ends the detached scheduler `jit request` started for this config directory, and removes it. */
  cleanup(): void;
}

export function cliFor(
  emu: ArmEmulator,
  extraEnv: Record<string, string> = {},
  options: { inProcess?: boolean } = {},
): Cli {
  const { dir, cleanup } = tempConfigDir();
  const env = { ...baseEnv(dir), ...armSubprocessEnv(emu), ...extraEnv };
  // In this process, the fake `az` is found and chosen through process.env (what identity reads).
  const restoreEnv = options.inProcess ? setProcessEnv(fakeAzEnv()) : () => {};
  const loadProvider = azureProviderTrusting(emu.caCert);
  const run = async (args: string[], more: Record<string, string>, inProcess: boolean): Promise<JitResult> => {
    const argv = [...args, '--json'];
    const runEnv = { ...env, ...more };
    const result = inProcess
      ? await inProcessJit(dir, runEnv, loadProvider)(argv)
      : await runBin(argv, { env: runEnv });
    let json: JitResult['json'];
    try {
      json = JSON.parse(result.stdout) as JitResult['json'];
    } catch {
      throw new Error(`jit ${args.join(' ')} printed no JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
    }
    return { code: result.code, json, stderr: result.stderr };
  };
  return {
    dir,
    env,
    jit: (args, more = {}) => run(args, more, options.inProcess ?? false),
    bin: (args, more = {}) => run(args, more, false),
    cleanup() {
      try {
        const pid = Number(readFileSync(path.join(dir, 'scheduler.pid'), 'utf8').split('\n')[0]);
        if (pid > 0) process.kill(pid, 'SIGTERM');
      } catch {
        // No scheduler was started, or it has already exited.
      }
      restoreEnv();
      cleanup();
    },
  };
}

export const writesIn = (log: RequestLogEntry[]) => log.filter((entry) => ['PUT', 'PATCH', 'DELETE', 'POST'].includes(entry.method));
