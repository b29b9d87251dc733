/**
 * Public IP detection (docs/ip-detection.md): every service is asked over IPv4 and over IPv6 at
 * once, and each family is decided on its own, because a machine's two addresses leave through
 * different paths (a v4 NAT, a v6 prefix) and one family failing says nothing about the other.
 */
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import type { DetectedAddress, IpDetection, IpDetector, ServiceAnswer } from '../core/ports.js';
import { addressRange, type IpFamily, isPublicUnicast } from '../core/prefix.js';
import { hostAddress, parseServiceBody, parseServiceUrl } from './services.js';

export interface IpDetectorOptions {
  /** Service URLs, in order of preference (ties between disagreeing services go to the first). */
  urls: readonly string[];
  /** One limit for the whole detection, both families together. */
  timeoutMs?: number;
}

/**
 * An address is at most 45 characters and Cloudflare's trace about 300 bytes: anything much longer
 * is a captive portal or an error page, and must not make us read megabytes.
 */
const MAX_BODY_BYTES = 4096;

// Why a request ended without an answer, when we ended it.
const TIMED_OUT = 'timeout';
const CANCELLED = 'cancelled';
const NOT_NEEDED = 'not needed: two services already agreed';

interface Service {
  url: string;
  target: URL;
  /** An IP-literal host can only be reached over its own family. */
  families: readonly IpFamily[];
}

type Request = (
  url: URL,
  options: RequestOptions,
  onResponse: (res: IncomingMessage) => void,
) => ClientRequest;

export function createIpDetector({ urls, timeoutMs = 3000 }: IpDetectorOptions): IpDetector {
  const services: Service[] = urls.map((url) => {
    const target = parseServiceUrl(url, 'IP service');
    const literal = hostAddress(target);
    return { url, target, families: literal ? [literal.family] : [4, 6] };
  });
  return { detect: ({ signal } = {}) => detect(services, timeoutMs, signal) };
}

/**
 * Service failures never throw: they are recorded in `answers`, and the caller decides what
 * finding nothing means. Only the caller's own `signal` rejects, with its reason.
 */
async function detect(services: Service[], timeoutMs: number, signal?: AbortSignal): Promise<IpDetection> {
  // Loaded here rather than at the top of the module: `jit --help` must not pay for loading TLS.
  const [http, https] = await Promise.all([import('node:http'), import('node:https')]);
  const requestFor = (url: URL): Request => (url.protocol === 'https:' ? https.request : http.request);
  signal?.throwIfAborted();

  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(TIMED_OUT), timeoutMs);
  const onCallerAbort = () => stop.abort(CANCELLED);
  signal?.addEventListener('abort', onCallerAbort, { once: true });
  const overFamily = (family: IpFamily) =>
    detectFamily(
      services.filter((service) => service.families.includes(family)),
      family,
      stop.signal,
      requestFor,
    );
  try {
    const [v4, v6] = await Promise.all([overFamily(4), overFamily(6)]);
    signal?.throwIfAborted();
    return {
      ...(v4.found && { v4: v4.found }),
      ...(v6.found && { v6: v6.found }),
      answers: [...v4.answers, ...v6.answers],
    };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onCallerAbort);
  }
}

/** Asks every service over one family; stops as soon as two agree, or when all have answered. */
async function detectFamily(
  services: Service[],
  family: IpFamily,
  overall: AbortSignal,
  requestFor: (url: URL) => Request,
): Promise<{ found: DetectedAddress | undefined; answers: ServiceAnswer[] }> {
  const settled = new AbortController();
  const signal = AbortSignal.any([overall, settled.signal]);
  const votes = new Map<string, number>();
  const answers = await Promise.all(
    services.map(async (service) => {
      const answer = await ask(service, family, signal, requestFor(service.target));
      if (answer.address !== undefined) {
        const count = (votes.get(answer.address) ?? 0) + 1;
        votes.set(answer.address, count);
        if (count === 2) settled.abort(NOT_NEEDED);
      }
      return answer;
    }),
  );
  return { found: chooseAddress(family, answers), answers };
}

/**
 * The address with the most votes, ties to the first service in the configured order (`answers`
 * is in that order). Two votes make it `agreed` only when no other address has as many.
 */
function chooseAddress(family: IpFamily, answers: ServiceAnswer[]): DetectedAddress | undefined {
  const votes = new Map<string, string[]>();
  for (const { url, address } of answers) {
    if (address !== undefined) votes.set(address, [...(votes.get(address) ?? []), url]);
  }
  let best: [string, string[]] | undefined;
  for (const entry of votes) {
    if (best === undefined || entry[1].length > best[1].length) best = entry;
  }
  if (best === undefined) return undefined;
  const [address, services] = best;
  const tied = [...votes.values()].some((urls) => urls !== services && urls.length === services.length);
  const agreement = services.length >= 2 && !tied ? 'agreed' : votes.size > 1 ? 'disagreed' : 'single';
  return { family, address, agreement, services };
}

/** One request; never rejects: every way it can end becomes an answer. */
function ask(
  service: Service,
  family: IpFamily,
  signal: AbortSignal,
  request: Request,
): Promise<ServiceAnswer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const finish = (outcome: { address: string } | { error: string }) => {
      signal.removeEventListener('abort', onAbort);
      // Also drops a body we stopped reading, and a request still in flight when the signal fired.
      req.destroy();
      resolve({ url: service.url, family, ...outcome, ms: Math.round(performance.now() - started) });
    };
    const onAbort = () => finish({ error: String(signal.reason) });
    signal.addEventListener('abort', onAbort, { once: true });

    // agent: false: a one-shot request has no use for a kept-alive socket, which would only hold
    // the process open. `family` forces the socket family, so a v6 request cannot fall back to v4.
    const req = request(
      service.target,
      { family, agent: false, headers: { accept: 'text/plain', 'user-agent': 'jit-access' } },
      (res) => {
        res.on('error', () => finish({ error: 'connection closed before the answer was complete' }));
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) return finish({ error: `HTTP ${status}` });
        if (Number(res.headers['content-length']) > MAX_BODY_BYTES) return finish(tooLong());
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) finish(tooLong());
          else chunks.push(chunk);
        });
        res.on('end', () => finish(judgeBody(Buffer.concat(chunks).toString('utf8'), family)));
      },
    );
    req.on('error', (error) => finish({ error: error.message }));
    req.end();
  });
}

function tooLong(): { error: string } {
  return { error: `garbage: body over ${MAX_BODY_BYTES} bytes` };
}

function judgeBody(body: string, family: IpFamily): { address: string } | { error: string } {
  const parsed = parseServiceBody(body);
  if (parsed === undefined) return { error: `garbage: ${excerpt(body)}` };
  if (parsed.family !== family) {
    // A NAT64 gateway or a proxy answering for the other family: not this family's address.
    return { error: `answered ${parsed.address} (IPv${parsed.family}) over IPv${family}` };
  }
  if (!isPublicUnicast(parsed.address)) {
    return { error: `answered ${parsed.address} (${addressRange(parsed.address)})` };
  }
  return { address: parsed.address };
}

/** A short printable quote of a body: it may end up on a terminal, so no control characters. */
function excerpt(body: string): string {
  const text = body.trim();
  if (text === '') return 'empty body';
  const shown = text.slice(0, 40).replace(/[^\x20-\x7e]/g, '?');
  return `"${shown}${text.length > 40 ? '…' : ''}"`;
}
