/**
 * The detector against local echo services. Their bodies name real public addresses (8.8.4.4,
 * 1.0.0.1, 2606:4700:4700::1111) because the documentation ranges are not public unicast; these
 * are only text, nothing connects to them. The ::1 servers fail the test, rather than skip it,
 * where IPv6 loopback is missing: v6 detection is half of what this suite proves.
 */
import { lookup } from 'node:dns/promises';
import http, { type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { JitError } from '../../../src/core/errors.js';
import type { ServiceAnswer } from '../../../src/core/ports.js';
import { createIpDetector, detectionWarnings, requireDetectedAddress } from '../../../src/ip/index.js';

const GOOGLE = '8.8.4.4';
const CLOUDFLARE = '1.0.0.1';
const GOOGLE_V6 = '2001:4860:4860::8844';
const CLOUDFLARE_V6 = '2606:4700:4700::1111';

const servers: Server[] = [];

afterEach(async () => {
  // closeAllConnections: a slow handler's open socket must not keep the test process alive.
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

/** Starts an echo service and returns its URL. */
async function serve(handler: RequestListener, host = '127.0.0.1', port = 0): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  return `http://${host.includes(':') ? `[${host}]` : host}:${bound}/`;
}

/** Answers `body` once `after` has settled and `delayMs` more have passed, unless the client has gone. */
function answer(body: string, delayMs = 0, after: Promise<unknown> = Promise.resolve()): RequestListener {
  return (_req, res) => {
    let gone = false;
    let timer: NodeJS.Timeout | undefined;
    res.on('close', () => {
      gone = true;
      clearTimeout(timer);
    });
    void after.then(() => {
      if (!gone) timer = setTimeout(() => res.end(body), delayMs);
    });
  };
}

/**
 * Answers `body` at once; `sent` settles when it has. Lets a test order answers by events rather
 * than by guessed delays, which a loaded two-core machine would make flaky.
 */
function answerNow(body: string): { handler: RequestListener; sent: Promise<void> } {
  let markSent: () => void = () => {};
  const sent = new Promise<void>((resolve) => {
    markSent = resolve;
  });
  return {
    handler: (_req, res) => {
      res.on('finish', markSent);
      res.end(body);
    },
    sent,
  };
}

function status(code: number): RequestListener {
  return (_req, res) => {
    res.statusCode = code;
    res.end('Service Unavailable');
  };
}

const MEBIBYTE_OF_HTML = `<html>${'<p>captive portal</p>'.repeat(52_429)}</html>`;

/** 1 MiB of HTML in chunks, with no Content-Length to judge it by up front. */
const streamedGarbage: RequestListener = (_req, res) => {
  res.on('error', () => {});
  res.writeHead(200, { 'content-type': 'text/html' });
  for (let at = 0; at < MEBIBYTE_OF_HTML.length; at += 16_384)
    res.write(MEBIBYTE_OF_HTML.slice(at, at + 16_384));
  res.end();
};

function cloudflareTrace(ip: string): RequestListener {
  return answer(
    `fl=29f1\nh=1.1.1.1\nip=${ip}\nts=1700000000.123\nvisit_scheme=https\nuag=jit-access\ncolo=FRA\n`,
  );
}

/** Promises an answer, then hangs up halfway through it. */
const hangUp: RequestListener = (_req, res) => {
  res.writeHead(200, { 'content-length': '7' });
  res.write('8.8.');
  setTimeout(() => res.socket?.destroy(), 20);
};

/** A loopback port nothing listens on. */
async function closedPort(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/`;
}

function answerOf(answers: ServiceAnswer[], url: string, family: 4 | 6 = 4): ServiceAnswer | undefined {
  return answers.find((a) => a.url === url && a.family === family);
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
}

describe('IPv4 detection', () => {
  it('takes the address two services agree on, asking an IP-literal host over its own family only', async () => {
    const a = await serve(answer(`${GOOGLE}\n`));
    const b = await serve(answer(GOOGLE));
    const detection = await createIpDetector({ urls: [a, b], timeoutMs: 800 }).detect();
    expect(detection.v4).toEqual({ family: 4, address: GOOGLE, agreement: 'agreed', services: [a, b] });
    expect(detection.v6).toBeUndefined();
    expect(detection.answers).toEqual([
      { url: a, family: 4, address: GOOGLE, ms: expect.any(Number) },
      { url: b, family: 4, address: GOOGLE, ms: expect.any(Number) },
    ]);
    expect(detectionWarnings(detection)).toEqual([]);
  });

  it('outvotes a lying service and keeps its answer visible', async () => {
    const lie = answerNow(CLOUDFLARE);
    const a = await serve(answer(GOOGLE));
    const liar = await serve(lie.handler);
    // b answers after the liar, so that the liar's answer is in before two services agree.
    const b = await serve(answer(GOOGLE, 50, lie.sent));
    const detection = await createIpDetector({ urls: [a, liar, b], timeoutMs: 800 }).detect();
    expect(detection.v4).toMatchObject({ address: GOOGLE, agreement: 'agreed', services: [a, b] });
    expect(answerOf(detection.answers, liar)).toMatchObject({ address: CLOUDFLARE });
    expect(detectionWarnings(detection)).toEqual([
      { code: 'JIT_IP_SERVICES_DISAGREE', message: expect.stringContaining(`IPv4: services disagreed: ${new URL(a).host} said ${GOOGLE}`) },
    ]);
  });

  it('on a tie, takes the first configured service, not the fastest', async () => {
    const fast = answerNow(CLOUDFLARE);
    const first = await serve(answer(GOOGLE, 50, fast.sent));
    const fastest = await serve(fast.handler);
    const detection = await createIpDetector({ urls: [first, fastest], timeoutMs: 800 }).detect();
    expect(detection.v4).toEqual({ family: 4, address: GOOGLE, agreement: 'disagreed', services: [first] });
  });

  it('returns as soon as two agree, without waiting for a slow service', async () => {
    const slow = await serve(answer(GOOGLE, 10_000));
    const a = await serve(answer(GOOGLE));
    const b = await serve(answer(GOOGLE));
    // A long overall timeout, so that returning early proves it was the agreement.
    const detector = createIpDetector({ urls: [slow, a, b], timeoutMs: 5_000 });
    const { result, ms } = await timed(() => detector.detect());
    expect(ms).toBeLessThan(2_000);
    expect(result.v4).toMatchObject({ address: GOOGLE, agreement: 'agreed', services: [a, b] });
    expect(answerOf(result.answers, slow)).toMatchObject({
      error: 'not needed: two services already agreed',
    });
  });

  it('stops at the overall timeout when only a slow service is left', async () => {
    const slow = await serve(answer(GOOGLE, 10_000));
    const detector = createIpDetector({ urls: [slow], timeoutMs: 800 });
    const { result, ms } = await timed(() => detector.detect());
    expect(ms).toBeGreaterThanOrEqual(750);
    expect(ms).toBeLessThan(2_000);
    expect(result.v4).toBeUndefined();
    expect(result.answers).toEqual([{ url: slow, family: 4, error: 'timeout', ms: expect.any(Number) }]);
  });

  it('refuses garbage without reading a mebibyte of it', async () => {
    const streamed = await serve(streamedGarbage);
    const declared = await serve(answer(MEBIBYTE_OF_HTML));
    const page = await serve(answer('<html><body>Log in to the hotel Wi-Fi</body></html>'));
    const empty = await serve(answer(''));
    const escapes = await serve(answer('\x1b]0;owned\x07 8.8.4.4'));
    const good = await serve(answer(GOOGLE));
    const detection = await createIpDetector({
      urls: [streamed, declared, page, empty, escapes, good],
      timeoutMs: 800,
    }).detect();
    expect(answerOf(detection.answers, streamed)?.error).toBe('garbage: body over 4096 bytes');
    expect(answerOf(detection.answers, declared)?.error).toBe('garbage: body over 4096 bytes');
    expect(answerOf(detection.answers, page)?.error).toBe(
      'garbage: "<html><body>Log in to the hotel Wi-Fi</b…"',
    );
    expect(answerOf(detection.answers, empty)?.error).toBe('garbage: empty body');
    // Quoted for a terminal: a service must not be able to send it escape sequences.
    expect(answerOf(detection.answers, escapes)?.error).toBe('garbage: "?]0;owned? 8.8.4.4"');
    expect(detection.v4).toEqual({ family: 4, address: GOOGLE, agreement: 'single', services: [good] });
    expect(detectionWarnings(detection)).toEqual([
      { code: 'JIT_IP_SINGLE_SERVICE', message: `IPv4: only one service answered (${new URL(good).host}).` },
    ]);
  });

  it('refuses addresses that are not public unicast, saying which range they are in', async () => {
    const privateNet = await serve(answer('10.0.0.1'));
    const cgnat = await serve(answer('100.64.0.1'));
    const documentation = await serve(answer('203.0.113.7'));
    const detection = await createIpDetector({
      urls: [privateNet, cgnat, documentation],
      timeoutMs: 800,
    }).detect();
    expect(detection.v4).toBeUndefined();
    expect(detection.answers.map((a) => a.error)).toEqual([
      'answered 10.0.0.1 (private)',
      'answered 100.64.0.1 (carrierGradeNat)',
      'answered 203.0.113.7 (reserved)',
    ]);
  });

  it('reports an HTTP error status', async () => {
    const failing = await serve(status(500));
    const detection = await createIpDetector({ urls: [failing], timeoutMs: 800 }).detect();
    expect(detection.answers).toEqual([
      { url: failing, family: 4, error: 'HTTP 500', ms: expect.any(Number) },
    ]);
  });

  it('reads the ip= line of the Cloudflare trace format', async () => {
    const a = await serve(cloudflareTrace(CLOUDFLARE));
    const b = await serve(cloudflareTrace(CLOUDFLARE));
    const detection = await createIpDetector({ urls: [a, b], timeoutMs: 800 }).detect();
    expect(detection.v4).toMatchObject({ address: CLOUDFLARE, agreement: 'agreed' });
  });

  it('returns nothing, without throwing, when every service fails; requiring an address then throws', async () => {
    const urls = [
      await serve(status(500)),
      await serve(answer('192.168.1.20')),
      await serve(streamedGarbage),
      await serve(hangUp),
      await closedPort(),
    ];
    const detection = await createIpDetector({ urls, timeoutMs: 800 }).detect();
    expect(detection.v4).toBeUndefined();
    expect(detection.v6).toBeUndefined();
    expect(detection.answers.map((a) => a.error)).toEqual([
      'HTTP 500',
      'answered 192.168.1.20 (private)',
      'garbage: body over 4096 bytes',
      'connection closed before the answer was complete',
      expect.stringContaining('ECONNREFUSED'),
    ]);
    expect(() => requireDetectedAddress(detection)).toThrow(
      expect.objectContaining({
        code: 'JIT_IP_NOT_DETECTED',
        hint: 'Pass --source <your IP> or set JIT_IP_URLS',
      }),
    );
  });
});

describe('IPv6 detection', () => {
  it('detects over ::1, refusing an IPv4 answer to an IPv6 request', async () => {
    const v4Answer = answerNow(GOOGLE);
    const ulaAnswer = answerNow('fd00::1');
    const a = await serve(answer(CLOUDFLARE_V6), '::1');
    const mixedUp = await serve(v4Answer.handler, '::1');
    const uniqueLocal = await serve(ulaAnswer.handler, '::1');
    // b answers last, so that every other answer is in before two services agree.
    const longForm = '2606:4700:4700:0000:0000:0000:0000:1111';
    const b = await serve(answer(longForm, 50, Promise.all([v4Answer.sent, ulaAnswer.sent])), '::1');
    const detection = await createIpDetector({ urls: [a, mixedUp, uniqueLocal, b], timeoutMs: 800 }).detect();
    expect(detection.v6).toEqual({
      family: 6,
      address: CLOUDFLARE_V6,
      agreement: 'agreed',
      services: [a, b],
    });
    expect(detection.v4).toBeUndefined();
    expect(detection.answers.every((a) => a.family === 6)).toBe(true);
    expect(answerOf(detection.answers, mixedUp, 6)?.error).toBe(`answered ${GOOGLE} (IPv4) over IPv6`);
    expect(answerOf(detection.answers, uniqueLocal, 6)?.error).toBe('answered fd00::1 (uniqueLocal)');
    expect(requireDetectedAddress(detection).address).toBe(CLOUDFLARE_V6);
    expect(() => requireDetectedAddress(detection, 4)).toThrow(JitError);
  });

  it('detects both families at once and prefers IPv4', async () => {
    const urls = [
      await serve(answer(GOOGLE_V6), '::1'),
      await serve(answer(GOOGLE)),
      await serve(answer(GOOGLE_V6), '::1'),
      await serve(answer(GOOGLE)),
    ];
    const detection = await createIpDetector({ urls, timeoutMs: 800 }).detect();
    expect(detection.v4).toMatchObject({ address: GOOGLE, agreement: 'agreed' });
    expect(detection.v6).toMatchObject({ address: GOOGLE_V6, agreement: 'agreed' });
    expect(requireDetectedAddress(detection)).toBe(detection.v4);
    expect(requireDetectedAddress(detection, 6)).toBe(detection.v6);
  });

  it('asks a named host over both families, forcing each at the socket', async () => {
    const v4 = await serve(answer(GOOGLE), '127.0.0.1');
    const { port } = new URL(v4);
    await serve(answer(CLOUDFLARE_V6), '::1', Number(port));
    const url = `http://localhost:${port}/`;
    const detection = await createIpDetector({ urls: [url], timeoutMs: 800 }).detect();
    expect(detection.answers.map((a) => a.family)).toEqual([4, 6]);
    expect(answerOf(detection.answers, url, 4)?.address).toBe(GOOGLE);
    // Whether "localhost" has an IPv6 address is up to the machine's hosts file; either way the v6
    // request must not have fallen back to the IPv4 server.
    const hasV6 = await lookup('localhost', { family: 6 }).then(
      () => true,
      () => false,
    );
    const overV6 = answerOf(detection.answers, url, 6);
    if (hasV6) expect(overV6?.address).toBe(CLOUDFLARE_V6);
    else expect(overV6?.error).toMatch(/ENOTFOUND|EAI_/);
  });
});

describe("the caller's signal", () => {
  it('rejects with its reason, promptly, when aborted during detection', async () => {
    const slow = await serve(answer(GOOGLE, 10_000));
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user pressed ^C')), 100);
    const detector = createIpDetector({ urls: [slow], timeoutMs: 5_000 });
    const started = performance.now();
    await expect(detector.detect({ signal: controller.signal })).rejects.toThrow('user pressed ^C');
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('rejects at once when already aborted', async () => {
    const a = await serve(answer(GOOGLE));
    const detector = createIpDetector({ urls: [a], timeoutMs: 800 });
    await expect(detector.detect({ signal: AbortSignal.abort(new Error('gone')) })).rejects.toThrow('gone');
  });
});
