/**
 * Loopback HTTP services for tests, benchmarks and the demo (public-IP echo services, mostly):
 * each on a free port, all closed together, open connections included, so none keeps a process alive.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export class LocalHttp {
  private readonly servers: http.Server[] = [];

  /** Starts a service on `host` (127.0.0.1 or ::1) and returns its URL. */
  async serve(handler: http.RequestListener, host = '127.0.0.1'): Promise<string> {
    const server = http.createServer(handler);
    this.servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, resolve);
    });
    const { port } = server.address() as AddressInfo;
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  }

  /** A service that answers `body`, after `delayMs`. */
  echo(body: string, delayMs = 0): Promise<string> {
    return this.serve((_req, res) => {
      const timer = setTimeout(() => res.end(body), delayMs);
      res.on('close', () => clearTimeout(timer));
    });
  }

  async closeAll(): Promise<void> {
    await Promise.all(
      this.servers.splice(0).map(
        (server) =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      ),
    );
  }
}
