import { MAIN_CAPPED_DIMENSIONS, OTHER_VALUE } from "../domain/ingest/value-caps";
import { MAIN_DIMENSIONS, type MainDimension } from "../domain/reports/dimensions";
import {
  type BreakdownRows,
  type BucketRow,
  type ClassRow,
  type DimensionRow,
  type EngagementRow,
  type FunnelStepRow,
  type GoalRow,
  goalRevenueKey,
  type ReportRows,
  type RevenueRow,
  type VariantGoalRow,
} from "../domain/reports/report";
import type { FilterField, ReportFilters, VisitorsColumn } from "../domain/reports/report-filter";
import { convertingColumnFor, mainFilters, visitorsColumnFor } from "../domain/reports/report-filter";
import { NO_VARIANT } from "../domain/visitors/visit-tracker";

/**
 * Read side of a site's counters: GROUP BY sums over an hour range, filtered by exact values.
 * Column names come from fixed maps here, never from a request; values are always bound.
 * The report maths on top of these sums lives in domain/report.ts.
 */
const MICRO = "class IN ('micro_milestone', 'micro_secondary')";
const MACRO = "class = 'macro'";
const PAGEVIEW = "name = 'pageview'";

export const FILTER_COLUMN: Record<FilterField, string> = {
  page: "page",
  channel: "channel",
  source: "source",
  country: "country",
  device: "device",
  variant: "variant",
  goal: "goal",
  campaign: "campaign",
  name: "name",
};

const DIMENSION_COLUMN: Record<MainDimension | "variant", string> = {
  page: "page",
  source: "source",
  channel: "channel",
  campaign: "campaign",
  country: "country",
  device: "device",
  variant: "variant",
};

type Row = Record<string, SqlStorageValue>;
const num = (value: SqlStorageValue | undefined): number => (typeof value === "number" ? value : 0);
const str = (value: SqlStorageValue | undefined): string => (typeof value === "string" ? value : "");

/** Hour range plus filters as one WHERE clause and its bindings (the main filters; added ones are read elsewhere). */
export interface Scope {
  fromHour: number;
  toHour: number;
  filters: ReportFilters;
}

export function where(scope: Scope, extra?: string): { clause: string; bindings: SqlStorageValue[] } {
  const parts = ["hour BETWEEN ? AND ?"];
  const bindings: SqlStorageValue[] = [scope.fromHour, scope.toHour];
  for (const [field, value] of Object.entries(mainFilters(scope.filters)) as [FilterField, string | undefined][]) {
    if (value === undefined) continue;
    parts.push(`${FILTER_COLUMN[field]} = ?`);
    bindings.push(value);
  }
  if (extra) parts.push(extra);
  return { clause: parts.join(" AND "), bindings };
}

function all(sql: SqlStorage, query: string, bindings: SqlStorageValue[]): Row[] {
  return sql.exec<Row>(query, ...bindings).toArray();
}

/**
 * Everything of a report but the drops, which DropCounter reads. The reference for the sums that
 * reports read from the day aggregates and from one scan (day-aggregates.ts, report-scan.ts).
 */
export function readReportRows(
  sql: SqlStorage,
  scope: Scope,
  breakdownLimit: number,
  dimensions: readonly MainDimension[] = MAIN_DIMENSIONS,
): Omit<ReportRows, "dropped"> {
  const visitors = visitorsColumnFor(mainFilters(scope.filters));
  const scoped = where(scope);
  const buckets: BucketRow[] = all(
    sql,
    `SELECT hour, SUM(${visitors}) AS visitors, SUM(${visitors === "visitors" ? "hour_visitors" : visitors}) AS hour_visitors,
            SUM(CASE WHEN ${PAGEVIEW} THEN hits ELSE 0 END) AS pageviews,
            SUM(CASE WHEN name NOT IN ('pageview', 'engagement') THEN hits ELSE 0 END) AS events,
            SUM(CASE WHEN ${MICRO} THEN hits ELSE 0 END) AS micro,
            SUM(CASE WHEN ${MACRO} THEN hits ELSE 0 END) AS macro
       FROM hourly_counters WHERE ${scoped.clause} GROUP BY hour ORDER BY hour`,
    scoped.bindings,
  ).map((row) => ({
    hour: num(row.hour),
    visitors: num(row.visitors),
    hourVisitors: num(row.hour_visitors),
    pageviews: num(row.pageviews),
    events: num(row.events),
    micro: num(row.micro),
    macro: num(row.macro),
  }));

  const converting = convertingColumnFor(scope.filters);
  const classes: ClassRow[] = all(
    sql,
    `SELECT class, SUM(hits) AS hits, SUM(${converting}) AS class_visitors
       FROM hourly_counters WHERE ${scoped.clause} AND (${MACRO} OR ${MICRO}) GROUP BY class`,
    scoped.bindings,
  ).map((row) => ({ class: str(row.class) as ClassRow["class"], hits: num(row.hits), classVisitors: num(row.class_visitors) }));

  const breakdowns: ReportRows["breakdowns"] = Object.fromEntries(
    dimensions.map((dimension) => [dimension, readBreakdown(sql, scope, dimension, breakdownLimit)]),
  );

  const engagement = readEngagement(sql, scope);
  const otherHits = readOtherHits(sql, scope);

  return { buckets, classes, ...readGoals(sql, scope), breakdowns, engagement, otherHits };
}

/** Per goal: conversions and converting visitors, and revenue per currency. */
export function readGoals(sql: SqlStorage, scope: Scope): Pick<ReportRows, "goals" | "goalRevenue"> {
  const scoped = where(scope, "goal != ''");
  const goals: GoalRow[] = all(
    sql,
    `SELECT goal, class, SUM(hits) AS hits, SUM(goal_visitors) AS goal_visitors
       FROM hourly_counters WHERE ${scoped.clause} GROUP BY goal, class`,
    scoped.bindings,
  ).map((row) => ({
    goal: str(row.goal),
    class: str(row.class) as GoalRow["class"],
    hits: num(row.hits),
    goalVisitors: num(row.goal_visitors),
  }));
  const goalRevenue: RevenueRow[] = all(
    sql,
    `SELECT class, goal, currency, TOTAL(revenue_minor) AS minor
       FROM hourly_counters WHERE ${scoped.clause} AND currency != '' GROUP BY class, goal, currency`,
    scoped.bindings,
  ).map((row) => ({ key: goalRevenueKey(str(row.class), str(row.goal)), currency: str(row.currency), minor: num(row.minor) }));
  return { goals, goalRevenue };
}

/** Visitors in scope, summed per day, with the class-level converting visitors. */
export function readTotals(sql: SqlStorage, scope: Scope): { visitors: number; microVisitors: number; macroVisitors: number } {
  const scoped = where(scope);
  const row = all(
    sql,
    `SELECT SUM(${visitorsColumnFor(mainFilters(scope.filters))}) AS visitors,
            SUM(CASE WHEN ${MICRO} THEN class_visitors ELSE 0 END) AS micro_visitors,
            SUM(CASE WHEN ${MACRO} THEN class_visitors ELSE 0 END) AS macro_visitors
       FROM hourly_counters WHERE ${scoped.clause}`,
    scoped.bindings,
  )[0];
  return { visitors: num(row?.visitors), microVisitors: num(row?.micro_visitors), macroVisitors: num(row?.macro_visitors) };
}

/**
 * Top values of one dimension. Pages count the visitors who had a hit on the page that day;
 * the other dimensions describe the whole visitor-day (its first hit), so they count daily uniques.
 */
export function readBreakdown(sql: SqlStorage, scope: Scope, dimension: MainDimension | "variant", limit: number): BreakdownRows {
  const column = DIMENSION_COLUMN[dimension];
  const visitors: VisitorsColumn = visitorsColumnFor(mainFilters(scope.filters), dimension);
  const converting = convertingColumnFor(scope.filters);
  const scoped = where(scope, "name != 'engagement'");
  const rows: DimensionRow[] = all(
    sql,
    `SELECT ${column} AS value, SUM(${visitors}) AS visitors,
            SUM(CASE WHEN ${PAGEVIEW} THEN hits ELSE 0 END) AS pageviews,
            SUM(CASE WHEN ${MICRO} THEN hits ELSE 0 END) AS micro_hits,
            SUM(CASE WHEN ${MICRO} THEN ${converting} ELSE 0 END) AS micro_visitors,
            SUM(CASE WHEN ${MACRO} THEN hits ELSE 0 END) AS macro_hits,
            SUM(CASE WHEN ${MACRO} THEN ${converting} ELSE 0 END) AS macro_visitors
       FROM hourly_counters WHERE ${scoped.clause}
       GROUP BY ${column} ORDER BY visitors DESC, pageviews DESC, value LIMIT ?`,
    [...scoped.bindings, limit],
  ).map((row) => ({
    value: str(row.value),
    visitors: num(row.visitors),
    pageviews: num(row.pageviews),
    microHits: num(row.micro_hits),
    microVisitors: num(row.micro_visitors),
    macroHits: num(row.macro_hits),
    macroVisitors: num(row.macro_visitors),
  }));
  const money = where(scope, `${MACRO} AND currency != ''`);
  const revenue: RevenueRow[] = all(
    sql,
    `SELECT ${column} AS value, currency, TOTAL(revenue_minor) AS minor
       FROM hourly_counters WHERE ${money.clause} GROUP BY ${column}, currency`,
    money.bindings,
  ).map((row) => ({ key: str(row.value), currency: str(row.currency), minor: num(row.minor) }));
  const engagement = dimension === "page" ? readPageEngagement(sql, scope) : [];
  return { rows, revenue, engagement };
}

function readEngagement(sql: SqlStorage, scope: Scope): EngagementRow {
  const scoped = where(scope);
  const row = all(
    sql,
    `SELECT SUM(visits) AS visits, SUM(bounces) AS bounces, SUM(visit_duration_ms) AS duration,
            SUM(CASE WHEN ${PAGEVIEW} THEN hits ELSE 0 END) AS pageviews
       FROM hourly_counters WHERE ${scoped.clause}`,
    scoped.bindings,
  )[0];
  return { visits: num(row?.visits), bounces: num(row?.bounces), visitDurationMs: num(row?.duration), pageviews: num(row?.pageviews) };
}

function readPageEngagement(sql: SqlStorage, scope: Scope): { page: string; reports: number; scrollDepthSum: number; engagedMs: number }[] {
  const scoped = where(scope, "name = 'engagement'");
  return all(
    sql,
    `SELECT page, SUM(hits) AS reports, SUM(scroll_depth_sum) AS scroll, SUM(engaged_ms) AS engaged
       FROM hourly_counters WHERE ${scoped.clause} GROUP BY page`,
    scoped.bindings,
  ).map((row) => ({ page: str(row.page), reports: num(row.reports), scrollDepthSum: num(row.scroll), engagedMs: num(row.engaged) }));
}

/** Funnel and lift counters carry only visitor-level dimensions; the route refuses other filters. */
function visitorWhere(scope: Scope): { clause: string; bindings: SqlStorageValue[] } {
  return where({ ...scope, filters: { ...scope.filters, page: undefined, goal: undefined, name: undefined } });
}

export function readFunnelSteps(sql: SqlStorage, scope: Scope): FunnelStepRow[] {
  const scoped = visitorWhere(scope);
  return all(
    sql,
    `SELECT funnel, step, SUM(visitors) AS visitors FROM funnel_counters WHERE ${scoped.clause} GROUP BY funnel, step`,
    scoped.bindings,
  ).map((row) => ({ funnel: str(row.funnel), step: num(row.step), visitors: num(row.visitors) }));
}

/** Per micro goal: visitors who completed it and also converted macro the same day. */
export function readLiftPairs(sql: SqlStorage, scope: Scope): Map<string, number> {
  const scoped = visitorWhere(scope);
  const rows = all(sql, `SELECT goal, SUM(visitors) AS visitors FROM lift_counters WHERE ${scoped.clause} GROUP BY goal`, scoped.bindings);
  return new Map(rows.map((row) => [str(row.goal), num(row.visitors)]));
}

/** Per variant and goal: conversions and converting visitors (after the visitor saw the variant). */
export function readVariantGoals(sql: SqlStorage, scope: Scope): VariantGoalRow[] {
  const scoped = where(scope, "goal != ''");
  return all(
    sql,
    `SELECT variant, goal, class, SUM(hits) AS hits, SUM(goal_visitors) AS goal_visitors
       FROM hourly_counters WHERE ${scoped.clause} AND variant != ? GROUP BY variant, goal, class`,
    [...scoped.bindings, NO_VARIANT],
  ).map((row) => ({
    variant: str(row.variant),
    goal: str(row.goal),
    class: str(row.class) as VariantGoalRow["class"],
    hits: num(row.hits),
    goalVisitors: num(row.goal_visitors),
  }));
}

/** The main counters' columns whose values are capped per day (the added ones: report-reader.ts). */
const CAPPED_COLUMNS = MAIN_CAPPED_DIMENSIONS;

/** Hits counted under "(other)" per capped main dimension (domain/ingest/value-caps.ts). */
function readOtherHits(sql: SqlStorage, scope: Scope): Record<string, number> {
  const scoped = where(scope);
  const row = all(
    sql,
    `SELECT ${CAPPED_COLUMNS.map((column) => `SUM(CASE WHEN ${column} = ? THEN hits ELSE 0 END) AS ${column}`).join(", ")}
       FROM hourly_counters WHERE ${scoped.clause}`,
    [...CAPPED_COLUMNS.map(() => OTHER_VALUE), ...scoped.bindings],
  )[0];
  return Object.fromEntries(CAPPED_COLUMNS.map((column) => [column, num(row?.[column])]));
}
