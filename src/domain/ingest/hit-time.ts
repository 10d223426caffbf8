import { localDayOf } from "../time/site-time";

/** How far back a trusted sender may date a hit: a day, as queues and batch jobs need. */
export const MAX_HIT_AGE_MS = 24 * 3_600_000;
/** Clocks of senders and Cloudflare differ a little; a hit dated this far ahead is taken as now. */
export const CLOCK_SKEW_MS = 60_000;

/**
 * Why a dated hit (`ts` from a trusted sender) cannot be counted, or null: not in the future, at
 * most a day back, and within the site's two kept local days (a salt lives two local days, and a
 * day's unique visitors can only be counted with its salt).
 */
export function hitTimeProblem(ts: number, now: number, timeZone: string): string | null {
  if (ts > now + CLOCK_SKEW_MS) return "ts must not be in the future";
  if (ts < now - MAX_HIT_AGE_MS) return "ts may be at most 24 hours back";
  if (localDayOf(ts, timeZone) < localDayOf(now, timeZone) - 1) return "ts must fall on today or yesterday in the site's time zone";
  return null;
}
