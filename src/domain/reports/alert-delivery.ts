/**
 * Which closed days the alert webhook is owed. The daily alarm checks the day that just closed;
 * a day whose post failed (network error, timeout, an answer other than 2xx) is posted again by
 * the next alarms until it goes through or is older than ALERT_RETRY_DAYS. Pure.
 */

/** A failed day is retried for this many days (the closed day counted), then given up. */
export const ALERT_RETRY_DAYS = 7;

/** A closed day the alarm has checked: `delivered` once its alerts were posted, or it had none. */
export interface CheckedDay {
  day: number;
  delivered: boolean;
}

/**
 * The days to post now, oldest first: every checked day not yet delivered, and every day after the
 * last one checked, up to `closedDay` (days an alarm missed), all within the retry window. The
 * first time (nothing checked yet, e.g. the webhook was just configured) only `closedDay`, so a
 * new webhook is not sent the past week. A day already delivered is never posted again, so a
 * repeated alarm posts nothing twice.
 */
export function daysToPost(closedDay: number, checked: readonly CheckedDay[]): number[] {
  const oldest = closedDay - ALERT_RETRY_DAYS + 1;
  const days = new Set(checked.filter((entry) => !entry.delivered).map((entry) => entry.day));
  const last = checked.reduce<number | null>((max, entry) => (max === null || entry.day > max ? entry.day : max), null);
  for (let day = last === null ? closedDay : last + 1; day <= closedDay; day++) days.add(day);
  return [...days].filter((day) => day >= oldest && day <= closedDay).sort((a, b) => a - b);
}
