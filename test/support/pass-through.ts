/**
 * The forwarding that every loopback proxy in front of moto shares (the call log, the EC2 fault
 * proxy, the per-account proxy of the shared moto): a server on 127.0.0.1 at an OS-chosen port that
 * reads each request whole, and a forward that replays it upstream and reads the answer whole, so a
 * proxy can look at both before it answers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Upstream {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface LoopbackServer {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Stops listening and ends open connections, so no keep-alive socket holds the process. */
  close(): Promise<void>;
}

/**
 * Sends the request (method, path, the client's headers with `headers` over them) and `body` to
 * `target`, and reads the answer.
 */
export function forward(
  target: URL,
  req: http.IncomingMessage,
  body: Buffer | string,
  headers: http.OutgoingHttpHeaders = {},
): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    // The body was read whole: its length is known, and a chunked framing would contradict it.
    const { 'transfer-encoding': _encoding, ...sent } = req.headers;
    const request = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...sent, ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () =>
          resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) }),
        );
        answer.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** Answers with `status`, `headers` and `body`, framed by the body's own length. */
export function reply(
  res: http.ServerResponse,
  status: number,
  headers: http.OutgoingHttpHeaders | http.IncomingHttpHeaders,
  body: Buffer | string,
): void {
  const { 'content-length': _length, 'transfer-encoding': _encoding, ...rest } = headers;
  res.writeHead(status, { ...rest, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/**
 * Serves `handle` on 127.0.0.1 at an OS-chosen port, with each request's body read whole. A handler
 * that fails (the upstream is gone) drops the connection, as a network would: the SDK sees a
 * transport error, never a made-up answer.
 */
export async function serveLoopback(
  handle: (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => Promise<void> | void,
): Promise<LoopbackServer> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      Promise.resolve()
        .then(() => handle(req, res, Buffer.concat(chunks)))
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
