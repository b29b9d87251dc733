// moto, the AWS emulator the AWS tests run against (docs/testing.md). One moto server serves a whole
// vitest run (global-setup.ts starts it): starting Python and importing moto's EC2 backend costs
// seconds of CPU, once per server. Each startMoto() caller gets its own AWS account in it, through a
// loopback proxy that adds moto's x-moto-account-id header, so what one test file creates is never
// seen by another (sweep and scan read a whole region). Run without that set-up (the package test,
// the bench, the demo), startMoto() starts a server of its own, as every caller did before.
//
// A machine without moto fails the tests with the reason; it does not skip them. The Python used is
// `python3`, or JIT_TEST_PYTHON, or the option.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import type { BuildMiddleware } from '@smithy/types';
import { forward, reply, serveLoopback } from '../../support/pass-through.js';

export interface Moto {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** The AWS account everything sent to `endpoint` lands in (in ARNs and GetCallerIdentity). */
  accountId: string;
  stop(): Promise<void>;
}

/** A moto server process. */
export interface MotoServer {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  stop(): Promise<void>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's shared moto server, when global-setup.ts could start it. */
    motoEndpoint?: string;
  }
}

/** moto's account when a request names none (moto/core/models.py DEFAULT_ACCOUNT_ID). */
const DEFAULT_ACCOUNT_ID = '123456789012';
/**
 * In server mode moto takes the account of a request from this header (moto's docs,
 * docs/docs/multi_account.rst, "Configure the account ID using a request header"). moto 5.2.1 reads
 * it ahead of the access key (PRIO 2 in moto/core/responses.py, BaseResponse.get_current_account;
 * MOTO_ACCOUNT_ID in moto's environment would win over it, and the launcher never sets it). Every
 * service reads it: EC2's backends are per account and region, and STS GetCallerIdentity answers
 * arn:aws:sts::<account>:user/moto.
 */
const ACCOUNT_HEADER = 'x-moto-account-id';

const READY = /Running on (http:\/\/127\.0\.0\.1:\d+)/;
const START_TIMEOUT_MS = 20_000;
/** Lines of moto's output kept for the error message when it does not start. */
const KEPT_LINES = 40;

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

async function answers(endpoint: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      // moto's own API: any HTTP answer means the server is serving.
      const response = await fetch(`${endpoint}/moto-api/`);
      await response.arrayBuffer();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** A random 12-digit AWS account id, never moto's default one. */
export function newAccountId(): string {
  for (;;) {
    const id = String(randomInt(100_000_000_000, 1_000_000_000_000));
    if (id !== DEFAULT_ACCOUNT_ID) return id;
  }
}

/**
 * An SDK middleware that puts the client's requests in `account`: add it at the build step, as
 * `client.middlewareStack.add(inAccount(id), { step: 'build', name: 'motoAccount' })`.
 */
export function inAccount<Input extends object, Output extends object>(
  account: string,
): BuildMiddleware<Input, Output> {
  return (next) => async (args) => {
    (args.request as { headers: Record<string, string> }).headers[ACCOUNT_HEADER] = account;
    return next(args);
  };
}

/** Starts a moto server on 127.0.0.1 at an OS-chosen port and waits until it answers. */
export async function startMotoServer(options: { python?: string } = {}): Promise<MotoServer> {
  const python = options.python ?? process.env.JIT_TEST_PYTHON ?? 'python3';
  const command = `${python} -m moto.server -H 127.0.0.1 -p 0`;
  const child = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Without it, every new account and region loads moto's catalogue of ~1,100 public AMIs (about
    // 0.1 CPU-s and 3.5 MB each; moto/settings.py ec2_load_default_amis, and moto's own test suite
    // turns it off for speed in tests/__init__.py). No test launches one of those AMIs: an unknown
    // image id runs as before, with moto's defaults (moto/ec2/models/instances.py).
    env: { ...process.env, MOTO_EC2_LOAD_DEFAULT_AMIS: 'false' },
  });
  const output: string[] = [];
  const failure = (why: string) =>
    new Error(
      `moto did not start (${command}): ${why}\n${output.join('\n')}\n` +
      'The AWS tests need moto 5.2.1 with its server extra: pip install "moto[server]==5.2.1".',
    );
  const deadline = Date.now() + START_TIMEOUT_MS;
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(failure(`no "Running on" line within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim() === '') continue;
        output.push(line);
        if (output.length > KEPT_LINES) output.shift();
        const match = READY.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(match[1] as string);
        }
      }
    };
    // Werkzeug logs every request to stderr: both pipes are read for as long as moto runs, or a
    // full pipe buffer would stall it.
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(failure(error.message));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(failure(`it exited (${signal ?? `code ${code}`})`));
    });
  }).catch(async (error: unknown) => {
    // No pid: the spawn itself failed, and Node may never emit 'exit' for it.
    if (child.pid !== undefined) {
      child.kill('SIGKILL');
      await exited(child);
    }
    throw error;
  });
  await answers(endpoint, deadline);
  return {
    endpoint,
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited(child);
      clearTimeout(timer);
    },
  };
}

/** The run's shared server, when this runs in a vitest worker whose run started one. */
async function sharedEndpoint(): Promise<string | undefined> {
  // The bench and the demo import this file outside vitest, where its API cannot be used.
  if (!process.env.VITEST) return undefined;
  const { inject } = await import('vitest');
  return inject('motoEndpoint');
}

/**
 * moto for one test file or harness: a fresh account on the run's shared server or, with no shared
 * server (or another Python asked for), a server of its own in moto's default account.
 */
export async function startMoto(options: { python?: string } = {}): Promise<Moto> {
  const shared = options.python === undefined ? await sharedEndpoint() : undefined;
  if (shared === undefined) return { ...(await startMotoServer(options)), accountId: DEFAULT_ACCOUNT_ID };
  const upstream = new URL(shared);
  const accountId = newAccountId();
  // A request that already names an account keeps it: the integration tests give each test its own.
  const proxy = await serveLoopback(async (req, res, body) => {
    const answer = await forward(upstream, req, body, { [ACCOUNT_HEADER]: req.headers[ACCOUNT_HEADER] ?? accountId });
    reply(res, answer.status, answer.headers, answer.body);
  });
  // Stopping ends only the proxy: the account's state stays in the shared server, which nobody
  // else can reach, until the run ends.
  return { endpoint: proxy.url, accountId, stop: () => proxy.close() };
}
