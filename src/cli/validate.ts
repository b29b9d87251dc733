/**
 * Flag validation shared by the commands: everything here is pure and runs before any cloud call,
 * so a bad input exits 2 having touched nothing.
 */
import { parseDuration } from '../core/duration.js';
import { UserError } from '../core/errors.js';
import type { PortRange, Protocol } from '../core/model.js';
import { parsePortSpec, parseProtocol } from '../core/port-spec.js';
import { anyPrefixes, type Prefix, parsePrefix } from '../core/prefix.js';

export function portsFlag(value: string | undefined, protocol: string | undefined): PortRange[] | undefined {
  const proto: Protocol = protocol === undefined ? 'tcp' : parseProtocol(protocol, '--protocol');
  return value === undefined ? undefined : parsePortSpec(value, '--port', proto);
}

export function durationFlag(value: string | undefined, flag: string): number | undefined {
  return value === undefined ? undefined : parseDuration(value, flag);
}

/** `any` is the explicit spelling of 0.0.0.0/0 (docs/ip-detection.md: only when the policy allows it). */
export function sourceFlag(value: string | undefined, flag = '--source'): Prefix | undefined {
  if (value === undefined) return undefined;
  return parsePrefix(value.trim().toLowerCase() === 'any' ? '0.0.0.0/0' : value, flag);
}

export function allowSourcesFlag(values: string[] | undefined): Prefix[] | undefined {
  if (values === undefined) return undefined;
  return values.flatMap((value) =>
    value.trim().toLowerCase() === 'any' ? anyPrefixes('--allow-source') : [parsePrefix(value, '--allow-source')],
  );
}

/** The justification is written to the ledger and cloud metadata: one printable line, bounded. */
const MAX_JUSTIFICATION = 200;

export function justificationFlag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '' || text.length > MAX_JUSTIFICATION || /[\u0000-\u001f\u007f]/.test(text)) {
    throw new UserError(
      'JIT_INVALID_JUSTIFICATION',
      `--justification must be one line of 1 to ${MAX_JUSTIFICATION} printable characters.`,
    );
  }
  return text;
}

/** Login names as ssh and the clouds' images accept them. */
export function userFlag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/.test(value)) {
    throw new UserError(
      'JIT_INVALID_USER',
      `--user "${value}" is not a login name: 1-32 letters, digits, '_', '.', '-', starting with a letter or '_'.`,
    );
  }
  return value;
}
