/**
 * A pass-through HTTP proxy in front of moto that records the Action of every EC2/STS call
 * (query protocol: `Action=…` in the form body). Tests use it to prove a command made no write;
 * the bench counts a request's calls by kind with it.
 */
import { forward, reply, serveLoopback } from './pass-through.js';

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
  const server = await serveLoopback(async (req, res, body) => {
    actions.push(new URLSearchParams(body.toString()).get('Action') ?? `${req.method} ${req.url}`);
    const answer = await forward(upstream, req, body);
    reply(res, answer.status, answer.headers, answer.body);
  });
  return {
    url: server.url,
    actions,
    writes: () => actions.filter((a) => !/^(Describe|Get|List)/.test(a)),
    clear: () => {
      actions.length = 0;
    },
    close: () => server.close(),
  };
}
