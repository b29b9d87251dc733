/**
 * The grant ledger's file format: `{"version":1,"grants":[GrantRecord, …]}`.
 *
 * Reading is strict: a file that does not parse, has no version, or holds a grant jit could not
 * act on is `JIT_LEDGER_CORRUPT`, never read as empty — an empty ledger would make jit forget
 * grants whose rules are still open. Writing keeps only the fields of GrantRecord, so nothing else
 * a caller hangs on a record (a client, a credential) can reach the disk.
 */
import { ProviderError } from '../core/errors.js';
import { CLOUDS, PROTOCOLS } from '../core/model.js';
import type { GrantRecord, GrantState } from '../core/ports.js';

const LEDGER_VERSION = 1;

const GRANT_STATES: Record<GrantState, true> = { pending: true, active: true, failed: true, revoked: true };

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isOptionalString = (value: unknown) => value === undefined || typeof value === 'string';
const isTimestamp = (value: unknown) => isText(value) && !Number.isNaN(Date.parse(value));
const isPortRange = (value: unknown) =>
  isObject(value) &&
  Number.isInteger(value.from) &&
  Number.isInteger(value.to) &&
  (PROTOCOLS as readonly unknown[]).includes(value.protocol);

/**
 * One check per GrantRecord field; the mapped type makes a field added to GrantRecord a compile
 * error here until the ledger knows how to check (and therefore store) it.
 */
const FIELD_CHECKS: { [K in keyof Required<GrantRecord>]: (value: unknown) => boolean } = {
  id: isText,
  cloud: (value) => (CLOUDS as readonly unknown[]).includes(value),
  target: (value) => isObject(value) && isText(value.id) && typeof value.name === 'string',
  scope: (value) => isObject(value) && Object.values(value).every((entry) => typeof entry === 'string'),
  ports: (value) => Array.isArray(value) && value.every(isPortRange),
  source: isText,
  requester: (value) => typeof value === 'string',
  justification: isOptionalString,
  createdAt: isTimestamp,
  expiresAt: isTimestamp,
  state: (value) => typeof value === 'string' && Object.hasOwn(GRANT_STATES, value),
  rules: Array.isArray,
  lastError: isOptionalString,
  endpoints: (value) =>
    value === undefined ||
    (Array.isArray(value) &&
      value.every(
        (entry) =>
          isObject(entry) &&
          isText(entry.address) &&
          Number.isInteger(entry.port) &&
          typeof entry.targetAddress === 'string' &&
          Number.isInteger(entry.targetPort) &&
          (PROTOCOLS as readonly unknown[]).includes(entry.protocol) &&
          typeof entry.via === 'string',
      )),
};
const FIELDS = Object.keys(FIELD_CHECKS) as (keyof GrantRecord)[];

function grantProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'is not an object';
  const field = FIELDS.find((name) => !FIELD_CHECKS[name](value[name]));
  return field && `has a missing or malformed "${field}"`;
}

function duplicateId(grants: readonly GrantRecord[]): string | undefined {
  const seen = new Set<string>();
  return grants.find(({ id }) => seen.size === seen.add(id).size)?.id;
}

function corrupt(file: string, problem: string, cause?: unknown): ProviderError {
  return new ProviderError('JIT_LEDGER_CORRUPT', `The grant ledger ${file} ${problem}.`, {
    hint: 'jit leaves it untouched. Repair it, or move it aside to start a new ledger; `jit sweep` still finds expired rules from the cloud side.',
    cause,
  });
}

export function decodeLedger(text: string, file: string): GrantRecord[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw corrupt(file, `is not valid JSON (${(error as Error).message})`, error);
  }
  if (!isObject(data) || !Number.isInteger(data.version)) throw corrupt(file, 'has no format version');
  if ((data.version as number) > LEDGER_VERSION) {
    throw new ProviderError(
      'JIT_LEDGER_VERSION_UNSUPPORTED',
      `The grant ledger ${file} has format version ${data.version}; this jit reads version ${LEDGER_VERSION}.`,
      { hint: 'A newer jit wrote it: upgrade jit-access.' },
    );
  }
  if (data.version !== LEDGER_VERSION) throw corrupt(file, `has unknown format version ${data.version}`);
  if (!Array.isArray(data.grants)) throw corrupt(file, 'has no "grants" list');
  for (const [index, grant] of data.grants.entries()) {
    const problem = grantProblem(grant);
    if (problem) throw corrupt(file, `grant #${index + 1} ${problem}`);
  }
  const grants = data.grants as GrantRecord[];
  const duplicate = duplicateId(grants);
  if (duplicate !== undefined) throw corrupt(file, `holds grant id ${duplicate} twice`);
  return grants;
}

/**
 * The file's text. Refuses (TypeError: a bug in the caller) a list that `decodeLedger` would refuse
 * to read back, so that a bad write cannot lock every later jit out of the ledger.
 */
export function encodeLedger(grants: readonly GrantRecord[]): string {
  const records = grants.map(
    (grant) =>
      Object.fromEntries(
        FIELDS.filter((name) => grant[name] !== undefined).map((name) => [name, grant[name]]),
      ) as unknown as GrantRecord,
  );
  for (const record of records) {
    const problem = grantProblem(record);
    if (problem)
      throw new TypeError(`Grant ${JSON.stringify(record.id)} ${problem}; not written to the ledger.`);
  }
  const duplicate = duplicateId(records);
  if (duplicate !== undefined)
    throw new TypeError(`Grant id ${duplicate} appears twice; not written to the ledger.`);
  return `${JSON.stringify({ version: LEDGER_VERSION, grants: records }, null, 2)}\n`;
}
