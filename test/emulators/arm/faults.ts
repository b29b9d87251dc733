// Fault injection: answer matching requests with an error instead of emulating them (throttling, outages,
// a refused write on one NSG), or accept a write and let its long-running operation end in Failed.

export interface FaultContext {
  method: string;
  /** Decoded request path, without the query string. */
  path: string;
  /** UPN or application id from the caller's token. */
  caller?: string;
  /** Object id from the caller's token. */
  callerObjectId?: string;
}

export interface FaultSpec {
  /** HTTP method(s) to match (any when absent). */
  method?: string | string[];
  /** Case-insensitive substring of the decoded path. */
  pathIncludes?: string;
  pathMatches?: RegExp;
  status: number;
  /** ARM error code; a sensible default per status (429 TooManyRequests, 500 InternalServerError, …). */
  code?: string;
  message?: string | ((context: FaultContext) => string);
  /** How many matching requests to fail; unlimited when absent. */
  times?: number;
  /** Sends `retry-after-ms` and `x-ms-retry-after-ms` (what ARM throttling sends, and the SDK honours). */
  retryAfterMs?: number;
  /** Sends `Retry-After` in seconds. */
  retryAfterSeconds?: number;
  headers?: Record<string, string>;
  /**
   * Accept the write (PUT/DELETE of a rule, PATCH of a VM) and fail its long-running operation instead:
   * the operation status answers `Failed` with this fault's code and message.
   */
  asyncFailure?: boolean;
  /**
   * With `asyncFailure`, how the operation ends: `Failed` (default) or `Canceled`, what Azure answers
   * when another write to the same NSG supersedes it (CanceledAndSupersededDueToAnotherOperation,
   * Azure/azure-cli#21156). A cancelled write changes nothing.
   */
  asyncStatus?: 'Failed' | 'Canceled';
  /** Hold the response this long before answering (for client timeouts). */
  delayMs?: number;
}

export interface Fault extends FaultSpec {
  readonly id: string;
  /** How many requests this fault has answered so far. */
  hits: number;
  remove(): void;
}

export interface RefuseWritesOptions {
  /** NSG name (matched as a path segment). */
  nsg: string;
  resourceGroup?: string;
  /** Default 403 AuthorizationFailed, with ARM's message naming the caller, the action and the scope. */
  status?: number;
  code?: string;
  message?: string;
  times?: number;
}

function matchesMethod(spec: FaultSpec, method: string): boolean {
  if (spec.method === undefined) return true;
  const methods = Array.isArray(spec.method) ? spec.method : [spec.method];
  return methods.some((m) => m.toUpperCase() === method.toUpperCase());
}

/** ARM's action name for a write: `Microsoft.Network/networkSecurityGroups/securityRules/write`. */
function actionFor(method: string, path: string): string {
  // The last provider segment: `{nsg}/providers/Microsoft.Authorization/locks` is a locks action.
  const match = /.*\/providers\/(.+)$/i.exec(path);
  const parts = (match?.[1] ?? '').split('/');
  const namespace = parts[0] ?? '';
  const types = parts.slice(1).filter((_, index) => index % 2 === 0);
  const verb =
    method.toUpperCase() === 'DELETE' ? 'delete' : method.toUpperCase() === 'GET' ? 'read' : 'write';
  return [namespace, ...types, verb].join('/');
}

function authorizationFailedMessage(context: FaultContext): string {
  return `The client '${context.caller ?? 'unknown'}' with object id '${context.callerObjectId ?? '00000000-0000-0000-0000-000000000000'}' does not have authorization to perform action '${actionFor(context.method, context.path)}' over scope '${context.path}' or the scope is invalid. If access was recently granted, please refresh your credentials.`;
}

export class FaultRegistry {
  private readonly faults: Fault[] = [];
  private next = 1;

  add(spec: FaultSpec): Fault {
    const fault: Fault = {
      ...spec,
      id: `fault-${this.next++}`,
      hits: 0,
      remove: () => {
        const index = this.faults.indexOf(fault);
        if (index >= 0) this.faults.splice(index, 1);
      },
    };
    this.faults.push(fault);
    return fault;
  }

  /** Refuse every write (PUT, PATCH, DELETE) to one NSG and its rules: 403 AuthorizationFailed by default. */
  refuseWrites(options: RefuseWritesOptions): Fault {
    const group = options.resourceGroup ? `/resourceGroups/${options.resourceGroup}` : '';
    const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return this.add({
      method: ['PUT', 'PATCH', 'DELETE'],
      pathMatches: new RegExp(
        `${literal(group)}/providers/Microsoft\\.Network/networkSecurityGroups/${literal(options.nsg)}(/|$)`,
        'i',
      ),
      status: options.status ?? 403,
      code: options.code ?? 'AuthorizationFailed',
      message: options.message ?? authorizationFailedMessage,
      ...(options.times !== undefined ? { times: options.times } : {}),
    });
  }

  /**
   * Refuse writes (PUT, PATCH) of a VM itself with 403 LinkedAuthorizationFailed: ARM checks a VM write
   * against the resources it links to (its NICs, disks, identities), so an identity allowed to write the
   * VM can still be refused (Azure/azure-cli#28742, Azure/aad-pod-identity#613 for the wording). The
   * VM's extension resources (`…/providers/Microsoft.Resources/tags/default`) are not affected.
   */
  linkedAuthorizationFailed(options: { vm?: string; times?: number } = {}): Fault {
    const vm = options.vm ? options.vm.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : '[^/]+';
    return this.add({
      method: ['PUT', 'PATCH'],
      pathMatches: new RegExp(`/providers/Microsoft\\.Compute/virtualMachines/${vm}/?$`, 'i'),
      status: 403,
      code: 'LinkedAuthorizationFailed',
      message: (context) =>
        `The client '${context.caller ?? 'unknown'}' with object id '${context.callerObjectId ?? '00000000-0000-0000-0000-000000000000'}' has permission to perform action 'Microsoft.Compute/virtualMachines/write' on scope '${context.path}'; however, it does not have permission to perform action 'Microsoft.Network/networkInterfaces/join/action' on the linked scope(s) '${context.path.replace(/\/providers\/Microsoft\.Compute\/virtualMachines\/.*$/i, '')}/providers/Microsoft.Network/networkInterfaces' or the linked scope(s) are invalid.`,
      ...(options.times !== undefined ? { times: options.times } : {}),
    });
  }

  list(): Fault[] {
    return [...this.faults];
  }

  clear(): void {
    this.faults.length = 0;
  }

  /** The first live fault matching a request, counted as hit. */
  take(method: string, path: string, asyncFailure: boolean): Fault | undefined {
    const fault = this.faults.find(
      (f) =>
        Boolean(f.asyncFailure) === asyncFailure &&
        matchesMethod(f, method) &&
        (f.pathIncludes === undefined || path.toLowerCase().includes(f.pathIncludes.toLowerCase())) &&
        (f.pathMatches === undefined || f.pathMatches.test(path)),
    );
    if (!fault) return undefined;
    fault.hits += 1;
    if (fault.times !== undefined && fault.hits >= fault.times) fault.remove();
    return fault;
  }
}
