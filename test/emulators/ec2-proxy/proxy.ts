/**
 * The EC2 fault proxy: an HTTP pass-through in front of moto that makes it behave like the real,
 * eventually consistent EC2 where moto is strongly consistent, and injects the faults a network
 * causes (a reply lost after EC2 applied the write). Every behaviour and its source is in SPEC.md.
 *
 * It speaks only what the SDK sends: the EC2 Query protocol (POST, form body with `Action=…`),
 * answers errors in EC2's XML error shape, and forwards everything else (STS too) untouched.
 */
import type http from 'node:http';
import { forward, reply, serveLoopback } from '../../support/pass-through.js';

interface Ec2Error {
  status: number;
  code: string;
  message: string;
}

export interface Ec2FaultProxy {
  /** http://127.0.0.1:<port>, what AWS_ENDPOINT_URL_EC2 / the SDK endpoint points at */
  url: string;
  /**
   * EC2 Query actions seen, in order (Action=… from the form body), with the status the client
   * got: 0 when the reply was lost (loseReplyAfterApply).
   */
  calls: { action: string; status: number }[];
  /**
   * Newly created groups (CreateSecurityGroup) are invisible to Describe* filters and answer
   * InvalidGroup.NotFound to writes naming them for `ms`.
   */
  freshGroupLag(ms: number): void;
  /**
   * DeleteSecurityGroup answers DependencyViolation for `ms` after the group was detached
   * (ModifyInstanceAttribute / ModifyNetworkInterfaceAttribute that drops it).
   */
  dependencyViolationAfterDetach(ms: number): void;
  /**
   * The next `times` matching requests are forwarded to moto (applied!) but the reply is lost:
   * the socket is destroyed, so the SDK retries.
   */
  loseReplyAfterApply(action: string, times?: number): void;
  /**
   * The next `times` matching requests fail with this EC2 error (not forwarded). `nth` = fail
   * only the nth matching call.
   */
  failAction(action: string, error: Ec2Error, options?: { times?: number; nth?: number }): void;
  clear(): void;
  close(): Promise<void>;
}

interface Failure {
  action: string;
  error: Ec2Error;
  /** Matching calls seen since the fault was set. */
  seen: number;
  first: number;
  last: number;
}

interface LostReplies {
  action: string;
  left: number;
}

const GROUP_ID = /^sg-[0-9a-f]+$/;
/** Form keys that name a security group in the calls jit and its tests make. */
const GROUP_KEY = /^(GroupId|SecurityGroupId|ResourceId)(\.\d+)?$/;

// ---- a small reader for the XML moto answers: enough to find and drop whole <item> elements ----

interface Element {
  name: string;
  /** Offsets of the whole element (`<name>` … `</name>`) and of its content. */
  start: number;
  end: number;
  innerStart: number;
  innerEnd: number;
}

const TAG = /<(\/?)([A-Za-z_][\w.-]*)[^>]*?(\/?)>/g;

/** The direct child elements of xml[from, to). */
function children(xml: string, from: number, to: number): Element[] {
  const found: Element[] = [];
  const stack: { name: string; start: number; innerStart: number }[] = [];
  TAG.lastIndex = from;
  for (let match = TAG.exec(xml); match && match.index < to; match = TAG.exec(xml)) {
    const [whole, closing, name, selfClosing] = match as unknown as [string, string, string, string];
    const end = match.index + whole.length;
    if (selfClosing) {
      if (stack.length === 0) found.push({ name, start: match.index, end, innerStart: end, innerEnd: end });
    } else if (!closing) {
      stack.push({ name, start: match.index, innerStart: end });
    } else {
      const open = stack.pop();
      if (open && stack.length === 0) {
        found.push({ name, start: open.start, end, innerStart: open.innerStart, innerEnd: match.index });
      }
    }
  }
  return found;
}

function child(xml: string, parent: Element, name: string): Element | undefined {
  return children(xml, parent.innerStart, parent.innerEnd).find((element) => element.name === name);
}

function text(xml: string, element: Element | undefined): string | undefined {
  return element ? xml.slice(element.innerStart, element.innerEnd) : undefined;
}

/**
 * The response without the <item>s of `container` whose own <groupId> is hidden: a group's rules
 * refer to other groups in nested elements, which must not count.
 */
function withoutGroups(xml: string, container: string, hidden: (groupId: string) => boolean): string {
  const [root] = children(xml, xml.indexOf('<', xml.indexOf('?>') + 2), xml.length);
  const list = root && child(xml, root, container);
  if (!list) return xml;
  const dropped = children(xml, list.innerStart, list.innerEnd).filter(
    (item) => item.name === 'item' && hidden(text(xml, child(xml, item, 'groupId')) ?? ''),
  );
  let result = xml;
  for (const item of dropped.reverse()) result = result.slice(0, item.start) + result.slice(item.end);
  return result;
}

/** Every security group id a response mentions (an instance's or interface's group sets). */
function groupIdsIn(xml: string): Set<string> {
  return new Set([...xml.matchAll(/<groupId>(sg-[0-9a-f]+)<\/groupId>/g)].map((match) => match[1] as string));
}

function errorXml(error: Ec2Error): string {
  // EC2's error envelope (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
  const escape = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>' +
    `<Code>${escape(error.code)}</Code><Message>${escape(error.message)}</Message>` +
    `</Error></Errors><RequestID>ec2-fault-proxy-${Date.now()}</RequestID></Response>`
  );
}

function groupsNamed(params: URLSearchParams): string[] {
  const ids: string[] = [];
  for (const [key, value] of params) if (GROUP_KEY.test(key) && GROUP_ID.test(value)) ids.push(value);
  return ids;
}

export async function startEc2FaultProxy(options: { target: string }): Promise<Ec2FaultProxy> {
  const upstream = new URL(options.target);
  const calls: { action: string; status: number }[] = [];
  let lagMs = 0;
  let dependencyMs = 0;
  /** Group id → when CreateSecurityGroup answered (only while a lag is set). */
  const created = new Map<string, number>();
  /** Group id → when a ModifyInstanceAttribute / ModifyNetworkInterfaceAttribute dropped it. */
  const detached = new Map<string, number>();
  let failures: Failure[] = [];
  let lost: LostReplies[] = [];

  const fresh = (groupId: string) => {
    const at = created.get(groupId);
    return at !== undefined && Date.now() - at < lagMs;
  };

  /** The groups attached now, read from moto with the caller's own headers (its account and region). */
  const attachedNow = async (
    req: http.IncomingMessage,
    action: string,
    params: URLSearchParams,
  ): Promise<Set<string>> => {
    const query: Record<string, string> =
      action === 'ModifyInstanceAttribute'
        ? { Action: 'DescribeInstances', 'InstanceId.1': params.get('InstanceId') ?? '' }
        : { Action: 'DescribeNetworkInterfaces', 'NetworkInterfaceId.1': params.get('NetworkInterfaceId') ?? '' };
    const version = params.get('Version') ?? '2016-11-15';
    const answer = await forward(upstream, req, new URLSearchParams({ ...query, Version: version }).toString());
    return answer.status === 200 ? groupIdsIn(answer.body.toString()) : new Set();
  };

  const respond = (
    res: http.ServerResponse,
    action: string,
    status: number,
    headers: http.OutgoingHttpHeaders,
    body: string | Buffer,
  ) => {
    calls.push({ action, status });
    reply(res, status, headers, body);
  };

  const fail = (res: http.ServerResponse, action: string, error: Ec2Error) =>
    respond(res, action, error.status, { 'content-type': 'text/xml;charset=UTF-8' }, errorXml(error));

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => {
    const params = new URLSearchParams(body.toString());
    const action = params.get('Action') ?? `${req.method} ${req.url}`;

    for (const failure of failures) {
      if (failure.action !== action) continue;
      failure.seen += 1;
      if (failure.seen >= failure.first && failure.seen <= failure.last) return fail(res, action, failure.error);
    }

    const named = groupsNamed(params);
    const hiddenNamed = named.find(fresh);
    if (hiddenNamed) {
      return fail(res, action, { status: 400, code: 'InvalidGroup.NotFound', message: `The security group '${hiddenNamed}' does not exist` });
    }
    if (action === 'DeleteSecurityGroup' && dependencyMs > 0) {
      const groupId = params.get('GroupId') ?? '';
      const at = detached.get(groupId);
      if (at !== undefined && Date.now() - at < dependencyMs) {
        return fail(res, action, { status: 400, code: 'DependencyViolation', message: `resource ${groupId} has a dependent object` });
      }
    }

    const modifiesGroups =
      dependencyMs > 0 &&
      (action === 'ModifyInstanceAttribute' || action === 'ModifyNetworkInterfaceAttribute') &&
      named.length > 0;
    const before = modifiesGroups ? await attachedNow(req, action, params) : new Set<string>();

    const answer = await forward(upstream, req, body);
    let payload: string | Buffer = answer.body;
    if (answer.status === 200) {
      if (action === 'CreateSecurityGroup' && lagMs > 0) {
        const id = /<groupId>(sg-[0-9a-f]+)<\/groupId>/.exec(answer.body.toString())?.[1];
        if (id) created.set(id, Date.now());
      }
      if (modifiesGroups) {
        const after = new Set(named);
        for (const id of before) if (!after.has(id)) detached.set(id, Date.now());
      }
      if (action === 'DescribeSecurityGroups' && [...created.keys()].some(fresh)) {
        payload = withoutGroups(answer.body.toString(), 'securityGroupInfo', fresh);
      }
      if (action === 'DescribeSecurityGroupRules' && [...created.keys()].some(fresh)) {
        payload = withoutGroups(answer.body.toString(), 'securityGroupRuleSet', fresh);
      }
    }

    const loss = lost.find((entry) => entry.action === action && entry.left > 0);
    if (loss) {
      loss.left -= 1;
      calls.push({ action, status: 0 });
      req.socket.destroy();
      return;
    }
    respond(res, action, answer.status, answer.headers, payload);
  };

  const server = await serveLoopback(handle);

  return {
    url: server.url,
    calls,
    freshGroupLag: (ms) => {
      lagMs = ms;
    },
    dependencyViolationAfterDetach: (ms) => {
      dependencyMs = ms;
    },
    loseReplyAfterApply: (action, times = 1) => {
      lost.push({ action, left: times });
    },
    failAction: (action, error, { times = 1, nth = 1 } = {}) => {
      failures.push({ action, error, seen: 0, first: nth, last: nth + times - 1 });
    },
    clear: () => {
      lagMs = 0;
      dependencyMs = 0;
      created.clear();
      detached.clear();
      failures = [];
      lost = [];
      calls.length = 0;
    },
    close: () => server.close(),
  };
}
