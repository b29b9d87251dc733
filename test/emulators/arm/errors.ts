// ARM's error envelope and the not-found variants. ARM answers a missing *top-level* resource itself with
// ResourceNotFound; a missing *child* (security rule, subnet) is answered by the resource provider as
// NotFound "Resource <id> not found." with `details: []`. Sources: SPEC.md §Errors.

export interface ArmErrorBody {
  code: string;
  message: string;
  details?: ArmErrorBody[];
  target?: string;
}

export class ArmError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  readonly details: ArmErrorBody[] | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { headers?: Record<string, string>; details?: ArmErrorBody[] } = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = options.headers ?? {};
    this.details = options.details;
  }

  toBody(): { error: ArmErrorBody } {
    return {
      error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) },
    };
  }
}

export function subscriptionNotFound(subscriptionId: string): ArmError {
  return new ArmError(
    404,
    'SubscriptionNotFound',
    `The subscription '${subscriptionId}' could not be found.`,
  );
}

export function resourceGroupNotFound(resourceGroup: string): ArmError {
  return new ArmError(404, 'ResourceGroupNotFound', `Resource group '${resourceGroup}' could not be found.`);
}

/** ARM's answer for a missing tracked (top-level) resource, e.g. a VM or an NSG. */
export function resourceNotFound(type: string, name: string, resourceGroup: string): ArmError {
  return new ArmError(
    404,
    'ResourceNotFound',
    `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

/** The Network resource provider's answer for a missing child resource (a security rule, a subnet). */
export function childNotFound(id: string): ArmError {
  return new ArmError(404, 'NotFound', `Resource ${id} not found.`, { details: [] });
}

/**
 * A write under a management lock: 409 ScopeLocked, worded as ARM words it (Azure/azure-cli#20232,
 * Azure-Player/azure.datafactory.devops#183, hashicorp/terraform-provider-azurerm#17478).
 */
export function scopeLocked(path: string, method: string, lockedScope: string): ArmError {
  const operation = method.toUpperCase() === 'DELETE' ? 'delete' : 'write';
  return new ArmError(
    409,
    'ScopeLocked',
    `The scope '${path}' cannot perform ${operation} operation because following scope(s) are locked: '${lockedScope}'. Please remove the lock and try again.`,
  );
}

/** Anything the emulator does not emulate: loud, and 501 so the SDK's retry policy leaves it alone. */
export function notEmulated(method: string, path: string): ArmError {
  return new ArmError(
    501,
    'NotImplementedInEmulator',
    `The ARM emulator does not emulate ${method} ${path}. See test/emulators/arm/SPEC.md.`,
  );
}

const DEFAULT_CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'AuthenticationFailed',
  403: 'AuthorizationFailed',
  404: 'NotFound',
  409: 'Conflict',
  412: 'PreconditionFailed',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

export function defaultErrorCode(status: number): string {
  return DEFAULT_CODES[status] ?? 'Error';
}
