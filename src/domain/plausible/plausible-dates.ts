import { formatLocalHour, localDayOf, localHourOf, offsetMinutesAt, startOfLocalDay, wallClockMs } from "../time/site-time";
import { dayOf, dayOfHour, formatDay, MS_PER_DAY, MS_PER_HOUR, parseDay } from "../time/utc-time";
import type { TimeBucket } from "./plausible-dimensions";
import { refuse } from "./query-error";

/**
 * Plausible's date ranges as whole local days of the site (its `timezone`): what stepwise counts
 * in. Shorthands follow Plausible's query parser: `day` is today; `<n>d` the n days before today
 * (today left out); `month` and `year` the current calendar ones; `<n>mo` the n whole months
 * before the current one; `all` from the first day with data to today. Date pairs are local dates,
 * both included; date-time pairs cover whole local days (00:00:00 to 23:59:59), or whole local
 * hours (`hours`: 08:00:00 to 13:59:59), the finest stepwise counts by.
 */
export interface DayRange {
  fromDay: number;
  toDay: number;
  /** Whole local hours (both included) when the range is not whole days: the days are those they fall on. */
  hours?: { fromHour: number; toHour: number };
}
export type ResolvedDateRange = DayRange & { all: boolean };

/** At most this many days in one query (about three years). */
export const MAX_QUERY_DAYS = 1_100;

const ymd = (day: number) => {
  const date = new Date(day * MS_PER_DAY);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() };
};
const dayOfMonthStart = (year: number, month: number) => dayOf(Date.UTC(year, month, 1));

/** The first local day of the month holding `day`. */
export const monthStart = (day: number) => {
  const { year, month } = ymd(day);
  return dayOfMonthStart(year, month);
};
/** The Monday of the ISO week holding `day` (1970-01-01 was a Thursday). */
export const weekStart = (day: number) => day - ((day + 3) % 7);

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

function dateTimePair(from: string, to: string, timeZone: string): DayRange {
  const start = Date.parse(from);
  const end = Date.parse(to);
  if (!DATE_TIME.test(from) || !DATE_TIME.test(to) || Number.isNaN(start) || Number.isNaN(end)) {
    return refuse(`Invalid date_range '${JSON.stringify([from, to])}'.`);
  }
  const fromDay = localDayOf(start, timeZone);
  const toDay = localDayOf(end, timeZone);
  const startsAtMidnight = startOfLocalDay(fromDay, timeZone) === start;
  // Inclusive ends as Plausible writes them (23:59:59), or the next midnight.
  const endGap = startOfLocalDay(toDay + 1, timeZone) - end;
  const endsAtMidnight = endGap > 0 && endGap <= 1_000;
  const nextMidnight = startOfLocalDay(toDay, timeZone) === end && toDay > fromDay;
  if (startsAtMidnight && (endsAtMidnight || nextMidnight)) return { fromDay, toDay: nextMidnight ? toDay - 1 : toDay };
  // Whole local hours: from the start of one to the last second of another (or the next hour's start).
  const startWall = wallClockMs(start, timeZone);
  const endWall = wallClockMs(end, timeZone);
  const endGapToHour = MS_PER_HOUR - (endWall % MS_PER_HOUR);
  const fromHour = localHourOf(start, timeZone);
  const toHour = endWall % MS_PER_HOUR === 0 ? localHourOf(end, timeZone) - 1 : localHourOf(end, timeZone);
  if (startWall % MS_PER_HOUR !== 0 || !(endWall % MS_PER_HOUR === 0 || endGapToHour <= 1_000) || toHour < fromHour) {
    refuse(
      `The date_range '${JSON.stringify([from, to])}' does not cover whole hours of the site's time zone (${timeZone}): stepwise counts by the local hour at the finest. Ask for dates, for 00:00:00 to 23:59:59 local time, or for whole hours such as 08:00:00 to 13:59:59.`,
    );
  }
  return { fromDay: dayOfHour(fromHour), toDay: dayOfHour(toHour), hours: { fromHour, toHour } };
}

/** A date range of the v2 query (or a v1 period), resolved against the site's local `today`. */
export function resolveDateRange(input: string | readonly [string, string], today: number, timeZone: string): ResolvedDateRange {
  let range: DayRange;
  let all = false;
  if (typeof input !== "string") {
    const [from, to] = input;
    const fromDay = parseDay(from);
    const toDay = parseDay(to);
    range = fromDay !== null && toDay !== null ? { fromDay, toDay } : dateTimePair(from, to, timeZone);
  } else if (input === "day") {
    range = { fromDay: today, toDay: today };
  } else if (input === "month") {
    const start = monthStart(today);
    range = { fromDay: start, toDay: monthStart(start + 31) - 1 };
  } else if (input === "year") {
    const { year } = ymd(today);
    range = { fromDay: dayOfMonthStart(year, 0), toDay: dayOfMonthStart(year + 1, 0) - 1 };
  } else if (input === "all") {
    all = true;
    range = { fromDay: today, toDay: today };
  } else {
    const match = /^(\d{1,4})(d|mo)$/.exec(input);
    const n = Number(match?.[1] ?? 0);
    if (match?.[2] === "d" && n >= 1 && n <= MAX_QUERY_DAYS) range = { fromDay: today - n, toDay: today - 1 };
    else if (match?.[2] === "mo" && n >= 1 && n <= 36) {
      const { year, month } = ymd(today);
      range = { fromDay: dayOfMonthStart(year, month - n), toDay: monthStart(today) - 1 };
    } else if (input === "realtime" || input === "30m" || input === "24h") {
      return refuse(
        `The date_range '${input}' covers parts of days: stepwise counts visitors per local day, so it answers whole days only. For visitors in the last five minutes, GET /api/v1/stats/realtime/visitors.`,
      );
    } else return refuse(`Invalid date_range '${input}'.`);
  }
  if (range.fromDay > range.toDay) refuse(`Invalid date_range: ${formatDay(range.fromDay)} is after ${formatDay(range.toDay)}.`);
  if (range.toDay - range.fromDay + 1 > MAX_QUERY_DAYS)
    refuse(`Invalid date_range: stepwise answers at most ${MAX_QUERY_DAYS} days at once.`);
  return { ...range, all };
}

function offsetText(minutes: number): string {
  const absolute = Math.abs(minutes);
  return `${minutes < 0 ? "-" : "+"}${String(Math.floor(absolute / 60)).padStart(2, "0")}:${String(absolute % 60).padStart(2, "0")}`;
}

/** The range as Plausible echoes it: the first and last second of the local days (or hours), with the offsets then in force. */
export function echoDateRange(range: DayRange, timeZone: string): [string, string] {
  if (range.hours !== undefined) {
    const first = formatLocalHour(range.hours.fromHour, timeZone);
    const last = formatLocalHour(range.hours.toHour, timeZone);
    if (first !== null && last !== null) return [first, `${last.slice(0, 14)}59:59${last.slice(19)}`];
  }
  const start = startOfLocalDay(range.fromDay, timeZone);
  const end = startOfLocalDay(range.toDay + 1, timeZone) - 1_000;
  return [
    `${formatDay(range.fromDay)}T00:00:00${offsetText(offsetMinutesAt(start, timeZone))}`,
    `${formatDay(range.toDay)}T23:59:59${offsetText(offsetMinutesAt(end, timeZone))}`,
  ];
}

/** The bucket a `time` dimension means for a range: hours for one day, days up to 40, months beyond. */
export function autoBucket(range: DayRange): TimeBucket {
  const days = range.toDay - range.fromDay + 1;
  return days === 1 ? "hour" : days <= 40 ? "day" : "month";
}

/** Plausible's label of the bucket holding local `day` (weeks and months start no earlier than the range). */
export function dayBucketLabel(day: number, bucket: Exclude<TimeBucket, "hour">, range: DayRange): string {
  if (bucket === "day") return formatDay(day);
  return formatDay(Math.max(bucket === "week" ? weekStart(day) : monthStart(day), range.fromDay));
}

/** `YYYY-MM-DD HH:00:00` for a local hour bucket; null for an hour the clocks skipped. */
export function hourLabel(localHour: number, timeZone: string): string | null {
  const label = formatLocalHour(localHour, timeZone);
  return label === null ? null : `${label.slice(0, 10)} ${label.slice(11, 19)}`;
}

/** Every bucket label of the range, in order (`include.time_labels`). */
export function timeLabels(range: DayRange, bucket: TimeBucket, timeZone: string): string[] {
  const labels: string[] = [];
  if (bucket === "hour") {
    const { fromHour, toHour } = range.hours ?? { fromHour: range.fromDay * 24, toHour: (range.toDay + 1) * 24 - 1 };
    for (let hour = fromHour; hour <= toHour; hour++) {
      const label = hourLabel(hour, timeZone);
      if (label !== null) labels.push(label);
    }
    return labels;
  }
  for (let day = range.fromDay; day <= range.toDay; day++) {
    const label = dayBucketLabel(day, bucket, range);
    if (labels.at(-1) !== label) labels.push(label);
  }
  return labels;
}

/** The local day `timestampMs` falls on. */
export const todayIn = (timestampMs: number, timeZone: string) => localDayOf(timestampMs, timeZone);
