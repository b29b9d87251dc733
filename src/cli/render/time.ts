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

/** "45 s", "59 min", "2 h 5 min", "14 h", "1 d 3 h": at most two units, rounded down; minutes only under 10 h. */
export function spanText(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 || hours >= 10 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

export interface Times {
  /** "18:42" today, "2 Jan 18:42" another day, "2 Jan 2031 18:42" another year, in the local zone. */
  clock(iso: string): string;
  /** "18:42 (in 59 min)" or "18:42 (expired 3 min ago)". */
  at(iso: string): string;
  /** "in 59 min" or "expired 3 min ago". */
  relative(iso: string): string;
}

export function localTimes(env: Record<string, string | undefined>, now: Date): Times {
  const timeZone = zoneOf(env);
  // en-GB: day before month ("2 Jan"), 24-hour clock; the month's name leaves no doubt which is which.
  const format = new Intl.DateTimeFormat('en-GB', {
    ...(timeZone ? { timeZone } : {}),
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const parts = (date: Date) => {
    const all = format.formatToParts(date);
    const get = (type: Intl.DateTimeFormatPartTypes) => all.find((p) => p.type === type)?.value ?? '';
    return { year: get('year'), day: `${get('day')} ${get('month')}`, time: `${get('hour')}:${get('minute')}` };
  };
  const today = parts(now);
  const times: Times = {
    clock(iso) {
      const ms = Date.parse(iso);
      if (Number.isNaN(ms)) return iso;
      const { year, day, time } = parts(new Date(ms));
      if (year !== today.year) return `${day} ${year} ${time}`;
      return day === today.day ? time : `${day} ${time}`;
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
