import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';

function connect(host: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: 9 });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    socket.on('connect', () => {
      socket.destroy();
      resolve('connected');
    });
  });
}

describe('test network guard', () => {
  it('refuses a connection to a non-loopback address', async () => {
    expect(await connect('192.0.2.1')).toBe('JIT_TEST_NET_GUARD');
    expect(await connect('169.254.169.254')).toBe('JIT_TEST_NET_GUARD');
  });

  it('lets loopback through', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port }, (res) => {
          let text = '';
          res.on('data', (c) => {
            text += c;
          });
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    server.close();
    expect(body).toBe('ok');
  });

  it('switches off the AWS instance-metadata probe', () => {
    expect(process.env.AWS_EC2_METADATA_DISABLED).toBe('true');
  });
});
