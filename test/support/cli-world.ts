/**
 * In-process command tests: the real commander program (main) with captured streams, a private
 * config directory, a fake clock, MemoryProvider as the cloud, an IP detector that answers one
 * address, a scheduler handle that counts ensure() calls instead of spawning, and a command runner
 * that records what `request -- CMD` and `jit ssh` would run. The ledger is the real one, on disk.
 */
import type { CommandRunner } from '../../src/cli/run.js';
import type { GrantRecord, IpDetector } from '../../src/core/ports.js';
import { openLedger } from '../../src/scheduler/ledger.js';
import { baseEnv, type CliResult, runCli, tempConfigDir } from './cli.js';
import { MemoryProvider } from './memory-provider.js';

export const DETECTED_IP = '81.2.69.77';

/** A command's --json document: what tests read by name is typed, the rest is compared whole. */
interface JitJson {
  [key: string]: unknown;
  grant?: { grantId: string; expiresAt: string };
  error?: { code: string; message: string; hint: string | null };
}

/** Which streams are terminals (none unless given), and the width they report. */
interface WorldTty {
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  columns?: number;
}

interface WorldRun {
  env?: Record<string, string>;
  tty?: WorldTty;
}

export interface CliWorld {
  provider: MemoryProvider;
  dir: string;
  /** The fake clock's time; move it with `advance`. */
  now: Date;
  advance(seconds: number): void;
  /** The clouds a provider was asked for, in order (MemoryProvider answers for either). */
  loaded: string[];
  /** How many times a command made sure of the scheduler. */
  ensured: number;
  /** What `request -- CMD` / `jit ssh` ran, and the jit rules open on the VM while it ran. */
  ran: { argv: string[]; openGrants: string[] }[];
  /** The exit status the fake command returns. */
  commandExit: number;
  ledger(): Promise<GrantRecord[]>;
  jit(argv: string[], options?: WorldRun): Promise<CliResult & { json: JitJson }>;
  cleanup(): void;
}

export function cliWorld(
  options: { start?: Date; env?: Record<string, string> } = {},
): CliWorld {
  const start = options.start ?? new Date('2030-01-01T12:00:00Z');
  const worldEnv = options.env ?? { JIT_CLOUD: 'azure' };
  const { dir, cleanup } = tempConfigDir();
  const provider = new MemoryProvider();
  const ip: IpDetector = {
    detect: async () => ({
      v4: { family: 4, address: DETECTED_IP, agreement: 'agreed', services: ['fake-a', 'fake-b'] },
      answers: [],
    }),
  };
  const world: CliWorld = {
    provider,
    dir,
    now: start,
    advance(seconds) {
      world.now = new Date(world.now.getTime() + seconds * 1000);
    },
    loaded: [],
    ensured: 0,
    ran: [],
    commandExit: 0,
    ledger: () => openLedger(dir).list(),
    async jit(argv, run = {}) {
      const runCommand: CommandRunner = async (command, args) => {
        world.ran.push({ argv: [command, ...args], openGrants: provider.rules.map((r) => r.grantId) });
        return world.commandExit;
      };
      const result = await runCli(argv, {
        // TZ: human times are local; UTC makes them the same on every machine (a test may set another).
        env: baseEnv(dir, { TZ: 'UTC', ...worldEnv, ...run.env }),
        ...(run.tty?.stdin !== undefined ? { stdinTTY: run.tty.stdin } : {}),
        ...(run.tty?.stdout !== undefined ? { stdoutTTY: run.tty.stdout } : {}),
        ...(run.tty?.stderr !== undefined ? { stderrTTY: run.tty.stderr } : {}),
        ...(run.tty?.columns !== undefined ? { columns: run.tty.columns } : {}),
        app: {
          loadProvider: async (cloud) => {
            world.loaded.push(cloud);
            return provider;
          },
          clock: { now: () => world.now },
          scheduler: { ensure: async () => void (world.ensured += 1) },
          ipDetector: ip,
          runCommand,
        },
      });
      let json: JitJson = {};
      try {
        json = JSON.parse(result.stdout) as JitJson;
      } catch {
        // Not --json: the test reads stdout as text.
      }
      return { ...result, json };
    },
    cleanup,
  };
  return world;
}
