// The moto launcher: it serves on loopback, stops for good, and fails loudly when it cannot start.
import { describe, expect, it } from 'vitest';
import { startMoto } from './moto.js';

describe('startMoto', () => {
  it('serves on 127.0.0.1 at an OS-chosen port until stopped', async () => {
    const moto = await startMoto();
    expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${moto.endpoint}/moto-api/`)).ok).toBe(true);

    await moto.stop();

    await expect(fetch(`${moto.endpoint}/moto-api/`)).rejects.toThrow();
  });

  it('fails with the reason and the way to install moto when Python is missing', async () => {
    await expect(startMoto({ python: '/nonexistent/python3' })).rejects.toThrow(
      /moto did not start \(\/nonexistent\/python3 -m moto\.server -H 127\.0\.0\.1 -p 0\): spawn \/nonexistent\/python3 ENOENT[\s\S]*pip install "moto\[server\]==5\.2\.1"/,
    );
  });
});
