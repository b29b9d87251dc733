// A local HTTPS stand-in for Azure Resource Manager, for the parts the jit Azure provider drives through
// the real SDK clients (@azure/arm-network 36, @azure/arm-compute 24): VMs (list, get, tag PATCH as an
// LRO), NICs, virtual networks and subnets, public IPs, NSGs and their security rules (GET/PUT/DELETE as
// LROs polled through Azure-AsyncOperation), with the Network RP's validation, ARM's error shapes, bearer
// auth, a request log and fault injection. Behaviour and sources: SPEC.md beside this file.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  ArmError,
  childNotFound,
  defaultErrorCode,
  notEmulated,
  resourceGroupNotFound,
  resourceNotFound,
  scopeLocked,
  subscriptionNotFound,
} from './errors.js';
import { type Fault, type FaultContext, FaultRegistry } from './faults.js';
import {
  type ArmResource,
  ArmState,
  type Json,
  newEtag,
  type ResourceKind,
  resourceId,
  TYPES,
} from './state.js';
import { groupResource, validateFirewall, validateRuleCollectionGroup } from './firewalls.js';
import { emulatorTls } from './tls.js';
import { callerOf, readToken, type TokenClaims } from './token.js';
import {
  type ArmSecurityRule,
  type RuleProperties,
  validateRule,
} from './validation.js';

export interface ArmEmulatorOptions {
  /**
   * How many times an operation-status poll answers `InProgress` before `Succeeded`. Default: network 1,
   * compute 0. Why they differ: the network SDK's `begin…AndWait` polls once before it starts sleeping,
   * so one InProgress costs no time; compute's `beginUpdateAndWait` sleeps before its first poll, and
   * core-lro ignores `Retry-After: 0`, so every InProgress there costs the SDK's interval (2 s unless the
   * caller passes `updateIntervalInMs`).
   */
  lroPolls?: number | { network?: number; compute?: number };
  /** `Retry-After` on LRO responses, in seconds. Default 0 (core-lro then keeps its own interval). */
  lroRetryAfterSeconds?: number;
  /** Operations nobody polls complete on their own after this long, as in Azure. Default 10 s; 0: never. */
  lroAutoCompleteMs?: number;
  /** Items per page of a list answer (then `nextLink`). Default 100. */
  pageSize?: number;
  /** Extra delay on every answer, to imitate a remote ARM in benchmarks. Default 0. */
  latencyMs?: number;
  /** Port to listen on (127.0.0.1). Default 0: any free port. */
  port?: number;
}

interface ResolvedOptions {
  lroPolls: { network: number; compute: number };
  lroRetryAfterSeconds: number;
  lroAutoCompleteMs: number;
  pageSize: number;
  latencyMs: number;
}

export interface RequestLogEntry {
  method: string;
  /** Decoded path without the query string. */
  path: string;
  apiVersion: string | undefined;
  query: Record<string, string>;
  status: number;
  /** Epoch milliseconds when the request arrived. */
  timestamp: number;
  durationMs: number;
  /** UPN or application id from the bearer token. */
  caller: string | undefined;
  /** Parsed JSON body of PUT/PATCH/POST requests. */
  body: unknown;
  /** `error.code` of an error answer. */
  errorCode: string | undefined;
  /** Id of the fault that answered (or failed the operation of) this request. */
  fault: string | undefined;
  /** Id of the long-running operation this request started or polled. */
  operationId: string | undefined;
  userAgent: string | undefined;
}

export interface ArmEmulator {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** PEM path of the CA that signed the server certificate (NODE_EXTRA_CA_CERTS for subprocesses). */
  readonly caCertPath: string;
  /** The same CA as PEM text (for `tlsOptions: { ca }` in in-process SDK clients). */
  readonly caCert: string;
  readonly state: ArmState;
  /** Every request answered, oldest first (live array). */
  readonly log: RequestLogEntry[];
  clearLog(): void;
  /** Log entries matching a method and/or a case-insensitive path substring. */
  requests(filter?: { method?: string; pathIncludes?: string }): RequestLogEntry[];
  readonly faults: FaultRegistry;
  /** Live options; change them between requests (e.g. `emu.options.lroPolls.network = 3`). */
  readonly options: ResolvedOptions;
  /** Completes every pending long-running operation now; returns how many there were. */
  settle(): number;
  /** Long-running operations not yet complete. */
  pendingOperations(): number;
  close(): Promise<void>;
}

interface Operation {
  id: string;
  provider: 'network' | 'compute';
  pollsLeft: number;
  status: 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';
  /** How the operation ends when a fault decided it: `Failed` or `Canceled` (superseded). */
  outcome?: 'Failed' | 'Canceled';
  startTime: string;
  endTime?: string;
  error?: { code: string; message: string };
  onSuccess: () => void;
  onFailure: () => void;
  /** A cancelled operation changed nothing: the resource is put back as it was. */
  onCancel: () => void;
  timer?: NodeJS.Timeout;
}

interface RequestContext {
  method: string;
  path: string;
  url: URL;
  apiVersion: string | undefined;
  body: unknown;
  claims: TokenClaims | undefined;
  headers: IncomingMessage['headers'];
  entry: RequestLogEntry;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const KINDS: Record<string, ResourceKind> = Object.fromEntries(
  Object.entries(TYPES).map(([kind, type]) => [type.toLowerCase(), kind as ResourceKind]),
);

const same = (a: string | undefined, b: string): boolean => a?.toLowerCase() === b.toLowerCase();

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ARM tag limits (docs "tag-resources#limitations"); error codes as ARM words them (SPEC.md §Tags).
function validateTags(tags: unknown): ArmError | undefined {
  if (tags === null || typeof tags !== 'object' || Array.isArray(tags)) {
    return new ArmError(
      400,
      'InvalidRequestContent',
      'The request content was invalid and could not be deserialized.',
    );
  }
  const entries = Object.entries(tags as Record<string, unknown>);
  if (entries.length > 50) {
    return new ArmError(
      400,
      'InvalidTagCount',
      `The number of tags ${entries.length} exceeds the maximum of 50.`,
    );
  }
  for (const [name, value] of entries) {
    if (typeof value !== 'string') {
      return new ArmError(
        400,
        'InvalidRequestContent',
        'The request content was invalid and could not be deserialized.',
      );
    }
    if (name.length > 512) {
      return new ArmError(
        400,
        'InvalidTagNameLength',
        `Tag name too large. Following tag name '${name}' exceeded the maximum length. Maximum allowed length for tag name - '512' characters.`,
      );
    }
    if (/[<>%&\\?/]/.test(name)) {
      return new ArmError(
        400,
        'InvalidTagNameCharacters',
        `The tag names '${name}' have reserved characters '<,>,%,&,\\,?,/' or control characters.`,
      );
    }
    if (value.length > 256) {
      return new ArmError(
        400,
        'InvalidTagValueLength',
        `Tag value too large. Following tag value '${value}' exceeded the maximum length. Maximum allowed length for tag value - '256' characters.`,
      );
    }
  }
  return undefined;
}

function deepMerge(target: Json, patch: Json): Json {
  for (const [key, value] of Object.entries(patch)) {
    const current = target[key];
    if (
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      current !== null &&
      typeof current === 'object' &&
      !Array.isArray(current)
    ) {
      deepMerge(current as Json, value as Json);
    } else if (value !== undefined) {
      target[key] = value;
    }
  }
  return target;
}

/**
 * Tags_UpdateAtScope (`PATCH {scope}/providers/Microsoft.Resources/tags/default`, api-version 2021-04-01):
 * `Replace` sets the whole set, `Merge` adds and overwrites, `Delete` removes the given names, or the
 * given name/value pairs (a value must then match). Tag names are case-insensitive in ARM.
 */
function patchTags(current: Record<string, string>, body: unknown): Record<string, string> {
  const invalid = new ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalid;
  const { operation, properties } = body as { operation?: unknown; properties?: { tags?: unknown } };
  const given = properties?.tags;
  const tagError = validateTags(given);
  if (tagError) throw tagError;
  const tags = given as Record<string, string>;
  const named = (name: string) => Object.keys(current).find((key) => key.toLowerCase() === name.toLowerCase());
  switch (typeof operation === 'string' ? operation.toLowerCase() : '') {
    case 'replace':
      return { ...tags };
    case 'merge': {
      const merged = { ...current };
      for (const [name, value] of Object.entries(tags)) {
        const key = named(name);
        if (key !== undefined) delete merged[key];
        merged[key ?? name] = value;
      }
      return merged;
    }
    case 'delete': {
      const kept = { ...current };
      for (const [name, value] of Object.entries(tags)) {
        const key = named(name);
        if (key !== undefined && (value === '' || kept[key] === value)) delete kept[key];
      }
      return kept;
    }
    default:
      throw new ArmError(
        400,
        'InvalidTagPatchOperation',
        `The tag patch operation '${String(operation)}' is invalid. Valid operations are 'Replace', 'Merge' and 'Delete'.`,
      );
  }
}

class Emulator implements ArmEmulator {
  readonly state = new ArmState();
  readonly log: RequestLogEntry[] = [];
  readonly faults = new FaultRegistry();
  readonly options: ResolvedOptions;
  readonly caCertPath: string;
  readonly caCert: string;
  url = '';
  port = 0;
  private readonly server: Server;
  private readonly operations = new Map<string, Operation>();
  /** The last operation started on a firewall or firewall policy, by lower-case id. */
  private readonly busy = new Map<string, Operation>();

  constructor(options: ArmEmulatorOptions) {
    const polls = options.lroPolls;
    this.options = {
      lroPolls: {
        network: typeof polls === 'number' ? polls : (polls?.network ?? 1),
        compute: typeof polls === 'number' ? polls : (polls?.compute ?? 0),
      },
      lroRetryAfterSeconds: options.lroRetryAfterSeconds ?? 0,
      lroAutoCompleteMs: options.lroAutoCompleteMs ?? 10_000,
      pageSize: options.pageSize ?? 100,
      latencyMs: options.latencyMs ?? 0,
    };
    const tls = emulatorTls();
    this.caCertPath = tls.caCertPath;
    this.caCert = tls.caCert;
    this.server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'EmulatorBug', message: String(error) } }));
      });
    });
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `https://127.0.0.1:${this.port}`;
  }

  clearLog(): void {
    this.log.length = 0;
  }

  requests(filter: { method?: string; pathIncludes?: string } = {}): RequestLogEntry[] {
    return this.log.filter(
      (entry) =>
        (filter.method === undefined || same(entry.method, filter.method)) &&
        (filter.pathIncludes === undefined ||
          entry.path.toLowerCase().includes(filter.pathIncludes.toLowerCase())),
    );
  }

  settle(): number {
    let count = 0;
    for (const op of this.operations.values()) {
      if (op.status === 'InProgress') {
        this.complete(op);
        count += 1;
      }
    }
    return count;
  }

  pendingOperations(): number {
    return [...this.operations.values()].filter((op) => op.status === 'InProgress').length;
  }

  async close(): Promise<void> {
    for (const op of this.operations.values()) clearTimeout(op.timer);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---- request pipeline ------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname
      .split('/')
      .map((segment) => {
        try {
          return decodeURIComponent(segment);
        } catch {
          return segment;
        }
      })
      .join('/');
    const text = await readBody(req);
    const entry: RequestLogEntry = {
      method,
      path,
      apiVersion: url.searchParams.get('api-version') ?? undefined,
      query: Object.fromEntries(url.searchParams.entries()),
      status: 0,
      timestamp: started,
      durationMs: 0,
      caller: undefined,
      body: undefined,
      errorCode: undefined,
      fault: undefined,
      operationId: undefined,
      userAgent: req.headers['user-agent'],
    };
    let reply: Reply;
    try {
      let body: unknown;
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          throw new ArmError(
            400,
            'InvalidRequestContent',
            'The request content was invalid and could not be deserialized.',
          );
        }
      }
      entry.body = body;
      const claims = this.authenticate(req.headers.authorization);
      entry.caller = callerOf(claims);
      const context: RequestContext = {
        method,
        path,
        url,
        apiVersion: entry.apiVersion,
        body,
        claims,
        headers: req.headers,
        entry,
      };
      const fault = this.faults.take(method, path, false);
      if (fault) {
        entry.fault = fault.id;
        if (fault.delayMs) await sleep(fault.delayMs);
        throw this.faultError(fault, context);
      }
      if (!entry.apiVersion) {
        throw new ArmError(
          400,
          'MissingApiVersionParameter',
          'The api-version query parameter (?api-version=) is required for all requests.',
        );
      }
      reply = this.route(context);
    } catch (error) {
      if (!(error instanceof ArmError)) throw error;
      reply = { status: error.status, body: error.toBody(), headers: error.headers };
      entry.errorCode = error.code;
    }
    if (this.options.latencyMs > 0) await sleep(this.options.latencyMs);
    const requestId = randomUUID();
    const headers: Record<string, string> = {
      'cache-control': 'no-cache',
      pragma: 'no-cache',
      expires: '-1',
      'x-ms-request-id': requestId,
      'x-ms-correlation-request-id': requestId,
      'x-ms-routing-request-id': `LOCAL:${new Date().toISOString()}:${requestId}`,
      ...(typeof req.headers['x-ms-client-request-id'] === 'string'
        ? { 'x-ms-client-request-id': req.headers['x-ms-client-request-id'] }
        : {}),
      ...reply.headers,
    };
    let payload = '';
    if (reply.body !== undefined) {
      payload = JSON.stringify(reply.body);
      headers['content-type'] = 'application/json; charset=utf-8';
    }
    headers['content-length'] = String(Buffer.byteLength(payload));
    entry.status = reply.status;
    entry.durationMs = Date.now() - started;
    this.log.push(entry);
    res.writeHead(reply.status, headers);
    res.end(payload);
  }

  /** ARM checks the bearer token before anything else: 401 without one, or with an expired one. */
  private authenticate(header: string | undefined): TokenClaims {
    const challenge = (description: string) => ({
      'www-authenticate': `Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="${description}"`,
    });
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match?.[1]) {
      throw new ArmError(
        401,
        'AuthenticationFailed',
        "Authentication failed. The 'Authorization' header is missing.",
        {
          headers: challenge("The authentication failed because of missing 'Authorization' header."),
        },
      );
    }
    const claims = readToken(match[1]);
    if (!claims) {
      throw new ArmError(401, 'InvalidAuthenticationToken', 'The access token is invalid.', {
        headers: challenge('The access token is invalid.'),
      });
    }
    if (typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now()) {
      throw new ArmError(
        401,
        'ExpiredAuthenticationToken',
        `The access token expiry UTC time '${new Date(claims.exp * 1000).toUTCString()}' is earlier than current UTC time '${new Date().toUTCString()}'.`,
        { headers: challenge('The access token expiry UTC time is earlier than current UTC time.') },
      );
    }
    return claims;
  }

  private faultContext(context: RequestContext): FaultContext {
    return {
      method: context.method,
      path: context.path,
      ...(context.entry.caller ? { caller: context.entry.caller } : {}),
      ...(typeof context.claims?.oid === 'string' ? { callerObjectId: context.claims.oid } : {}),
    };
  }

  private faultError(fault: Fault, context: RequestContext): ArmError {
    const message =
      typeof fault.message === 'function'
        ? fault.message(this.faultContext(context))
        : (fault.message ?? `Injected fault ${fault.id} (HTTP ${fault.status}).`);
    const headers: Record<string, string> = { ...fault.headers };
    if (fault.retryAfterMs !== undefined) {
      headers['retry-after-ms'] = String(fault.retryAfterMs);
      headers['x-ms-retry-after-ms'] = String(fault.retryAfterMs);
    }
    if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
    return new ArmError(fault.status, fault.code ?? defaultErrorCode(fault.status), message, { headers });
  }

  // ---- routing ---------------------------------------------------------------------------------

  private route(ctx: RequestContext): Reply {
    const extension = this.routeExtension(ctx);
    if (extension) return extension;
    const lock = this.state.lockBlocking(ctx.path, ctx.method);
    if (lock) throw scopeLocked(ctx.path, ctx.method, lock.scope);
    const segments = ctx.path.split('/').filter(Boolean);
    const lower = segments.map((s) => s.toLowerCase());
    const { method } = ctx;
    if (lower[0] !== 'subscriptions') throw notEmulated(method, ctx.path);
    const sub = segments[1];
    if (sub === undefined) {
      if (method !== 'GET') throw notEmulated(method, ctx.path);
      return this.page(
        ctx,
        this.state.listSubscriptions().map((s) => this.subscriptionJson(s.subscriptionId)),
      );
    }
    if (!this.state.getSubscription(sub)) throw subscriptionNotFound(sub);
    const rest = segments.slice(2);
    const restLower = lower.slice(2);
    if (rest.length === 0) {
      if (method !== 'GET') throw notEmulated(method, ctx.path);
      return { status: 200, body: this.subscriptionJson(sub) };
    }
    if (restLower[0] === 'providers') {
      // /subscriptions/{sub}/providers/{ns}/locations/{loc}/operations|operationResults/{id}
      if (restLower[2] === 'locations' && rest.length === 6 && method === 'GET') {
        if (restLower[4] === 'operations') return this.operationStatus(ctx, rest[5] ?? '');
        if (restLower[4] === 'operationresults') return this.operationResult(ctx, rest[5] ?? '');
      }
      if (rest.length === 3 && method === 'GET') {
        const kind = KINDS[`${restLower[1]}/${restLower[2]}`];
        if (kind) return this.page(ctx, this.state.list(kind, sub));
      }
      throw notEmulated(method, ctx.path);
    }
    if (restLower[0] !== 'resourcegroups') throw notEmulated(method, ctx.path);
    const rg = rest[1];
    if (rg === undefined) {
      if (method !== 'GET') throw notEmulated(method, ctx.path);
      return this.page(
        ctx,
        this.state.listResourceGroups(sub).map((g) => this.groupJson(g.id)),
      );
    }
    const group = this.state.getResourceGroup(sub, rg);
    if (!group) throw resourceGroupNotFound(rg);
    if (rest.length === 2) {
      if (method !== 'GET') throw notEmulated(method, ctx.path);
      return { status: 200, body: this.groupJson(group.id) };
    }
    if (restLower[2] !== 'providers' || rest.length < 5) throw notEmulated(method, ctx.path);
    const kind = KINDS[`${restLower[3]}/${restLower[4]}`];
    if (!kind) throw notEmulated(method, ctx.path);
    const name = rest[5];
    if (name === undefined) {
      if (method !== 'GET') throw notEmulated(method, ctx.path);
      return this.page(ctx, this.state.list(kind, sub, rg));
    }
    const id = resourceId(sub, group.name, kind, name);
    const stored = this.state.raw(id);
    if (kind === 'fw' && rest.length === 6 && method === 'PUT') return this.putFirewall(ctx, stored, sub, group.name, name);
    if (kind === 'fwp' && restLower[6] === 'rulecollectiongroups' && stored && rest.length <= 8) {
      return this.ruleCollectionGroups(ctx, stored, rest[7]);
    }
    if (rest.length === 6) {
      if (method === 'GET') {
        if (!stored) throw resourceNotFound(TYPES[kind], name, rg);
        return { status: 200, body: this.state.view(stored) };
      }
      if (method === 'PATCH' && kind === 'vm') return this.patchVm(ctx, stored, name, rg);
      throw notEmulated(method, ctx.path);
    }
    if (!stored) throw resourceNotFound(TYPES[kind], name, rg);
    const child = restLower[6];
    const childName = rest[7];
    if (rest.length > 8) throw notEmulated(method, ctx.path);
    if (kind === 'nsg' && child === 'securityrules') {
      if (childName === undefined) {
        if (method !== 'GET') throw notEmulated(method, ctx.path);
        return this.page(ctx, this.state.view(stored).properties.securityRules as unknown[]);
      }
      if (method === 'GET') return this.getRule(stored, childName);
      if (method === 'PUT') return this.putRule(ctx, stored, childName);
      if (method === 'DELETE') return this.deleteRule(ctx, stored, childName);
      throw notEmulated(method, ctx.path);
    }
    if (method !== 'GET') throw notEmulated(method, ctx.path);
    const view = this.state.view(stored);
    const children =
      kind === 'nsg' && child === 'defaultsecurityrules'
        ? (view.properties.defaultSecurityRules as Json[])
        : kind === 'vnet' && child === 'subnets'
          ? (view.properties.subnets as Json[])
          : kind === 'nic' && child === 'ipconfigurations'
            ? (view.properties.ipConfigurations as Json[])
            : kind === 'rt' && child === 'routes'
              ? (view.properties.routes as Json[])
              : undefined;
    if (!children) throw notEmulated(method, ctx.path);
    if (childName === undefined) return this.page(ctx, children);
    const found = children.find((c) => same(c.name as string, childName));
    if (!found) throw childNotFound(`${stored.id}/${rest[6]}/${childName}`);
    return { status: 200, body: found };
  }

  // ---- extension resources: management locks and the tags API ----------------------------------

  /**
   * `{scope}/providers/Microsoft.Authorization/locks` (GET, list) and
   * `{scope}/providers/Microsoft.Resources/tags/default` (GET, PATCH) on a subscription, resource group
   * or resource; undefined for any other path.
   */
  private routeExtension(ctx: RequestContext): Reply | undefined {
    const locks = /^(\/subscriptions\/.+?)\/providers\/Microsoft\.Authorization\/locks\/?$/i.exec(ctx.path);
    if (locks) {
      if (ctx.method !== 'GET') throw notEmulated(ctx.method, ctx.path);
      const scope = locks[1] ?? '';
      const filter = ctx.url.searchParams.get('$filter') ?? '';
      const found = this.state.locksAt(scope, /^\s*atScope\(\)\s*$/i.test(filter));
      return this.page(
        ctx,
        found.map((lock) => ({
          id: lock.id,
          type: 'Microsoft.Authorization/locks',
          name: lock.name,
          properties: { level: lock.level, ...(lock.notes !== undefined ? { notes: lock.notes } : {}) },
        })),
      );
    }
    const tags = /^(\/subscriptions\/.+?)\/providers\/Microsoft\.Resources\/tags\/default\/?$/i.exec(ctx.path);
    if (!tags) return undefined;
    const scope = tags[1] ?? '';
    const resource = this.state.raw(scope);
    const parsed = /\/resourceGroups\/([^/]+)\/providers\/(.+)\/([^/]+)$/i.exec(scope);
    if (!resource) throw resourceNotFound(parsed?.[2] ?? 'resource', parsed?.[3] ?? scope, parsed?.[1] ?? '');
    const body = (): Reply => ({
      status: 200,
      body: {
        id: `${resource.id}/providers/Microsoft.Resources/tags/default`,
        name: 'default',
        type: 'Microsoft.Resources/tags',
        properties: { tags: { ...(resource.tags ?? {}) } },
      },
    });
    if (ctx.method === 'GET') return body();
    if (ctx.method !== 'PATCH') throw notEmulated(ctx.method, ctx.path);
    const lock = this.state.lockBlocking(scope, 'PATCH');
    if (lock) throw scopeLocked(scope, 'PATCH', lock.scope);
    resource.tags = patchTags(resource.tags ?? {}, ctx.body);
    if (resource.etag !== undefined) resource.etag = newEtag();
    return body();
  }

  /** A list answer with ARM's `nextLink` paging (`$skiptoken` is the offset here). */
  private page(ctx: RequestContext, items: unknown[]): Reply {
    const skip = Number(ctx.url.searchParams.get('$skiptoken') ?? '0') || 0;
    const size = Math.max(1, this.options.pageSize);
    const body: Json = { value: items.slice(skip, skip + size) };
    if (skip + size < items.length) {
      const next = new URL(ctx.url.pathname, this.url);
      for (const [key, value] of ctx.url.searchParams)
        if (key !== '$skiptoken') next.searchParams.set(key, value);
      next.searchParams.set('$skiptoken', String(skip + size));
      body.nextLink = next.toString();
    }
    return { status: 200, body };
  }

  private subscriptionJson(subscriptionId: string): Json {
    const sub = this.state.getSubscription(subscriptionId);
    return {
      id: `/subscriptions/${sub?.subscriptionId ?? subscriptionId}`,
      subscriptionId: sub?.subscriptionId ?? subscriptionId,
      tenantId: sub?.tenantId,
      displayName: sub?.displayName,
      state: 'Enabled',
      subscriptionPolicies: {
        locationPlacementId: 'Public_2014-09-01',
        quotaId: 'PayAsYouGo_2014-09-01',
        spendingLimit: 'Off',
      },
      authorizationSource: 'RoleBased',
    };
  }

  private groupJson(id: string): Json {
    const [, , sub = '', , rg = ''] = id.split('/');
    const group = this.state.getResourceGroup(sub, rg);
    return {
      id: group?.id ?? id,
      name: group?.name ?? rg,
      type: 'Microsoft.Resources/resourceGroups',
      location: group?.location,
      ...(group?.tags ? { tags: group.tags } : {}),
      properties: { provisioningState: 'Succeeded' },
    };
  }

  // ---- security rules --------------------------------------------------------------------------

  private findRule(nsg: ArmResource, name: string): { rules: ArmSecurityRule[]; index: number } {
    const rules = this.state.rawRules(nsg);
    return { rules, index: rules.findIndex((r) => same(r.name, name)) };
  }

  private getRule(nsg: ArmResource, name: string): Reply {
    const rule = (this.state.view(nsg).properties.securityRules as ArmSecurityRule[]).find((r) =>
      same(r.name, name),
    );
    if (!rule) throw childNotFound(`${nsg.id}/securityRules/${name}`);
    return { status: 200, body: rule };
  }

  /** If-Match / If-None-Match against the NSG's etag (which every rule in it carries). */
  private checkPreconditions(ctx: RequestContext, exists: boolean, etag: string | undefined): void {
    const ifMatch = ctx.headers['if-match'];
    const ifNoneMatch = ctx.headers['if-none-match'];
    const failed = new ArmError(
      412,
      'PreconditionFailed',
      'The condition specified using HTTP conditional header(s) is not met.',
    );
    if (typeof ifMatch === 'string' && ifMatch !== '') {
      if (!exists) throw failed;
      if (ifMatch !== '*' && ifMatch !== etag) throw failed;
    }
    if (typeof ifNoneMatch === 'string' && ifNoneMatch === '*' && exists) throw failed;
  }

  private putRule(ctx: RequestContext, nsg: ArmResource, urlName: string): Reply {
    const body = ctx.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new ArmError(400, 'InvalidRequestFormat', 'Cannot parse the request.', { details: [] });
    }
    const { rules, index } = this.findRule(nsg, urlName);
    const existing = rules[index];
    this.checkPreconditions(ctx, existing !== undefined, nsg.etag);
    const name = existing?.name ?? urlName;
    const props = ((body as Json).properties ?? {}) as RuleProperties;
    const id = `${nsg.id}/securityRules/${name}`;
    const error = validateRule(id, name, props, rules);
    if (error) throw error;
    const rule = this.state.makeRule(nsg.id, name, props);
    rule.properties.provisioningState = 'Updating';
    if (existing) rules[index] = rule;
    else rules.push(rule);
    this.touchNsg(nsg, 'Updating');
    const op = this.startOperation(ctx, 'network', {
      onSuccess: () => {
        rule.properties.provisioningState = 'Succeeded';
        this.touchNsg(nsg);
      },
      onFailure: () => {
        rule.properties.provisioningState = 'Failed';
        this.touchNsg(nsg);
      },
      onCancel: () => {
        const at = rules.indexOf(rule);
        if (at >= 0) {
          if (existing) rules[at] = existing;
          else rules.splice(at, 1);
        }
        this.touchNsg(nsg);
      },
    });
    const view = (this.state.view(nsg).properties.securityRules as ArmSecurityRule[]).find((r) =>
      same(r.name, name),
    );
    return {
      status: existing ? 200 : 201,
      body: view,
      headers: this.lroHeaders(ctx, op, 'network', nsg.location ?? 'westeurope', false),
    };
  }

  private deleteRule(ctx: RequestContext, nsg: ArmResource, name: string): Reply {
    const { rules, index } = this.findRule(nsg, name);
    const existing = rules[index];
    this.checkPreconditions(ctx, existing !== undefined, nsg.etag);
    // Deleting what isn't there succeeds at once (REST spec: 204 "Resource does not exist").
    if (!existing) return { status: 204 };
    existing.properties.provisioningState = 'Deleting';
    this.touchNsg(nsg, 'Updating');
    const op = this.startOperation(ctx, 'network', {
      onSuccess: () => {
        const at = rules.indexOf(existing);
        if (at >= 0) rules.splice(at, 1);
        this.touchNsg(nsg);
      },
      onFailure: () => {
        existing.properties.provisioningState = 'Failed';
        this.touchNsg(nsg);
      },
      onCancel: () => {
        existing.properties.provisioningState = 'Succeeded';
        this.touchNsg(nsg);
      },
    });
    return { status: 202, headers: this.lroHeaders(ctx, op, 'network', nsg.location ?? 'westeurope', true) };
  }

  /** A new etag for the NSG (and so for all its rules); `Succeeded` again once no rule is mid-operation. */
  private touchNsg(nsg: ArmResource, state?: 'Updating'): void {
    nsg.etag = newEtag();
    const busy = this.state
      .rawRules(nsg)
      .some(
        (r) => r.properties.provisioningState === 'Updating' || r.properties.provisioningState === 'Deleting',
      );
    nsg.properties.provisioningState = state ?? (busy ? 'Updating' : 'Succeeded');
  }

  // ---- Azure Firewalls and Firewall Policies (firewalls.ts) --------------------------------------

  /** Parallel updates of one firewall (or policy) are refused while one runs (SPEC.md §Azure Firewall). */
  private requireIdle(resourceId: string): void {
    const running = this.busy.get(resourceId.toLowerCase());
    if (running?.status !== 'InProgress') return;
    throw new ArmError(
      409,
      'AnotherOperationInProgress',
      `Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: ${this.url}/operations/${running.id}.`,
    );
  }

  /** A whole-firewall PUT: replaces every collection; a long-running operation; If-Match on the firewall's etag. */
  private putFirewall(
    ctx: RequestContext,
    stored: ArmResource | undefined,
    sub: string,
    rg: string,
    name: string,
  ): Reply {
    const body = ctx.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new ArmError(400, 'InvalidRequestFormat', 'Cannot parse the request.', { details: [] });
    }
    const id = resourceId(sub, rg, 'fw', name);
    this.checkPreconditions(ctx, stored !== undefined, stored?.etag);
    this.requireIdle(id);
    const given = ((body as Json).properties ?? {}) as Json;
    const { provisioningState: _p, ...properties } = given;
    const error = validateFirewall(id, properties);
    if (error) throw error;
    // The RP fills in what a client cannot set (SDK model AzureFirewallIPConfiguration: privateIPAddress
    // and type are read-only): the address allocated in AzureFirewallSubnet stays with its configuration.
    const previousConfigs = ((stored?.properties.ipConfigurations as Json[] | undefined) ?? []);
    properties.ipConfigurations = ((properties.ipConfigurations as Json[] | undefined) ?? []).map((config) => {
      const known = previousConfigs.find((c) => same(c.name as string, String(config.name)));
      const knownProps = (known?.properties ?? {}) as Json;
      return {
        ...config,
        id: `${id}/azureFirewallIpConfigurations/${String(config.name)}`,
        type: 'Microsoft.Network/azureFirewalls/azureFirewallIpConfigurations',
        properties: {
          ...((config.properties ?? {}) as Json),
          ...(knownProps.privateIPAddress ? { privateIPAddress: knownProps.privateIPAddress } : {}),
          provisioningState: 'Succeeded',
        },
      };
    });
    const resource: ArmResource = {
      ...(stored ?? {}),
      id,
      name: stored?.name ?? name,
      type: TYPES.fw,
      location: typeof (body as Json).location === 'string' ? ((body as Json).location as string) : (stored?.location ?? 'westeurope'),
      ...((body as Json).tags ? { tags: (body as Json).tags as Record<string, string> } : {}),
      etag: newEtag(),
      properties: { ...properties, provisioningState: 'Updating' },
    };
    const previous = stored ? structuredClone(stored) : undefined;
    this.state.put(resource);
    const live = this.state.raw(id)!;
    live.etag = resource.etag;
    const op = this.startOperation(ctx, 'network', {
      onSuccess: () => {
        live.properties.provisioningState = 'Succeeded';
      },
      onFailure: () => {
        live.properties.provisioningState = 'Failed';
      },
      onCancel: () => {
        if (previous) this.state.put(previous);
        else this.state.delete(id);
      },
    });
    this.busy.set(id.toLowerCase(), op);
    return {
      status: stored ? 200 : 201,
      body: this.state.view(live),
      headers: this.lroHeaders(ctx, op, 'network', live.location ?? 'westeurope', false),
    };
  }

  /** `…/firewallPolicies/{p}/ruleCollectionGroups[/{g}]`: list, GET, PUT and DELETE (both long-running). */
  private ruleCollectionGroups(ctx: RequestContext, policy: ArmResource, name: string | undefined): Reply {
    const groups = this.state.rawRuleCollectionGroups(policy);
    if (name === undefined) {
      if (ctx.method !== 'GET') throw notEmulated(ctx.method, ctx.path);
      return this.page(ctx, structuredClone(groups));
    }
    const index = groups.findIndex((g) => same(g.name as string, name));
    const existing = groups[index];
    const id = `${policy.id}/ruleCollectionGroups/${(existing?.name as string | undefined) ?? name}`;
    if (ctx.method === 'GET') {
      if (!existing) throw childNotFound(id);
      return { status: 200, body: structuredClone(existing) };
    }
    this.checkPreconditions(ctx, existing !== undefined, existing?.etag as string | undefined);
    if (ctx.method === 'DELETE') {
      if (!existing) return { status: 204 };
      this.requireIdle(policy.id);
      (existing.properties as Json).provisioningState = 'Deleting';
      const op = this.startOperation(ctx, 'network', {
        onSuccess: () => {
          const at = groups.indexOf(existing);
          if (at >= 0) groups.splice(at, 1);
          policy.etag = newEtag();
        },
        onFailure: () => {
          (existing.properties as Json).provisioningState = 'Failed';
        },
        onCancel: () => {
          (existing.properties as Json).provisioningState = 'Succeeded';
        },
      });
      this.busy.set(policy.id.toLowerCase(), op);
      return { status: 202, headers: this.lroHeaders(ctx, op, 'network', policy.location ?? 'westeurope', true) };
    }
    if (ctx.method !== 'PUT') throw notEmulated(ctx.method, ctx.path);
    const body = ctx.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new ArmError(400, 'InvalidRequestFormat', 'Cannot parse the request.', { details: [] });
    }
    this.requireIdle(policy.id);
    const { provisioningState: _p, ...properties } = ((body as Json).properties ?? {}) as Json;
    const siblings = groups.filter((g) => g !== existing);
    const error = validateRuleCollectionGroup(id, properties, siblings);
    if (error) throw error;
    const group = groupResource(policy.id, (existing?.name as string | undefined) ?? name, properties, newEtag());
    (group.properties as Json).provisioningState = 'Updating';
    if (existing) groups[index] = group;
    else groups.push(group);
    policy.etag = newEtag();
    const op = this.startOperation(ctx, 'network', {
      onSuccess: () => {
        (group.properties as Json).provisioningState = 'Succeeded';
      },
      onFailure: () => {
        (group.properties as Json).provisioningState = 'Failed';
      },
      onCancel: () => {
        const at = groups.indexOf(group);
        if (at >= 0) {
          if (existing) groups[at] = existing;
          else groups.splice(at, 1);
        }
      },
    });
    this.busy.set(policy.id.toLowerCase(), op);
    return {
      status: existing ? 200 : 201,
      body: structuredClone(group),
      headers: this.lroHeaders(ctx, op, 'network', policy.location ?? 'westeurope', false),
    };
  }

  // ---- virtual machines ------------------------------------------------------------------------

  private patchVm(ctx: RequestContext, vm: ArmResource | undefined, name: string, rg: string): Reply {
    if (!vm) throw resourceNotFound(TYPES.vm, name, rg);
    const body = ctx.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new ArmError(
        400,
        'InvalidRequestContent',
        'The request content was invalid and could not be deserialized.',
      );
    }
    const patch = body as Json;
    this.checkPreconditions(ctx, true, typeof vm.etag === 'string' ? vm.etag : undefined);
    if (patch.tags !== undefined) {
      const tagError = validateTags(patch.tags);
      if (tagError) throw tagError;
    }
    // ARM PATCH: `tags` replaces the whole tag set; properties merge.
    if (patch.tags !== undefined) vm.tags = { ...(patch.tags as Record<string, string>) };
    if (patch.properties && typeof patch.properties === 'object') {
      const { provisioningState: _p, vmId: _v, ...rest } = patch.properties as Json;
      deepMerge(vm.properties, rest);
    }
    vm.properties.provisioningState = 'Updating';
    const op = this.startOperation(ctx, 'compute', {
      onSuccess: () => {
        vm.properties.provisioningState = 'Succeeded';
      },
      onFailure: () => {
        vm.properties.provisioningState = 'Failed';
      },
      onCancel: () => {
        vm.properties.provisioningState = 'Succeeded';
      },
    });
    return {
      status: 200,
      body: this.state.view(vm),
      headers: this.lroHeaders(ctx, op, 'compute', vm.location ?? 'westeurope', false),
    };
  }

  // ---- long-running operations -----------------------------------------------------------------

  private startOperation(
    ctx: RequestContext,
    provider: 'network' | 'compute',
    callbacks: { onSuccess: () => void; onFailure: () => void; onCancel: () => void },
  ): Operation {
    const op: Operation = {
      id: randomUUID(),
      provider,
      pollsLeft: this.options.lroPolls[provider],
      status: 'InProgress',
      startTime: new Date().toISOString(),
      ...callbacks,
    };
    const fault = this.faults.take(ctx.method, ctx.path, true);
    if (fault) {
      ctx.entry.fault = fault.id;
      const error = this.faultError(fault, ctx);
      op.error = { code: error.code, message: error.message };
      op.outcome = fault.asyncStatus ?? 'Failed';
    }
    if (this.options.lroAutoCompleteMs > 0) {
      op.timer = setTimeout(() => this.complete(op), this.options.lroAutoCompleteMs);
      op.timer.unref();
    }
    this.operations.set(op.id, op);
    ctx.entry.operationId = op.id;
    return op;
  }

  private complete(op: Operation): void {
    if (op.status !== 'InProgress') return;
    clearTimeout(op.timer);
    op.endTime = new Date().toISOString();
    if (op.error && op.outcome === 'Canceled') {
      op.status = 'Canceled';
      op.onCancel();
    } else if (op.error) {
      op.status = 'Failed';
      op.onFailure();
    } else {
      op.status = 'Succeeded';
      op.onSuccess();
    }
  }

  private lroHeaders(
    ctx: RequestContext,
    op: Operation,
    provider: 'network' | 'compute',
    location: string,
    withLocation: boolean,
  ): Record<string, string> {
    const sub = ctx.path.split('/')[2] ?? '';
    const namespace = provider === 'network' ? 'Microsoft.Network' : 'Microsoft.Compute';
    const base = `${this.url}/subscriptions/${sub}/providers/${namespace}/locations/${location}`;
    const apiVersion = encodeURIComponent(ctx.apiVersion ?? '');
    // Compute's operation URLs carry an opaque `p` parameter before the api-version.
    const query =
      provider === 'compute' ? `?p=${randomUUID()}&api-version=${apiVersion}` : `?api-version=${apiVersion}`;
    return {
      'azure-asyncoperation': `${base}/operations/${op.id}${query}`,
      ...(withLocation ? { location: `${base}/operationResults/${op.id}${query}` } : {}),
      'retry-after': String(this.options.lroRetryAfterSeconds),
    };
  }

  private findOperation(ctx: RequestContext, id: string): Operation {
    const op = this.operations.get(id);
    const namespace = ctx.path.split('/')[4] ?? '';
    if (!op || !same(namespace, op.provider === 'network' ? 'Microsoft.Network' : 'Microsoft.Compute')) {
      throw new ArmError(404, 'NotFound', `The operation '${id}' could not be found.`);
    }
    ctx.entry.operationId = op.id;
    return op;
  }

  private operationStatus(ctx: RequestContext, id: string): Reply {
    const op = this.findOperation(ctx, id);
    if (op.status === 'InProgress') {
      if (op.pollsLeft > 0) op.pollsLeft -= 1;
      else this.complete(op);
    }
    const error = op.error ? { error: { ...op.error, details: [] } } : {};
    const ended = op.status === 'Failed' || op.status === 'Canceled';
    const body =
      op.provider === 'network'
        ? { status: op.status, ...(ended ? error : {}) }
        : {
            startTime: op.startTime,
            ...(op.endTime ? { endTime: op.endTime } : {}),
            status: op.status,
            ...(ended ? error : {}),
            name: op.id,
          };
    return {
      status: 200,
      body,
      headers: op.status === 'InProgress' ? { 'retry-after': String(this.options.lroRetryAfterSeconds) } : {},
    };
  }

  /** The `Location` URL of a DELETE: 202 while running, 204 once done (never polled by the SDK's default mode). */
  private operationResult(ctx: RequestContext, id: string): Reply {
    const op = this.findOperation(ctx, id);
    if (op.status === 'InProgress') {
      return {
        status: 202,
        headers: {
          location: `${this.url}${ctx.url.pathname}${ctx.url.search}`,
          'retry-after': String(this.options.lroRetryAfterSeconds),
        },
      };
    }
    if ((op.status === 'Failed' || op.status === 'Canceled') && op.error) {
      throw new ArmError(op.status === 'Canceled' ? 409 : 400, op.error.code, op.error.message);
    }
    return { status: 204 };
  }
}

/** Starts an emulator on 127.0.0.1 (a random port unless `options.port`). Close it in afterAll. */
export async function startArmEmulator(options: ArmEmulatorOptions = {}): Promise<ArmEmulator> {
  const emulator = new Emulator(options);
  await emulator.listen(options.port ?? 0);
  return emulator;
}

// One import for tests: the seeding helpers, the client options and the token helpers.
export { armSubprocessEnv, fakeAzEnv } from './client-options.js';
export { classicDnatRule, defaultRouteTo, type SeededFirewall, type SeededVm, seedFirewall, seedLinuxVm } from './seed.js';
export { DEFAULT_SUBSCRIPTION_ID } from './token.js';
export { resourceId };
