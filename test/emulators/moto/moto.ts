// Starts moto's server (the AWS emulator the AWS tests run against, docs/testing.md) on 127.0.0.1 with an
// OS-chosen port, and waits until it answers. A machine without moto fails the tests with the
// reason; it does not skip them. The Python used is `python3`, or JIT_TEST_PYTHON, or the option.
import { type ChildProcess, spawn } from 'node:child_process';

export interface Moto {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  stop(): Promise<void>;
}

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

export async function startMoto(options: { python?: string } = {}): Promise<Moto> {
  const python = options.python ?? process.env.JIT_TEST_PYTHON ?? 'python3';
  const command = `${python} -m moto.server -H 127.0.0.1 -p 0`;
  const child = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
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
