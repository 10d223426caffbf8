import {
  DIMENSIONS,
  goalRevenueKey,
  type BucketRow,
  type ClassRow,
  type Dimension,
  type DimensionRow,
  type DropRow,
  type GoalRow,
  type ReportRows,
  type RevenueRow,
} from "../domain/report";

/**
 * Read side of a site's counters: plain GROUP BY sums over an hour range, nothing personal.
 * The report maths on top of these sums lives in domain/report.ts.
 */
const MICRO = "class IN ('micro_milestone', 'micro_secondary')";
const MACRO = "class = 'macro'";
const PAGEVIEW = "name = 'pageview'";

// Column names come from this fixed map, never from a request.
const DIMENSION_COLUMN: Record<Dimension, string> = {
  page: "page",
  source: "source",
  channel: "channel",
  campaign: "campaign",
  country: "country",
  device: "device",
};

type Row = Record<string, SqlStorageValue>;
const num = (value: SqlStorageValue | undefined): number => (typeof value === "number" ? value : 0);
const str = (value: SqlStorageValue | undefined): string => (typeof value === "string" ? value : "");

function all(sql: SqlStorage, query: string, ...bindings: SqlStorageValue[]): Row[] {
  return sql.exec<Row>(query, ...bindings).toArray();
}

export function readReportRows(sql: SqlStorage, fromHour: number, toHour: number, breakdownLimit: number): ReportRows {
  const inRange = "hour BETWEEN ? AND ?";
  const buckets: BucketRow[] = all(
    sql,
    `SELECT hour, SUM(visitors) AS visitors, SUM(hour_visitors) AS hour_visitors,
            SUM(CASE WHEN ${PAGEVIEW} THEN hits ELSE 0 END) AS pageviews,
            SUM(CASE WHEN name NOT IN ('pageview', 'engagement') THEN hits ELSE 0 END) AS events,
            SUM(CASE WHEN ${MICRO} THEN hits ELSE 0 END) AS micro,
            SUM(CASE WHEN ${MACRO} THEN hits ELSE 0 END) AS macro
       FROM hourly_counters WHERE ${inRange} GROUP BY hour ORDER BY hour`,
    fromHour,
    toHour,
  ).map((row) => ({
    hour: num(row.hour),
    visitors: num(row.visitors),
    hourVisitors: num(row.hour_visitors),
    pageviews: num(row.pageviews),
    events: num(row.events),
    micro: num(row.micro),
    macro: num(row.macro),
  }));

  const classes: ClassRow[] = all(
    sql,
    `SELECT class, SUM(hits) AS hits, SUM(class_visitors) AS class_visitors
       FROM hourly_counters WHERE ${inRange} AND (${MACRO} OR ${MICRO}) GROUP BY class`,
    fromHour,
    toHour,
  ).map((row) => ({ class: str(row.class) as ClassRow["class"], hits: num(row.hits), classVisitors: num(row.class_visitors) }));

  const goals: GoalRow[] = all(
    sql,
    `SELECT goal, class, SUM(hits) AS hits, SUM(goal_visitors) AS goal_visitors
       FROM hourly_counters WHERE ${inRange} AND goal != '' GROUP BY goal, class`,
    fromHour,
    toHour,
  ).map((row) => ({ goal: str(row.goal), class: str(row.class) as GoalRow["class"], hits: num(row.hits), goalVisitors: num(row.goal_visitors) }));

  const goalRevenue: RevenueRow[] = all(
    sql,
    `SELECT class, goal, currency, SUM(revenue_micros) AS micros
       FROM hourly_counters WHERE ${inRange} AND currency != '' AND goal != '' GROUP BY class, goal, currency`,
    fromHour,
    toHour,
  ).map((row) => ({ key: goalRevenueKey(str(row.class), str(row.goal)), currency: str(row.currency), micros: num(row.micros) }));

  const breakdowns = Object.fromEntries(
    DIMENSIONS.map((dimension) => [dimension, readBreakdown(sql, dimension, fromHour, toHour, breakdownLimit)]),
  ) as ReportRows["breakdowns"];

  const dropped: DropRow[] = all(
    sql,
    `SELECT reason, SUM(hits) AS hits FROM dropped_hits WHERE ${inRange} GROUP BY reason`,
    fromHour,
    toHour,
  ).map((row) => ({ reason: str(row.reason), hits: num(row.hits) }));

  return { buckets, classes, goals, goalRevenue, breakdowns, dropped };
}

/**
 * Top values of one dimension. Pages count the visitors who had a hit on the page that day;
 * the other dimensions describe the whole visitor-day (its first hit), so they count daily uniques.
 */
function readBreakdown(sql: SqlStorage, dimension: Dimension, fromHour: number, toHour: number, limit: number): ReportRows["breakdowns"][Dimension] {
  const column = DIMENSION_COLUMN[dimension];
  const visitorsColumn = dimension === "page" ? "page_visitors" : "visitors";
  const rows: DimensionRow[] = all(
    sql,
    `SELECT ${column} AS value, SUM(${visitorsColumn}) AS visitors,
            SUM(CASE WHEN ${PAGEVIEW} THEN hits ELSE 0 END) AS pageviews,
            SUM(CASE WHEN ${MICRO} THEN hits ELSE 0 END) AS micro_hits,
            SUM(CASE WHEN ${MICRO} THEN class_visitors ELSE 0 END) AS micro_visitors,
            SUM(CASE WHEN ${MACRO} THEN hits ELSE 0 END) AS macro_hits,
            SUM(CASE WHEN ${MACRO} THEN class_visitors ELSE 0 END) AS macro_visitors
       FROM hourly_counters WHERE hour BETWEEN ? AND ? AND name != 'engagement'
       GROUP BY ${column} ORDER BY visitors DESC, pageviews DESC, value LIMIT ?`,
    fromHour,
    toHour,
    limit,
  ).map((row) => ({
    value: str(row.value),
    visitors: num(row.visitors),
    pageviews: num(row.pageviews),
    microHits: num(row.micro_hits),
    microVisitors: num(row.micro_visitors),
    macroHits: num(row.macro_hits),
    macroVisitors: num(row.macro_visitors),
  }));
  const revenue: RevenueRow[] = all(
    sql,
    `SELECT ${column} AS value, currency, SUM(revenue_micros) AS micros
       FROM hourly_counters WHERE hour BETWEEN ? AND ? AND ${MACRO} AND currency != ''
       GROUP BY ${column}, currency`,
    fromHour,
    toHour,
  ).map((row) => ({ key: str(row.value), currency: str(row.currency), micros: num(row.micros) }));
  return { rows, revenue };
}
