import { revenueMap } from "../ingest/money";
import { type ConversionClass, conversionClassOf, type GoalClass, goalClassOf, type MicroStage } from "../site/conversion-class";
import type { CompiledSite } from "../site/site";
import { DEFAULT_TIME_ZONE, formatLocalHour } from "../time/site-time";
import { dayOfHour, firstHourOfDay, formatDay, lastHourOfDay } from "../time/utc-time";
import { type Dimension, isAddedDimension, type ReportBreakdown, scopeOf } from "./dimensions";

/**
 * Report maths: turns the per-bucket sums a site's store returns into the JSON of
 * GET /api/stats/:site. Pure, so every figure is unit-testable without storage.
 */
export type Interval = "hour" | "day";
export const DROP_REASONS = ["bot", "hostname_mismatch", "do_not_track", "global_privacy_control", "rate_limited"] as const;
export type CountedDropReason = (typeof DROP_REASONS)[number];

export interface ReportRange {
  fromDay: number;
  toDay: number;
  interval: Interval;
  /**
   * Whole local hours within those days (both included), for a range that is not whole days:
   * read live from the hourly counters only (the Plausible engine's date-time ranges).
   */
  hours?: { fromHour: number; toHour: number };
}

export const rangeHours = (range: ReportRange) =>
  range.hours ? { ...range.hours } : { fromHour: firstHourOfDay(range.fromDay), toHour: lastHourOfDay(range.toDay) };

/** Sums for one hour. */
export interface BucketRow {
  hour: number;
  visitors: number;
  hourVisitors: number;
  pageviews: number;
  events: number;
  micro: number;
  macro: number;
}
export interface ClassRow {
  class: ConversionClass;
  hits: number;
  classVisitors: number;
}
export interface GoalRow {
  goal: string;
  class: ConversionClass;
  hits: number;
  goalVisitors: number;
}
export interface RevenueRow {
  key: string;
  currency: string;
  /** Sum in the currency's minor unit (domain/ingest/money.ts). */
  minor: number;
}
export interface DimensionRow {
  value: string;
  visitors: number;
  pageviews: number;
  microHits: number;
  microVisitors: number;
  macroHits: number;
  macroVisitors: number;
  /** Added dimensions: a display name (a region's), and the visits filed under the value. */
  label?: string;
  visits?: number;
  bounces?: number;
  visitDurationMs?: number;
}

/** A breakdown row of `value` before anything is summed into it. */
export const emptyDimensionRow = (value: string): DimensionRow => ({
  value,
  visitors: 0,
  pageviews: 0,
  microHits: 0,
  microVisitors: 0,
  macroHits: 0,
  macroVisitors: 0,
});
export interface DropRow {
  reason: string;
  hits: number;
}
export interface EngagementRow {
  visits: number;
  bounces: number;
  visitDurationMs: number;
  pageviews: number;
}
export interface PageEngagementRow {
  page: string;
  /** Engagement reports received for the page (one per page view that sent one). */
  reports: number;
  scrollDepthSum: number;
  engagedMs: number;
}
export interface FunnelStepRow {
  funnel: string;
  step: number;
  visitors: number;
}
export interface VariantGoalRow {
  variant: string;
  goal: string;
  class: ConversionClass;
  hits: number;
  goalVisitors: number;
}

/** Everything the store returns for one report; `goalRevenue` keys are `class\u001fgoal`. */
export interface ReportRows {
  buckets: BucketRow[];
  classes: ClassRow[];
  goals: GoalRow[];
  goalRevenue: RevenueRow[];
  /**
   * The breakdowns asked for (report-exactness.ts decides which are exact under the filters);
   * `name` (event names) only for the Plausible query engine.
   */
  breakdowns: Partial<Record<ReportBreakdown, BreakdownRows>>;
  engagement: EngagementRow;
  dropped: DropRow[];
  /** Hits counted under "(other)" per capped dimension (domain/ingest/value-caps.ts). */
  otherHits: Record<string, number>;
}

export interface BreakdownRows {
  rows: DimensionRow[];
  revenue: RevenueRow[];
  /** Page breakdown only: scroll depth and engaged time per page. */
  engagement: PageEngagementRow[];
}

export const goalRevenueKey = (conversionClass: string, goal: string) => `${conversionClass}\u001f${goal}`;

export interface ConfiguredGoal {
  name: string;
  class: GoalClass;
  stage?: MicroStage;
}

/** A site's configured goals as reports list them (none for an unknown site). */
export function configuredGoalsOf(site: CompiledSite | undefined): ConfiguredGoal[] {
  return (site?.goals ?? []).map(({ definition }) => ({
    name: definition.name,
    class: definition.class,
    ...(definition.stage ? { stage: definition.stage } : {}),
  }));
}

interface Rate {
  count: number;
  visitors: number;
  conversion_rate: number;
}
export interface MacroFigures extends Rate {
  revenue: Record<string, number>;
}
export interface GoalReportRow extends MacroFigures {
  name: string;
  class: GoalClass;
  stage?: MicroStage;
}
export interface BreakdownReportRow {
  value: string;
  visitors: number;
  pageviews: number;
  micro: Rate;
  macro: MacroFigures;
  /** Page breakdown only: average deepest scroll (percent) and engaged seconds per page view that reported them. */
  scroll_depth?: number | null;
  engaged_s?: number | null;
  /** Region breakdown: the region's name. */
  name?: string;
  /** Added dimensions that describe visits (all but properties): the visits filed under the value. */
  visits?: number;
  bounce_rate?: number;
  visit_duration_s?: number;
}
/** Exit pages count visits as they end, not hits. */
export interface ExitPageReportRow {
  value: string;
  visitors: number;
  visits: number;
}
export interface EngagementFigures {
  visits: number;
  pages_per_visit: number;
  visit_duration_s: number;
  bounce_rate: number;
}
export interface StatsReport {
  site: string;
  range: ReportRangeEcho;
  totals: { visitors: number; pageviews: number; events: number };
  conversions: { macro: MacroFigures; micro: Rate };
  goals: GoalReportRow[];
  timeseries: { t: string; visitors: number; pageviews: number; micro: number; macro: number }[];
  breakdowns: Partial<Record<Dimension, BreakdownReportRow[] | ExitPageReportRow[]>>;
  engagement: EngagementFigures;
  dropped: Record<string, number>;
  /** Hits counted under "(other)" because their value came after the day's cap of distinct values. */
  other_hits: Record<string, number>;
}

/** numerator / denominator, 0 when the denominator is 0 (no visitors, no visits). */
export const ratio = (numerator: number, denominator: number): number => (denominator === 0 ? 0 : numerator / denominator);

/** Converting visitors over visitors, 0 when there were no visitors. */
export const conversionRate = ratio;

function revenueByKey(rows: readonly RevenueRow[]): Map<string, Map<string, number>> {
  const byKey = new Map<string, Map<string, number>>();
  for (const row of rows) {
    const currencies = byKey.get(row.key) ?? new Map<string, number>();
    currencies.set(row.currency, (currencies.get(row.currency) ?? 0) + row.minor);
    byKey.set(row.key, currencies);
  }
  return byKey;
}

/**
 * Points per local hour or day. Hours are the site's wall-clock hours labelled with their offset;
 * an hour the clocks skipped has no point, a repeated one is one point (domain/time/site-time.ts).
 */
function timeseries(range: ReportRange, buckets: readonly BucketRow[], timeZone: string): StatsReport["timeseries"] {
  const byHour = new Map(buckets.map((bucket) => [bucket.hour, bucket]));
  const { fromHour, toHour } = rangeHours(range);
  const series: StatsReport["timeseries"] = [];
  if (range.interval === "hour") {
    for (let hour = fromHour; hour <= toHour; hour++) {
      const label = formatLocalHour(hour, timeZone);
      if (label === null) continue;
      const bucket = byHour.get(hour);
      series.push({
        t: label,
        visitors: bucket?.hourVisitors ?? 0,
        pageviews: bucket?.pageviews ?? 0,
        micro: bucket?.micro ?? 0,
        macro: bucket?.macro ?? 0,
      });
    }
    return series;
  }
  for (let day = range.fromDay; day <= range.toDay; day++) {
    series.push({ t: formatDay(day), visitors: 0, pageviews: 0, micro: 0, macro: 0 });
  }
  for (const bucket of buckets) {
    const point = series[dayOfHour(bucket.hour) - range.fromDay];
    if (point === undefined) continue;
    // Daily uniques: a visitor counts once on the day's first hit, so hourly sums of `visitors` add up.
    point.visitors += bucket.visitors;
    point.pageviews += bucket.pageviews;
    point.micro += bucket.micro;
    point.macro += bucket.macro;
  }
  return series;
}

function goalRows(rows: ReportRows, configuredGoals: readonly ConfiguredGoal[], visitors: number): GoalReportRow[] {
  const revenue = revenueByKey(rows.goalRevenue);
  const result = new Map<string, GoalReportRow>();
  const add = (name: string, storedClass: ConversionClass, hits: number, goalVisitors: number) => {
    const goalClass = goalClassOf(storedClass);
    if (goalClass === null) return;
    const key = goalRevenueKey(storedClass, name);
    const existing = result.get(key);
    const count = (existing?.count ?? 0) + hits;
    const converting = (existing?.visitors ?? 0) + goalVisitors;
    result.set(key, {
      name,
      class: goalClass.class,
      ...(goalClass.stage ? { stage: goalClass.stage } : {}),
      count,
      visitors: converting,
      conversion_rate: conversionRate(converting, visitors),
      revenue: revenueMap(revenue.get(key) ?? new Map()),
    });
  };
  // Configured goals are listed even at zero: a goal that stopped converting is news.
  for (const goal of configuredGoals) {
    add(goal.name, conversionClassOf(goal.class, goal.stage), 0, 0);
  }
  for (const row of rows.goals) add(row.goal, row.class, row.hits, row.goalVisitors);
  // By stage last: a goal name in two micro stages ("(other)") ranks the same whatever order its rows came in.
  return [...result.values()].sort(
    (a, b) =>
      (a.class === b.class ? 0 : a.class === "macro" ? -1 : 1) ||
      b.count - a.count ||
      a.name.localeCompare(b.name) ||
      (a.stage ?? "").localeCompare(b.stage ?? ""),
  );
}

/** Visit-level engagement: pages per visit, average duration and bounce rate, over the visits in range. */
export function engagementFigures(row: EngagementRow): EngagementFigures {
  return {
    visits: row.visits,
    pages_per_visit: ratio(row.pageviews, row.visits),
    visit_duration_s: ratio(row.visitDurationMs, row.visits) / 1_000,
    bounce_rate: ratio(row.bounces, row.visits),
  };
}

export function breakdownRows(breakdown: BreakdownRows, withEngagement = false): BreakdownReportRow[] {
  const revenue = revenueByKey(breakdown.revenue);
  const engagement = new Map(breakdown.engagement.map((row) => [row.page, row]));
  return breakdown.rows.map((row) => ({
    value: row.value,
    ...(row.label ? { name: row.label } : {}),
    visitors: row.visitors,
    pageviews: row.pageviews,
    micro: { count: row.microHits, visitors: row.microVisitors, conversion_rate: conversionRate(row.microVisitors, row.visitors) },
    macro: {
      count: row.macroHits,
      visitors: row.macroVisitors,
      conversion_rate: conversionRate(row.macroVisitors, row.visitors),
      revenue: revenueMap(revenue.get(row.value) ?? new Map()),
    },
    ...(withEngagement ? pageEngagement(engagement.get(row.value)) : {}),
    ...(row.visits === undefined
      ? {}
      : {
          visits: row.visits,
          bounce_rate: ratio(row.bounces ?? 0, row.visits),
          visit_duration_s: ratio(row.visitDurationMs ?? 0, row.visits) / 1_000,
        }),
  }));
}

/** The report's rows of one breakdown: exit pages as visits, every other dimension as hits and conversions. */
export function dimensionReportRows(dimension: Dimension, breakdown: BreakdownRows): BreakdownReportRow[] | ExitPageReportRow[] {
  if (isAddedDimension(dimension) && scopeOf(dimension) === "exit") {
    return breakdown.rows.map((row) => ({ value: row.value, visitors: row.visitors, visits: row.visits ?? 0 }));
  }
  return breakdownRows(breakdown, dimension === "page");
}

function pageEngagement(row: PageEngagementRow | undefined): { scroll_depth: number | null; engaged_s: number | null } {
  if (row === undefined || row.reports === 0) return { scroll_depth: null, engaged_s: null };
  return { scroll_depth: row.scrollDepthSum / row.reports, engaged_s: row.engagedMs / row.reports / 1_000 };
}

/** Assembles the report. Visitors over a range are the sum of daily unique visitors. */
/** The range as reports echo it: local dates, interval and the site's time zone. */
export interface ReportRangeEcho {
  from: string;
  to: string;
  interval: Interval;
  timezone: string;
}

export const echoRange = (range: ReportRange, timeZone: string): ReportRangeEcho => ({
  from: formatDay(range.fromDay),
  to: formatDay(range.toDay),
  interval: range.interval,
  timezone: timeZone,
});

export function buildReport(
  siteId: string,
  range: ReportRange,
  rows: ReportRows,
  configuredGoals: readonly ConfiguredGoal[],
  timeZone = DEFAULT_TIME_ZONE,
): StatsReport {
  const sum = (pick: (bucket: BucketRow) => number) => rows.buckets.reduce((total, bucket) => total + pick(bucket), 0);
  const visitors = sum((bucket) => bucket.visitors);
  const classFigures = (matches: (conversionClass: ConversionClass) => boolean) => {
    const selected = rows.classes.filter((row) => matches(row.class));
    const count = selected.reduce((total, row) => total + row.hits, 0);
    const converting = selected.reduce((total, row) => total + row.classVisitors, 0);
    return { count, visitors: converting, conversion_rate: conversionRate(converting, visitors) };
  };
  const macroRevenue = new Map<string, number>();
  for (const row of rows.goalRevenue) {
    if (row.key.startsWith(goalRevenueKey("macro", ""))) macroRevenue.set(row.currency, (macroRevenue.get(row.currency) ?? 0) + row.minor);
  }
  const breakdowns = Object.fromEntries(
    (Object.entries(rows.breakdowns) as [Dimension, BreakdownRows][]).map(([dimension, breakdown]) => [
      dimension,
      dimensionReportRows(dimension, breakdown),
    ]),
  ) as StatsReport["breakdowns"];
  const dropped: Record<string, number> = Object.fromEntries(DROP_REASONS.map((reason) => [reason, 0]));
  for (const row of rows.dropped) dropped[row.reason] = (dropped[row.reason] ?? 0) + row.hits;

  return {
    site: siteId,
    range: echoRange(range, timeZone),
    totals: { visitors, pageviews: sum((bucket) => bucket.pageviews), events: sum((bucket) => bucket.events) },
    conversions: {
      macro: { ...classFigures((c) => c === "macro"), revenue: revenueMap(macroRevenue) },
      micro: classFigures((c) => c === "micro_milestone" || c === "micro_secondary"),
    },
    goals: goalRows(rows, configuredGoals, visitors),
    timeseries: timeseries(range, rows.buckets, timeZone),
    breakdowns,
    engagement: engagementFigures(rows.engagement),
    dropped,
    other_hits: rows.otherHits,
  };
}
