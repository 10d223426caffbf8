import { firstHourOfDay } from "../time/utc-time";
import type { DimensionKey, Sums } from "../visitors/dimension-contribution";
import type { BreakdownRows, DimensionRow, ReportRows, RevenueRow } from "./report";
import { emptyDimensionRow, goalRevenueKey } from "./report";

/**
 * Report maths for the added dimensions (dimensions.ts), on their counter rows: a value's visitor
 * row (no event) carries its visitors and visits, its event rows the hits, goal and class visitors
 * and revenue (domain/visitors/dimension-contribution.ts). Pure.
 */
export interface AddedCounterRow extends DimensionKey {
  day: number;
  /** In SUM_FIELDS order: hits, visitors, goal visitors, class visitors, visits, bounces, duration, revenue. */
  sums: Sums;
}

const at = (row: AddedCounterRow, index: number): number => row.sums[index] ?? 0;
const hits = (row: AddedCounterRow) => at(row, 0);
const visitors = (row: AddedCounterRow) => at(row, 1);
const goalVisitors = (row: AddedCounterRow) => at(row, 2);
const classVisitors = (row: AddedCounterRow) => at(row, 3);
const visits = (row: AddedCounterRow) => at(row, 4);
const bounces = (row: AddedCounterRow) => at(row, 5);
const durationMs = (row: AddedCounterRow) => at(row, 6);
const revenueMinor = (row: AddedCounterRow) => at(row, 7);

const isMicro = (row: AddedCounterRow) => row.class === "micro_milestone" || row.class === "micro_secondary";
const isMacro = (row: AddedCounterRow) => row.class === "macro";
const isPageview = (row: AddedCounterRow) => row.name === "pageview";
const isEvent = (row: AddedCounterRow) => row.name !== "" && row.name !== "pageview" && row.name !== "engagement";

/**
 * Inside a goal filter, a visitor counts once it reached the goal (its goal visitors), and it
 * converts by reaching it; otherwise visitors are the value's visitor rows and converting is the
 * class's first conversion of the day.
 */
function measures(goal: string | undefined) {
  return {
    visitors: (row: AddedCounterRow) => (goal === undefined ? visitors(row) : goalVisitors(row)),
    converting: (row: AddedCounterRow) => (goal === undefined ? classVisitors(row) : goalVisitors(row)),
  };
}

/** Top values of one added dimension over a range, ordered as the main breakdowns are. */
export function addedBreakdown(
  rows: readonly AddedCounterRow[],
  limit: number,
  options: { goal?: string; visits: boolean },
): BreakdownRows {
  const { visitors: visitorsOf, converting } = measures(options.goal);
  const byValue = new Map<string, DimensionRow>();
  const revenue = new Map<string, number>();
  for (const row of rows) {
    const entry = byValue.get(row.value) ?? {
      ...emptyDimensionRow(row.value),
      ...(options.visits ? { visits: 0, bounces: 0, visitDurationMs: 0 } : {}),
    };
    byValue.set(row.value, entry);
    if (row.label !== "") entry.label = row.label;
    entry.visitors += visitorsOf(row);
    if (isPageview(row)) entry.pageviews += hits(row);
    if (isMicro(row)) {
      entry.microHits += hits(row);
      entry.microVisitors += converting(row);
    }
    if (isMacro(row)) {
      entry.macroHits += hits(row);
      entry.macroVisitors += converting(row);
      if (row.currency !== "") {
        const key = `${row.value}\u001f${row.currency}`;
        revenue.set(key, (revenue.get(key) ?? 0) + revenueMinor(row));
      }
    }
    if (entry.visits !== undefined) {
      entry.visits += visits(row);
      entry.bounces = (entry.bounces ?? 0) + bounces(row);
      entry.visitDurationMs = (entry.visitDurationMs ?? 0) + durationMs(row);
    }
  }
  const ranked = [...byValue.values()]
    .filter((row) => row.visitors !== 0 || row.pageviews !== 0 || row.microHits !== 0 || row.macroHits !== 0 || (row.visits ?? 0) !== 0)
    .sort(
      (a, b) =>
        b.visitors - a.visitors ||
        b.pageviews - a.pageviews ||
        (b.visits ?? 0) - (a.visits ?? 0) ||
        (a.value < b.value ? -1 : a.value > b.value ? 1 : 0),
    )
    .slice(0, limit);
  const kept = new Set(ranked.map((row) => row.value));
  const revenueRows: RevenueRow[] = [...revenue].flatMap(([key, minor]) => {
    const [value = "", currency = ""] = key.split("\u001f");
    return kept.has(value) ? [{ key: value, currency, minor }] : [];
  });
  return { rows: ranked, revenue: revenueRows, engagement: [] };
}

/**
 * Everything of a report inside one added-dimension filter (and optionally a goal), from that
 * value's rows per day: daily buckets, conversions, goals, engagement and "(other)" hits of the
 * event names and goals. Breakdowns are the caller's (only the dimension's own is exact).
 */
export function addedReportRows(
  rows: readonly AddedCounterRow[],
  goal: string | undefined,
): Pick<ReportRows, "buckets" | "classes" | "goals" | "goalRevenue" | "engagement" | "otherHits"> {
  const { visitors: visitorsOf, converting } = measures(goal);
  const buckets = new Map<number, ReportRows["buckets"][number]>();
  const classes = new Map<string, ReportRows["classes"][number]>();
  const goals = new Map<string, ReportRows["goals"][number]>();
  const goalRevenue = new Map<string, RevenueRow>();
  const engagement = { visits: 0, bounces: 0, visitDurationMs: 0, pageviews: 0 };
  const otherHits = { name: 0, goal: 0 };
  for (const row of rows) {
    const hour = firstHourOfDay(row.day);
    const bucket = buckets.get(hour) ?? { hour, visitors: 0, hourVisitors: 0, pageviews: 0, events: 0, micro: 0, macro: 0 };
    buckets.set(hour, bucket);
    bucket.visitors += visitorsOf(row);
    bucket.hourVisitors = bucket.visitors;
    if (isPageview(row)) bucket.pageviews += hits(row);
    if (isEvent(row)) bucket.events += hits(row);
    if (isMicro(row)) bucket.micro += hits(row);
    if (isMacro(row)) bucket.macro += hits(row);
    if (isMicro(row) || isMacro(row)) {
      const entry = classes.get(row.class) ?? { class: row.class as ReportRows["classes"][number]["class"], hits: 0, classVisitors: 0 };
      classes.set(row.class, entry);
      entry.hits += hits(row);
      entry.classVisitors += converting(row);
    }
    if (row.goal !== "") {
      const key = goalRevenueKey(row.class, row.goal);
      const entry = goals.get(key) ?? {
        goal: row.goal,
        class: row.class as ReportRows["goals"][number]["class"],
        hits: 0,
        goalVisitors: 0,
      };
      goals.set(key, entry);
      entry.hits += hits(row);
      entry.goalVisitors += goalVisitors(row);
      if (row.currency !== "") {
        const money = goalRevenue.get(`${key}\u001f${row.currency}`) ?? { key, currency: row.currency, minor: 0 };
        goalRevenue.set(`${key}\u001f${row.currency}`, money);
        money.minor += revenueMinor(row);
      }
    }
    engagement.visits += visits(row);
    engagement.bounces += bounces(row);
    engagement.visitDurationMs += durationMs(row);
    if (isPageview(row)) engagement.pageviews += hits(row);
    if (row.name === "(other)") otherHits.name += hits(row);
    if (row.goal === "(other)") otherHits.goal += hits(row);
  }
  return {
    buckets: [...buckets.values()].sort((a, b) => a.hour - b.hour),
    classes: [...classes.values()],
    goals: [...goals.values()],
    goalRevenue: [...goalRevenue.values()],
    engagement,
    otherHits,
  };
}

/** Hits counted under "(other)" for a capped added dimension (its value past the day's cap). */
export const otherValueHits = (rows: readonly AddedCounterRow[]): number =>
  rows.reduce((sum, row) => sum + (row.value === "(other)" ? hits(row) : 0), 0);
