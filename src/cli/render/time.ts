/**
 * Times for people: the local clock time and how far away it is ("18:42 (in 59 min)", "expired
 * 3 min ago"), with the date when it is not today. --json keeps ISO 8601 UTC (render/json.ts).
 * The zone is the run's TZ (the process's own zone without one), so a test that sets TZ gets the
 * same text anywhere.
 */

function zoneOf(env: Record<string, string | undefined>): string | undefined {
  const tz = env.TZ;
  if (tz === undefined || tz === '') return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz.replace(/^:/, '') });
    return tz.replace(/^:/, '');
  } catch {
    // A TZ the runtime does not know: the process's own zone, as the C library would fall back to.
    return undefined;
  }
}

/** "in 45 s", "59 min", "2 h 5 min", "1 d 3 h": the two largest units, rounded down. */
export function spanText(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

export interface Times {
  /** "18:42" today, "2030-01-02 18:42" another day, in the local zone. */
  clock(iso: string): string;
  /** "18:42 (in 59 min)" or "18:42 (expired 3 min ago)". */
  at(iso: string): string;
  /** "in 59 min" or "expired 3 min ago". */
  relative(iso: string): string;
}

export function localTimes(env: Record<string, string | undefined>, now: Date): Times {
  const timeZone = zoneOf(env);
  const format = new Intl.DateTimeFormat('en-CA', {
    ...(timeZone ? { timeZone } : {}),
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const parts = (date: Date) => {
    const get = (type: Intl.DateTimeFormatPartTypes) => format.formatToParts(date).find((p) => p.type === type)?.value ?? '';
    return { day: `${get('year')}-${get('month')}-${get('day')}`, time: `${get('hour')}:${get('minute')}` };
  };
  const today = parts(now).day;
  const times: Times = {
    clock(iso) {
      const ms = Date.parse(iso);
      if (Number.isNaN(ms)) return iso;
      const { day, time } = parts(new Date(ms));
      return day === today ? time : `${day} ${time}`;
    },
    relative(iso) {
      const ms = Date.parse(iso);
      if (Number.isNaN(ms)) return 'unknown';
      const seconds = (ms - now.getTime()) / 1000;
      return seconds > 0 ? `in ${spanText(Math.ceil(seconds))}` : `expired ${spanText(-seconds)} ago`;
    },
    at(iso) {
      return `${times.clock(iso)} (${times.relative(iso)})`;
    },
  };
  return times;
}
