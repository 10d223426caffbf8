import { MAIN_CAPPED_DIMENSIONS, type MainCappedDimension, OTHER_VALUE } from "../domain/ingest/value-caps";
import { MAIN_DIMENSIONS, type MainDimension } from "../domain/reports/dimensions";
import { type BreakdownRows, type BucketRow, type ClassRow, type GoalRow, goalRevenueKey, type ReportRows } from "../domain/reports/report";
import { convertingColumnFor, type FilterField, mainFilters, visitorsColumnFor } from "../domain/reports/report-filter";
import { BreakdownSums, isMicro, kindOf } from "./breakdown-sums";
import type { HOURLY_TABLES } from "./counter-tables";
import { entryIndexOf, scanEntries } from "./packed-counters";
import { FILTER_COLUMN, type Scope } from "./report-queries";

/**
 * A report's rows summed live from the counters, in one scan: the packed counter entries in scope
 * are decoded and summed here (packed-counters.ts scanEntries), instead of by the 17 GROUP BY queries of report-queries.ts
 * readReportRows, each of which scans the whole hour range. Reports read this way over days that
 * are not aggregated (today, filters, hourly buckets): with 31 days of hourly detail a 90-day
 * range holds ~100,000 counter rows, and a filter keeps the cost of each scan but few of its rows.
 * Same sums, same groups, same order and cut as readReportRows
 * (test/storage/report-sums.property.test.ts checks it on random counters).
 */
/** The columns a scan reads besides the dimensions: the event's key columns and every sum of the main counters (counter-tables.ts). */
type Column = "name" | "goal" | "class" | "currency" | (typeof HOURLY_TABLES)[0]["sums"][number];

/** Adds `amount` under `key` (revenue per key and currency, for RevenueRow lists). */
function addRevenue(into: Map<string, Map<string, number>>, key: string, currency: string, amount: number): void {
  const currencies = into.get(key) ?? new Map<string, number>();
  currencies.set(currency, (currencies.get(currency) ?? 0) + amount);
  into.set(key, currencies);
}
const revenueRows = (revenue: Map<string, Map<string, number>>) =>
  [...revenue].flatMap(([key, currencies]) => [...currencies].map(([currency, minor]) => ({ key, currency, minor })));

/** Where a scan's counter entries come from, given the filters as exact column values. */
export type EntrySource = (
  equal: readonly [column: string, value: string][],
) => Iterable<{ hour: number; entry: readonly SqlStorageValue[] }>;

/**
 * Everything of a report but the drops, over the counters in scope, in one scan. `withNames` adds
 * a breakdown by event name (`name`; engagement reports left out, as in every breakdown).
 * `source` gives the entries in scope: by default the packed hours; a filtered report also reads
 * closed days' columns (report-reader.ts).
 */
export function scanReportRows(
  sql: SqlStorage,
  scope: Scope,
  breakdownLimit: number,
  withNames = false,
  source: EntrySource = (equal) => scanEntries(sql, "hourly_counters", scope.fromHour, scope.toHour, equal),
): Omit<ReportRows, "dropped"> {
  // Positions in a packed entry (key columns, then sums); the hour comes with the entry.
  const at = entryIndexOf("hourly_counters") as Record<Column | MainDimension | MainCappedDimension, number>;
  const visitorsAt = at[visitorsColumnFor(scope.filters)];
  const hourVisitorsAt = visitorsColumnFor(scope.filters) === "visitors" ? at.hour_visitors : visitorsAt;
  const convertingAt = at[convertingColumnFor(scope.filters)];
  const breakdownVisitorsAt = Object.fromEntries(
    MAIN_DIMENSIONS.map((dimension) => [dimension, at[visitorsColumnFor(scope.filters, dimension)]]),
  );

  const buckets = new Map<number, BucketRow>();
  const classes = new Map<string, ClassRow>();
  const goals = new Map<string, GoalRow>();
  const goalRevenue = new Map<string, Map<string, number>>();
  const engagement = { visits: 0, bounces: 0, visitDurationMs: 0, pageviews: 0 };
  const otherHits = Object.fromEntries(MAIN_CAPPED_DIMENSIONS.map((dimension) => [dimension, 0])) as Record<MainCappedDimension, number>;
  const breakdowns = new Map(
    [...MAIN_DIMENSIONS, ...(withNames ? (["name"] as const) : [])].map((dimension) => [
      dimension,
      new BreakdownSums(dimension === "page"),
    ]),
  );

  const equal = Object.entries(mainFilters(scope.filters)).flatMap(([field, value]) =>
    value === undefined ? [] : [[FILTER_COLUMN[field as FilterField], value] as [string, string]],
  );
  // Read through the entry being summed (`row`): made once, not once per entry.
  let row: readonly SqlStorageValue[] = [];
  const text = (index: number) => row[index] as string;
  const count = (index: number) => Number(row[index] ?? 0);
  for (const { hour, entry } of source(equal)) {
    row = entry;
    const name = text(at.name);
    const conversionClass = text(at.class);
    const currency = text(at.currency);
    const hits = count(at.hits);
    const converting = count(convertingAt);
    const pageview = name === "pageview";
    const micro = isMicro(conversionClass);
    const macro = conversionClass === "macro";

    const bucket = buckets.get(hour) ?? { hour, visitors: 0, hourVisitors: 0, pageviews: 0, events: 0, micro: 0, macro: 0 };
    buckets.set(hour, bucket);
    bucket.visitors += count(visitorsAt);
    bucket.hourVisitors += count(hourVisitorsAt);
    if (pageview) bucket.pageviews += hits;
    else if (name !== "engagement") bucket.events += hits;
    if (micro) bucket.micro += hits;
    if (macro) bucket.macro += hits;

    if (micro || macro) {
      const entry = classes.get(conversionClass) ?? { class: conversionClass as ClassRow["class"], hits: 0, classVisitors: 0 };
      entry.hits += hits;
      entry.classVisitors += converting;
      classes.set(conversionClass, entry);
    }

    const goal = text(at.goal);
    if (goal !== "") {
      const key = goalRevenueKey(conversionClass, goal);
      const entry = goals.get(key) ?? { goal, class: conversionClass as GoalRow["class"], hits: 0, goalVisitors: 0 };
      entry.hits += hits;
      entry.goalVisitors += count(at.goal_visitors);
      goals.set(key, entry);
      if (currency !== "") addRevenue(goalRevenue, key, currency, count(at.revenue_minor));
    }

    const kind = kindOf(name);
    const revenueMinor = count(at.revenue_minor);
    const scrollDepthSum = count(at.scroll_depth_sum);
    const engagedMs = count(at.engaged_ms);
    for (const [dimension, breakdown] of breakdowns) {
      const visitors = count(breakdownVisitorsAt[dimension] ?? visitorsAt);
      breakdown.add(
        text(at[dimension]),
        kind,
        conversionClass,
        currency,
        hits,
        visitors,
        converting,
        revenueMinor,
        scrollDepthSum,
        engagedMs,
      );
    }

    engagement.visits += count(at.visits);
    engagement.bounces += count(at.bounces);
    engagement.visitDurationMs += count(at.visit_duration_ms);
    if (pageview) engagement.pageviews += hits;
    for (const dimension of MAIN_CAPPED_DIMENSIONS) if (text(at[dimension]) === OTHER_VALUE) otherHits[dimension] += hits;
  }

  return {
    buckets: [...buckets.values()].sort((a, b) => a.hour - b.hour),
    classes: [...classes.values()],
    goals: [...goals.values()],
    goalRevenue: revenueRows(goalRevenue),
    breakdowns: Object.fromEntries(
      [...breakdowns].map(([dimension, breakdown]): [MainDimension | "name", BreakdownRows] => [
        dimension,
        breakdown.result(breakdownLimit),
      ]),
    ) as ReportRows["breakdowns"],
    engagement,
    otherHits,
  };
}
