/**
 * A pass-through HTTP proxy in front of moto that records the Action of every EC2/STS call
 * (query protocol: `Action=…` in the form body). Tests use it to prove a command made no write;
 * the bench counts a request's calls by kind with it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CallLogProxy {
  url: string;
  /** Actions in arrival order (live). */
  readonly actions: string[];
  /** Actions that change something (everything but Describe*, Get*, List*). */
  writes(): string[];
  clear(): void;
  close(): Promise<void>;
}

export async function startCallLogProxy(target: string): Promise<CallLogProxy> {
  const upstream = new URL(target);
  const actions: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      actions.push(new URLSearchParams(body.toString()).get('Action') ?? `${req.method} ${req.url}`);
      const forward = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    actions,
    writes: () => actions.filter((a) => !/^(Describe|Get|List)/.test(a)),
    clear: () => {
      actions.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
