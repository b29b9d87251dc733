/**
 * Running the built bin/jit.js against the ARM emulator: the fake `az` first on PATH,
 * AZURE_TOKEN_CREDENTIALS=AzureCliCredential, NODE_EXTRA_CA_CERTS and JIT_AZURE_ENDPOINT
 * (armSubprocessEnv), a private JIT_CONFIG_DIR, and the loopback-only network guard (runBin).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type ArmEmulator, armSubprocessEnv, type RequestLogEntry } from '../../emulators/arm/server.js';
import { baseEnv, runBin, tempConfigDir } from '../../support/cli.js';

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
  /** Ends the detached scheduler `jit request` started for this config directory, and removes it. */
  cleanup(): void;
}

export function cliFor(emu: ArmEmulator, extraEnv: Record<string, string> = {}): Cli {
  const { dir, cleanup } = tempConfigDir();
  const env = { ...baseEnv(dir), ...armSubprocessEnv(emu), ...extraEnv };
  return {
    dir,
    env,
    async jit(args, more = {}) {
      const result = await runBin([...args, '--json'], { env: { ...env, ...more } });
      let json: JitResult['json'];
      try {
        json = JSON.parse(result.stdout) as JitResult['json'];
      } catch {
        throw new Error(`jit ${args.join(' ')} printed no JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
      }
      return { code: result.code, json, stderr: result.stderr };
    },
    cleanup() {
      try {
        const pid = Number(readFileSync(path.join(dir, 'scheduler.pid'), 'utf8').split('\n')[0]);
        if (pid > 0) process.kill(pid, 'SIGTERM');
      } catch {
        // No scheduler was started, or it has already exited.
      }
      cleanup();
    },
  };
}

export const writesIn = (log: RequestLogEntry[]) => log.filter((entry) => ['PUT', 'PATCH', 'DELETE', 'POST'].includes(entry.method));
