import { dayOf, hourOf, MS_PER_DAY, MS_PER_HOUR } from "./utc-time";

/**
 * A site's own clock. Every day boundary of a site is its local midnight, in its IANA time zone
 * (config `timezone`, default UTC). Counters are bucketed by **local wall-clock hour**: the
 * number of hours since 1970-01-01T00:00 on the site's wall clock, so that a local day is always
 * 24 consecutive buckets and all day arithmetic (utc-time.ts) applies to local days unchanged,
 * whatever the offset: +05:45 (Kathmandu), -03:30 (St John's), +12:45 (Chatham).
 *
 * Where the wall clock jumps, so do the buckets: on a 23-hour day (clocks forward) one hour
 * bucket stays empty; on a 25-hour day (clocks back) the repeated hour's hits share one bucket,
 * labelled with the offset in force when it began; Lord Howe's 30-minute shift repeats or skips
 * half an hour of one bucket. Daily figures are exact in every case: a day holds exactly the
 * hits between its two local midnights.
 */
export const DEFAULT_TIME_ZONE = "UTC";

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** IANA names: `Area/Location` (or an alias such as UTC); offsets like `+02:00` are not zones. */
const IANA_NAME = /^[A-Za-z][A-Za-z_]*(\/[A-Za-z0-9_+-]+)*$/;

/** Whether `name` is an IANA time zone the runtime knows (names and their aliases, such as UTC). */
export function isTimeZone(name: string): boolean {
  if (!IANA_NAME.test(name)) return false;
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Offsets by zone and quarter hour of UTC. Every clock change in force today happens on a quarter
 * hour of UTC (Lord Howe's at 15:30, Chatham's at 14:00), so an offset holds for a whole quarter
 * hour and is looked up once per zone and quarter hour: `Intl` stays off the path of most hits.
 */
const QUARTER_HOUR_MS = 900_000;
const MAX_CACHED_OFFSETS = 4_096;
const offsets = new Map<string, number>();

/** The zone's offset from UTC at `timestampMs`, in minutes (+345 for Kathmandu). */
export function offsetMinutesAt(timestampMs: number, timeZone: string): number {
  if (timeZone === DEFAULT_TIME_ZONE) return 0;
  const quarter = Math.floor(timestampMs / QUARTER_HOUR_MS);
  const key = `${timeZone} ${quarter}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    if (offsets.size >= MAX_CACHED_OFFSETS) offsets.clear();
    offset = readOffsetMinutes(quarter * QUARTER_HOUR_MS, timeZone);
    offsets.set(key, offset);
  }
  return offset;
}

function readOffsetMinutes(timestampMs: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(timestampMs)) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
  const utcToTheSecond = Math.floor(timestampMs / 1_000) * 1_000;
  return Math.round((wall - utcToTheSecond) / 60_000);
}

/** Milliseconds since the epoch on the zone's wall clock at `timestampMs`. */
export const wallClockMs = (timestampMs: number, timeZone: string): number => timestampMs + offsetMinutesAt(timestampMs, timeZone) * 60_000;

/** The local wall-clock hour number of an instant: the site's counter bucket. */
export const localHourOf = (timestampMs: number, timeZone: string): number => hourOf(wallClockMs(timestampMs, timeZone));

/** The local day number of an instant (days since 1970-01-01 on the site's calendar). */
export const localDayOf = (timestampMs: number, timeZone: string): number => dayOf(wallClockMs(timestampMs, timeZone));

/**
 * The first instant (UTC milliseconds) of local day `day`: its midnight, or, where the clocks
 * skip midnight, the first moment that exists on that date.
 */
export function startOfLocalDay(day: number, timeZone: string): number {
  const wallMidnight = day * MS_PER_DAY;
  // Two refinements find the instant whose wall clock reads midnight, when one exists.
  let guess = wallMidnight - offsetMinutesAt(wallMidnight, timeZone) * 60_000;
  guess = wallMidnight - offsetMinutesAt(guess, timeZone) * 60_000;
  if (localDayOf(guess, timeZone) === day && localDayOf(guess - 1, timeZone) === day - 1) return guess;
  // Midnight was skipped or repeated: search the day's first minute within three hours around it.
  let low = guess - 3 * MS_PER_HOUR;
  let high = guess + 3 * MS_PER_HOUR;
  while (high - low > 60_000) {
    const middle = low + Math.floor((high - low) / 2 / 60_000) * 60_000;
    if (localDayOf(middle, timeZone) >= day) high = middle;
    else low = middle;
  }
  return high;
}

/** The instant the local day after the one holding `timestampMs` begins. */
export const nextLocalMidnight = (timestampMs: number, timeZone: string): number =>
  startOfLocalDay(localDayOf(timestampMs, timeZone) + 1, timeZone);

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const absolute = Math.abs(minutes);
  return `${sign}${String(Math.floor(absolute / 60)).padStart(2, "0")}:${String(absolute % 60).padStart(2, "0")}`;
}

/**
 * `YYYY-MM-DDTHH:00:00+HH:MM` for a local hour bucket: the wall-clock time and the offset in
 * force when the hour began (for a repeated hour, the first). Null for an hour the clocks skipped
 * whole (02:00 on a spring-forward night in New York); an hour skipped in part (Lord Howe's
 * half hour) has a label.
 */
export function formatLocalHour(localHour: number, timeZone: string): string | null {
  const wallStart = localHour * MS_PER_HOUR;
  const candidates = [offsetMinutesAt(wallStart - MS_PER_DAY / 2, timeZone), offsetMinutesAt(wallStart + MS_PER_DAY / 2, timeZone)];
  for (const offset of candidates) {
    // The hour exists under this offset if some minute of it, read with this offset, is an
    // instant that has it (a half hour may be skipped).
    for (const minute of [0, 30, 45]) {
      const instant = wallStart + minute * 60_000 - offset * 60_000;
      if (offsetMinutesAt(instant, timeZone) === offset && localHourOf(instant, timeZone) === localHour) {
        return `${new Date(wallStart).toISOString().slice(0, 13)}:00:00${formatOffset(offset)}`;
      }
    }
  }
  return null;
}
