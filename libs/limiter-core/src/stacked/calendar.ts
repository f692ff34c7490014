import type { CalendarWindow } from '@rl/contracts';

/**
 * Calendar windows: a day, an ISO week (Monday to Sunday) or a month of local time in an IANA time
 * zone, DST included. Built on Intl alone (no time-zone data of our own).
 *
 * A window starts at the first instant whose local date is the window's first day (local midnight;
 * where midnight is skipped by a DST change, the instant the day begins) and ends where the next
 * one starts. Windows are therefore 23, 24 or 25 hours long around DST changes, and months 28 to
 * 31 days.
 *
 * The enforcer computes the boundaries on its own clock and sends them to the script with the
 * following window's end: the script decides at Redis TIME, and a Redis clock already past the
 * end (a decision at the boundary) counts in the next window (see calendarWindowStep).
 */

/** One calendar window and the next one's end, integer microseconds since the epoch. */
export interface CalendarBounds {
  readonly startUs: number;
  readonly endUs: number;
  /** End of the window after this one (its start is `endUs`). */
  readonly nextEndUs: number;
}

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** The local wall-clock time of instant `ms` in `timeZone`, as if it were UTC (milliseconds, whole seconds). */
function wallClockMs(ms: number, timeZone: string): number {
  const fields: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(ms)) if (part.type !== 'literal') fields[part.type] = Number(part.value);
  return Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second);
}

/** The UTC day number (days since the epoch) of the local date of `ms`. */
function localDay(ms: number, timeZone: string): number {
  return Math.floor(wallClockMs(ms, timeZone) / DAY_MS);
}

/**
 * The first instant of local day `day` (days since the epoch, as a local date) in `timeZone`: local
 * midnight, or where midnight does not exist (a DST gap at midnight) the instant the day begins.
 * Candidates are midnight under each offset in force within a day of it; where midnight happens
 * twice (a fall-back at midnight), the earlier.
 */
function dayStartMs(day: number, timeZone: string): number {
  const wall = day * DAY_MS;
  const offsets = new Set([-DAY_MS, 0, DAY_MS].map((shift) => wallClockMs(wall + shift, timeZone) - (wall + shift)));
  let exact = Infinity;
  let within = Infinity;
  for (const offset of offsets) {
    const candidate = wall - offset;
    const local = wallClockMs(candidate, timeZone);
    if (local === wall) exact = Math.min(exact, candidate);
    else if (Math.floor(local / DAY_MS) === day) within = Math.min(within, candidate);
  }
  if (exact !== Infinity) return exact;
  if (within !== Infinity) return within;
  throw new RangeError(`no start of local day ${day} found in ${timeZone}`);
}

/** The local day (days since the epoch) that starts the window holding local day `day`, and the one after it. */
function windowDays(window: CalendarWindow, day: number): { first: number; next: (first: number) => number } {
  if (window === 'calendar-day') return { first: day, next: (first) => first + 1 };
  if (window === 'calendar-week') {
    // 1970-01-01 was a Thursday: (day + 3) mod 7 is 0 on Mondays.
    return { first: day - ((((day + 3) % 7) + 7) % 7), next: (first) => first + 7 };
  }
  const date = new Date(day * DAY_MS);
  const monthStart = (year: number, month: number): number => Math.floor(Date.UTC(year, month, 1) / DAY_MS);
  return {
    first: monthStart(date.getUTCFullYear(), date.getUTCMonth()),
    next: (first) => {
      const start = new Date(first * DAY_MS);
      return monthStart(start.getUTCFullYear(), start.getUTCMonth() + 1);
    },
  };
}

/** The calendar window holding `nowUs` in `timeZone`, with the next window's end. */
export function calendarBounds(input: { window: CalendarWindow; timeZone: string; nowUs: number }): CalendarBounds {
  const { window, timeZone } = input;
  const nowMs = Math.floor(input.nowUs / 1000);
  const { first, next } = windowDays(window, localDay(nowMs, timeZone));
  const second = next(first);
  let startMs = dayStartMs(first, timeZone);
  let endMs = dayStartMs(second, timeZone);
  let nextEndMs = dayStartMs(next(second), timeZone);
  // A fall-back across midnight repeats an hour of the previous local date after the next day has
  // begun: windows never go back, so that hour belongs to the window that has begun.
  if (nowMs >= endMs) {
    startMs = endMs;
    endMs = nextEndMs;
    nextEndMs = dayStartMs(next(next(second)), timeZone);
  }
  return { startUs: startMs * 1000, endUs: endMs * 1000, nextEndUs: nextEndMs * 1000 };
}

/**
 * Calendar bounds of one limit, recomputed only when time leaves the cached window: the hot path
 * pays for Intl once per window, not per decision.
 */
export class CalendarWindowClock {
  private bounds: CalendarBounds | undefined;

  constructor(
    readonly window: CalendarWindow,
    readonly timeZone: string,
  ) {}

  boundsAt(nowUs: number): CalendarBounds {
    const cached = this.bounds;
    if (cached !== undefined && nowUs >= cached.startUs && nowUs < cached.endUs) return cached;
    const fresh = calendarBounds({ window: this.window, timeZone: this.timeZone, nowUs });
    this.bounds = fresh;
    return fresh;
  }
}
