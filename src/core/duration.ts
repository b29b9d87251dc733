/**
 * Durations: `90s`, `15m`, `3h`, `1h30m`, `1d`, and ISO 8601 (`PT3H`, `P1D`, `PT1H30M`).
 * A strict grammar of our own rather than a library: the lenient parsers (ms, parse-duration)
 * accept "1 hour and a bit" or "-1h" and return NaN or a guess, and a firewall tool must refuse
 * what it did not understand. Fractions are refused too: the cloud metadata has whole seconds.
 */
import { UserError } from './errors.js';
import { quoted } from './printable.js';
import type { Seconds } from './model.js';

const MIN_DURATION: Seconds = 1;
/** docs/cli.md, "Policy": a policy allows at most 24 h, so no request may ask for more. */
export const MAX_DURATION: Seconds = 24 * 3600;

const UNIT: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1 };
const COMPACT = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
const ISO = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const DURATION_FORM = 'a duration like 90s, 15m, 3h, 1h30m, 1d or ISO 8601 PT3H, between 1s and 24h';

function sum(match: RegExpMatchArray): Seconds | undefined {
  const [, d, h, m, s] = match;
  if ([d, h, m, s].every((part) => part === undefined)) return undefined;
  return [d, h, m, s].reduce<number>(
    (total, part, i) => total + (part === undefined ? 0 : Number(part) * (Object.values(UNIT)[i] as number)),
    0,
  );
}

/** Parses a duration in seconds; `flag` names the option in the error message. */
export function parseDuration(input: string, flag: string): Seconds {
  const text = input.trim();
  const compact = text.toLowerCase().match(COMPACT);
  const iso = text.toUpperCase().match(ISO);
  const seconds =
    (compact && sum(compact)) ?? (iso && !text.toUpperCase().endsWith('T') ? sum(iso) : undefined);
  if (seconds === undefined || seconds === null) {
    throw new UserError('JIT_INVALID_DURATION', `${flag} ${quoted(input)} is not ${DURATION_FORM}.`);
  }
  if (seconds < MIN_DURATION || seconds > MAX_DURATION) {
    throw new UserError(
      'JIT_INVALID_DURATION',
      `${flag} ${quoted(input)} is out of range: durations run from 1s to 24h (1d).`,
    );
  }
  return seconds;
}

/** Compact human form: 10800 → "3h", 5400 → "1h30m", 90 → "1m30s". */
export function formatDuration(seconds: Seconds): string {
  if (seconds <= 0) return '0s';
  let rest = Math.floor(seconds);
  let out = '';
  for (const [unit, size] of Object.entries(UNIT)) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}
