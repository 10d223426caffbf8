/**
 * UTC calendar arithmetic on whole hours and days since the Unix epoch.
 * Counters are bucketed by hour number; a day number is hour / 24. Everything is UTC on purpose:
 * salts rotate at 00:00 UTC and reports take UTC dates, so no time zone can split a bucket.
 */
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;
export const HOURS_PER_DAY = 24;

export const hourOf = (timestampMs: number): number => Math.floor(timestampMs / MS_PER_HOUR);
export const dayOf = (timestampMs: number): number => Math.floor(timestampMs / MS_PER_DAY);
export const dayOfHour = (hour: number): number => Math.floor(hour / HOURS_PER_DAY);
export const firstHourOfDay = (day: number): number => day * HOURS_PER_DAY;
export const lastHourOfDay = (day: number): number => day * HOURS_PER_DAY + HOURS_PER_DAY - 1;

/** Start of the next UTC day after `timestampMs`, in milliseconds. */
export const nextMidnight = (timestampMs: number): number => (dayOf(timestampMs) + 1) * MS_PER_DAY;

/** `YYYY-MM-DD` for a day number. */
export function formatDay(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** `YYYY-MM-DDTHH:00:00Z` for an hour number. */
export function formatHour(hour: number): string {
  return `${new Date(hour * MS_PER_HOUR).toISOString().slice(0, 13)}:00:00Z`;
}

/** Day number of a `YYYY-MM-DD` string, or null when it is not a real calendar date. */
export function parseDay(text: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
  const ms = Date.parse(`${text}T00:00:00Z`);
  if (Number.isNaN(ms)) return null;
  // Date.parse rolls 2026-02-30 over to March; a round trip catches it.
  if (new Date(ms).toISOString().slice(0, 10) !== text) return null;
  return dayOf(ms);
}
