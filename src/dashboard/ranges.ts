/**
 * Date ranges of the dashboard, as local dates of the site's time zone (`YYYY-MM-DD`), the way
 * the API takes them. Pure: "today" is passed in, so the presets are testable with any clock.
 */

export const PRESETS = ["today", "yesterday", "7d", "30d", "month", "last-month", "12mo", "custom"] as const;
export type Preset = (typeof PRESETS)[number];

export const PRESET_LABELS: Record<Preset, string> = {
  today: "Today",
  yesterday: "Yesterday",
  "7d": "Last 7 days",
  "30d": "Last 30 days",
  month: "This month",
  "last-month": "Last month",
  "12mo": "Last 12 months",
  custom: "Custom range",
};

export interface DayRange {
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a `YYYY-MM-DD` date, or null when it is not one. */
export function dayNumber(date: string): number | null {
  const match = ISO_DAY.exec(date);
  if (match === null) return null;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  const day = ms / DAY_MS;
  return dayString(day) === date ? day : null;
}

export const dayString = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The local date at `now` in `timeZone`. */
export function todayIn(timeZone: string, now: number): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(now);
  const part = (type: string) => parts.find((entry) => entry.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** The range a preset covers, ending `today` (a local date); `custom` is answered by its own dates. */
export function presetRange(preset: Exclude<Preset, "custom">, today: string): DayRange {
  const t = dayNumber(today) ?? 0;
  const [year, month] = today.split("-").map(Number) as [number, number];
  const firstOfMonth = Date.UTC(year, month - 1, 1) / DAY_MS;
  switch (preset) {
    case "today":
      return { from: today, to: today };
    case "yesterday":
      return { from: dayString(t - 1), to: dayString(t - 1) };
    case "7d":
      return { from: dayString(t - 6), to: today };
    case "30d":
      return { from: dayString(t - 29), to: today };
    case "month":
      return { from: dayString(firstOfMonth), to: today };
    case "last-month":
      return { from: dayString(Date.UTC(year, month - 2, 1) / DAY_MS), to: dayString(firstOfMonth - 1) };
    case "12mo":
      // 365 days ending today: within the API's 366-day limit, and so is the period before it.
      return { from: dayString(t - 364), to: today };
  }
}

/** Days in a range, both ends included. */
export const rangeDays = (range: DayRange): number => (dayNumber(range.to) ?? 0) - (dayNumber(range.from) ?? 0) + 1;

/** The period of the same length just before `range`, for the change figures. */
export function previousRange(range: DayRange): DayRange {
  const from = dayNumber(range.from) ?? 0;
  const days = rangeDays(range);
  return { from: dayString(from - days), to: dayString(from - 1) };
}

/** Hours for one or two days, days beyond (the API keeps hours for 31 days at most). */
export const intervalFor = (range: DayRange): "hour" | "day" => (rangeDays(range) <= 2 ? "hour" : "day");

/** Why a custom range cannot be asked for, or null when it can (the API's limits: 366 days, `from` ≤ `to`). */
export function customRangeProblem(from: string, to: string): string | null {
  const start = dayNumber(from);
  const end = dayNumber(to);
  if (start === null || end === null) return "Pick both dates.";
  if (start > end) return "The first date must not be after the last.";
  if (end - start + 1 > 366) return "A range is at most 366 days.";
  return null;
}
