/**
 * Calendar windows of a policy limit (`"window": "calendar-month"`): a day, an ISO week (Monday to
 * Sunday) or a month of local time in the limit's IANA `timeZone`, resetting at local midnight.
 */
export const CALENDAR_WINDOWS = ['calendar-day', 'calendar-week', 'calendar-month'] as const;
export type CalendarWindow = (typeof CALENDAR_WINDOWS)[number];

/**
 * Nominal lengths, seconds: what `windowSeconds` a policy reports for a calendar limit, and how
 * limits are ordered by window. A real window is 23 to 25 hours per day around DST changes, and 28
 * to 31 days per month; a month is stated as 30 days (the longest fixed window a policy may have).
 */
export const CALENDAR_WINDOW_SECONDS: Readonly<Record<CalendarWindow, number>> = {
  'calendar-day': 86_400,
  'calendar-week': 604_800,
  'calendar-month': 2_592_000,
};

export function isCalendarWindow(value: unknown): value is CalendarWindow {
  return typeof value === 'string' && (CALENDAR_WINDOWS as readonly string[]).includes(value);
}

const knownZones = new Set<string>();

/** Whether `timeZone` is an IANA time-zone name this runtime's Intl knows (`UTC`, `Europe/Berlin`). */
export function isTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== 'string' || timeZone.length === 0 || timeZone.length > 64) return false;
  if (knownZones.has(timeZone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    // Intl throws a RangeError for an unknown zone: that is the answer, not a failure.
    return false;
  }
  knownZones.add(timeZone);
  return true;
}
