import { MAIN_CAPPED_DIMENSIONS, type MainCappedDimension, OTHER_VALUE } from "../domain/ingest/value-caps";
import { MAIN_DIMENSIONS, type MainDimension } from "../domain/reports/dimensions";
import {
  type BreakdownRows,
  type BucketRow,
  type ClassRow,
  type GoalRow,
  goalRevenueKey,
  type ReportRows,
  type RevenueRow,
} from "../domain/reports/report";
import type { ReportFilters, VisitorsColumn } from "../domain/reports/report-filter";
import { dayOfHour, firstHourOfDay, lastHourOfDay } from "../domain/time/utc-time";
import { BreakdownSums } from "./breakdown-sums";
import { type AggregateEntry, DayBlocks } from "./day-blocks";
import { daysWithColumns, deleteDayColumns, scanDayColumns, writeDayColumns } from "./day-columns";
import { ALL_DIMENSIONS, packByDimension, unpackDimension } from "./packed-rows";
import { scanReportRows } from "./report-scan";

/**
 * Per-day pre-aggregates of closed local days, so that a long unfiltered report reads a few
 * hundred rows per day instead of every hourly counter (the 90-day report of a 1M-hit site: one
 * row per dimension, value, kind, class and currency and day, ~350 a day, against thousands of
 * hourly counter rows per day of hourly detail).
 *
 * - `day_dimensions`: per aggregated dimension (AGGREGATE_SOURCES), day, value, hit kind
 *   (pageview, engagement, event), class and currency, the sums a breakdown needs: hits, the
 *   dimension's visitors column, converting (class) visitors, revenue, scroll depth and engaged time.
 *   Stored packed, a JSON array of entries per dimension and day in `day_dimension_parts` (a
 *   day of thousands of pages was thousands of rows written), read through the view of that name.
 * - `day_totals`: per day, hit kind and class, the sums of the day's buckets, classes and visit
 *   engagement (hits, visitors, hourly visitors, class visitors, visits, bounces, duration).
 * - `aggregated_days`: a day is read from the two tables only while it has a mark.
 *
 * Every figure is a sum of counter columns grouped by keys the unfiltered report groups by, so a
 * report summed from these rows is exactly the one summed from the counters. A day is aggregated
 * once it is over (`closeDaysBefore`, from the daily maintenance); a counter written into an
 * aggregated day later (a hit a trusted sender dated back) reopens it (`reopen`): its rows and
 * mark go, reads take it live from the counters again and the next maintenance aggregates it
 * anew. Folding a day's hours into one bucket keeps its sums, so its aggregates stay right.
 */

/** One aggregated dimension: where its rows come from and which once-per-visitor-day column counts its visitors. */
export interface AggregateSource {
  /**
   * Counter table keyed by local `hour`, with columns `name`, `class`, `currency`, `hits`,
   * `class_visitors`, `revenue_minor`, `scroll_depth_sum`, `engaged_ms` and the visitors column.
   */
  table: string;
  /** SQL expression (a column of `table`) giving the dimension's value. */
  value: string;
  visitors: VisitorsColumn;
  /** Condition on `table`'s rows, e.g. `goal != ''`, or `dimension = 'browser'` in a table holding several. */
  where?: string;
}

const counters = (column: string, visitors: VisitorsColumn = "visitors", where?: string): AggregateSource => ({
  table: "hourly_counters",
  value: column,
  visitors,
  ...(where ? { where } : {}),
});

/**
 * Every dimension the day aggregates keep, by the name stored in `day_dimensions.dimension`.
 * Each report breakdown (MAIN_DIMENSIONS) needs one, and so does each capped dimension (its "(other)"
 * hits); adding a breakdown means listing its source here. The visitors columns are those of the
 * unfiltered live queries (report-filter.ts visitorsColumnFor): page visitors for pages, variant
 * visitors for variants, goal visitors for goals, daily visitors otherwise.
 */
export const AGGREGATE_SOURCES: Record<MainDimension | MainCappedDimension, AggregateSource> & Record<string, AggregateSource> = {
  page: counters("page", "page_visitors"),
  source: counters("source"),
  channel: counters("channel"),
  campaign: counters("campaign"),
  country: counters("country"),
  device: counters("device"),
  variant: counters("variant", "variant_visitors"),
  goal: counters("goal", "goal_visitors", "goal != ''"),
  name: counters("name"),
};

/** Hits by kind, from the event name: what the report's pageviews, events and breakdowns select on. */
const KIND = "CASE name WHEN 'pageview' THEN 'pageview' WHEN 'engagement' THEN 'engagement' ELSE 'event' END";

type Row = Record<string, SqlStorageValue>;
/** Aggregated days given columns per alarm when they have none (DayAggregates.backfillColumns). */
const COLUMN_BACKFILL_DAYS = 14;
/** Packed counter bytes from which a day gets columns (DayAggregates.worthColumns). */
const COLUMNS_MIN_BYTES = 100_000;
/** Answers kept by DayAggregates (a dashboard's panels over a few ranges). */
const RECENT_ANSWERS = 16;
const num = (value: SqlStorageValue | undefined): number => (typeof value === "number" ? value : 0);
const str = (value: SqlStorageValue | undefined): string => (typeof value === "string" ? value : "");

/** Everything of a report but the drops, for a range of aggregated days. */
export type AggregatedRows = Omit<ReportRows, "dropped">;

/** The `day_dimensions`, `day_totals` and `aggregated_days` tables: built at day close, read by reports. */
export class DayAggregates {
  private readonly blocks: DayBlocks;
  /**
   * Recent answers of `reportRows` and `breakdown`, by their arguments: closed days change only
   * when a day is aggregated or reopened (every entry is forgotten then), and a dashboard reads
   * the same ranges again and again. At most RECENT_ANSWERS, least recently read first out.
   */
  private readonly recent = new Map<string, AggregatedRows | BreakdownRows>();

  constructor(private readonly sql: SqlStorage) {
    this.blocks = new DayBlocks(sql, (dimension, day) => this.dayEntries(dimension, day));
  }

  private all(query: string, ...bindings: SqlStorageValue[]): Row[] {
    return this.sql.exec<Row>(query, ...bindings).toArray();
  }

  private isAggregated(day: number): boolean {
    return this.all("SELECT 1 FROM aggregated_days WHERE day = ?", day).length > 0;
  }

  /** Days in `[fromDay, toDay]` read from the aggregates, ascending. */
  aggregatedDays(fromDay: number, toDay: number): number[] {
    return this.all("SELECT day FROM aggregated_days WHERE day BETWEEN ? AND ? ORDER BY day", fromDay, toDay).map((row) => num(row.day));
  }

  /**
   * Aggregates every day before `today` that has counters and no mark: the day that just closed,
   * a reopened day, and on an object written before the aggregates existed, every past day.
   * Returns the rows written. Days with counters are found by seeking the hour key day by day.
   */
  closeDaysBefore(today: number): number {
    let rowsWritten = 0;
    const marked = new Set(this.aggregatedDays(Number.MIN_SAFE_INTEGER, today - 1));
    const closed: number[] = [];
    let hour = this.firstHourFrom(Number.MIN_SAFE_INTEGER);
    while (hour !== null && dayOfHour(hour) < today) {
      const day = dayOfHour(hour);
      if (!marked.has(day)) {
        rowsWritten += this.build(day);
        closed.push(day);
      }
      hour = this.firstHourFrom(firstHourOfDay(day + 1));
    }
    // Then the blocks of days those days complete (day-blocks.ts); after an upgrade from before
    // the blocks, of every aggregated day.
    rowsWritten += this.backfillColumns(today);
    const upgrade = this.all("SELECT 1 FROM site_settings WHERE key = 'day_blocks_upgrade'").length > 0;
    rowsWritten += this.blocks.build(Object.keys(AGGREGATE_SOURCES), upgrade ? [...marked, ...closed] : closed, today - 2);
    if (upgrade) rowsWritten += this.sql.exec("DELETE FROM site_settings WHERE key = 'day_blocks_upgrade'").rowsWritten;
    return rowsWritten;
  }

  /**
   * Columns for the days aggregated before the columns existed (the migration sets the setting),
   * newest first, at most COLUMN_BACKFILL_DAYS an alarm: writing a day's columns takes ~50 ms on a
   * day of 11,000 hits, so a year of them is spread over a few weeks of alarms; until then those
   * days are read from their hours, as before. Returns rows written.
   */
  private backfillColumns(today: number): number {
    if (this.all("SELECT 1 FROM site_settings WHERE key = 'day_columns_backfill'").length === 0) return 0;
    const withColumns = new Set(daysWithColumns(this.sql, Number.MIN_SAFE_INTEGER, today));
    const missing = this.aggregatedDays(Number.MIN_SAFE_INTEGER, today - 1).filter((day) => !withColumns.has(day));
    let rowsWritten = 0;
    let written = 0;
    for (const day of missing.reverse()) {
      if (written === COLUMN_BACKFILL_DAYS) return rowsWritten;
      if (!this.worthColumns(day)) continue;
      rowsWritten += writeDayColumns(this.sql, day);
      written++;
    }
    return rowsWritten + this.sql.exec("DELETE FROM site_settings WHERE key = 'day_columns_backfill'").rowsWritten;
  }

  /**
   * Whether a day's counters are worth a column copy: from COLUMNS_MIN_BYTES of packed entries
   * (about 700 entries) on. Smaller days are read from their hours in well under a millisecond,
   * and a site with a hit now and then writes no more rows at its day close.
   */
  private worthColumns(day: number): boolean {
    const row = this.all(
      "SELECT TOTAL(length(body)) AS bytes FROM hourly_counters_parts WHERE hour BETWEEN ? AND ?",
      firstHourOfDay(day),
      lastHourOfDay(day),
    )[0];
    return num(row?.bytes) >= COLUMNS_MIN_BYTES;
  }

  private firstHourFrom(hour: number): number | null {
    // The packed parts, not the view: MIN over the view would unpack every part from `hour` on.
    const row = this.all("SELECT MIN(hour) AS hour FROM hourly_counters_parts WHERE hour >= ?", hour)[0];
    return typeof row?.hour === "number" ? row.hour : null;
  }

  /** Writes one day's aggregates and its mark (in the caller's transaction); returns the rows written. */
  private build(day: number): number {
    let rowsWritten = this.clear(day);
    const from = firstHourOfDay(day);
    const to = lastHourOfDay(day);
    const byDimension: [string, SqlStorageValue[][]][] = [];
    for (const [dimension, source] of Object.entries(AGGREGATE_SOURCES)) {
      // Entries in the order of migrations.ts DAY_DIMENSION_COLUMNS.
      const entries = [
        ...this.sql
          .exec(
            `SELECT ${source.value} AS v, ${KIND} AS k, class, currency, SUM(hits), SUM(${source.visitors}), SUM(class_visitors),
                  TOTAL(revenue_minor), SUM(scroll_depth_sum), SUM(engaged_ms)
             FROM ${source.table} WHERE hour BETWEEN ? AND ?${source.where ? ` AND ${source.where}` : ""}
            GROUP BY v, k, class, currency`,
            from,
            to,
          )
          .raw(),
      ];
      byDimension.push([dimension, entries]);
    }
    // A small day's dimensions share one row: a day of a few hits wrote a row per dimension.
    for (const [dimension, bodies] of packByDimension(byDimension)) {
      bodies.forEach((body, part) => {
        rowsWritten += this.sql.exec(
          "INSERT INTO day_dimension_parts (dimension, day, part, body) VALUES (?, ?, ?, ?)",
          dimension,
          day,
          part,
          body,
        ).rowsWritten;
      });
    }
    rowsWritten += this.sql.exec(
      `INSERT INTO day_totals (day, kind, class, hits, visitors, hour_visitors, class_visitors, visits, bounces, visit_duration_ms)
       SELECT ?, ${KIND} AS k, class, SUM(hits), SUM(visitors), SUM(hour_visitors), SUM(class_visitors), SUM(visits), SUM(bounces),
              SUM(visit_duration_ms)
         FROM hourly_counters WHERE hour BETWEEN ? AND ?
        GROUP BY k, class`,
      day,
      from,
      to,
    ).rowsWritten;
    rowsWritten += this.sql.exec("INSERT INTO aggregated_days (day) VALUES (?)", day).rowsWritten;
    // The day's counter entries again, column by column, for filtered reports.
    if (this.worthColumns(day)) rowsWritten += writeDayColumns(this.sql, day);
    return rowsWritten;
  }

  /**
   * Forgets an aggregated day's rows and mark, because counters of that day are being written
   * (in the caller's transaction): reads then sum the day live, and the next maintenance
   * aggregates it again. Returns the rows written (0 for a day without aggregates).
   */
  reopen(day: number): number {
    return (this.isAggregated(day) ? this.clear(day) : 0) + this.blocks.dropSpanning(day);
  }

  private clear(day: number): number {
    this.blocks.forgetDecoded(0, day);
    this.recent.clear();
    let rowsWritten = 0;
    for (const dimension of [...Object.keys(AGGREGATE_SOURCES), ALL_DIMENSIONS]) {
      rowsWritten += this.sql.exec("DELETE FROM day_dimension_parts WHERE dimension = ? AND day = ?", dimension, day).rowsWritten;
    }
    rowsWritten += this.sql.exec("DELETE FROM day_totals WHERE day = ?", day).rowsWritten;
    rowsWritten += this.sql.exec("DELETE FROM aggregated_days WHERE day = ?", day).rowsWritten;
    rowsWritten += deleteDayColumns(this.sql, day);
    return rowsWritten;
  }

  /**
   * The unfiltered report's rows over the aggregated days in `[fromDay, toDay]`, one bucket per
   * day. Breakdowns are cut to `limit` rows, after first taking every value in `mergedValues`:
   * the values of the live part this one is summed with (shard-merge.ts mergeReportRows), so that
   * the merged top rows are exact: any other value ranks here as it ranks in the sum. `withNames`
   * adds the breakdown by event name (`name`), from the aggregate of that name.
   */
  reportRows(
    fromDay: number,
    toDay: number,
    limit: number,
    mergedValues: ReadonlyMap<string, readonly string[]>,
    withNames = false,
  ): AggregatedRows {
    return this.remembered(["report", fromDay, toDay, limit, withNames, [...mergedValues]], () =>
      this.sumReportRows(fromDay, toDay, limit, mergedValues, withNames),
    );
  }

  private sumReportRows(
    fromDay: number,
    toDay: number,
    limit: number,
    mergedValues: ReadonlyMap<string, readonly string[]>,
    withNames: boolean,
  ): AggregatedRows {
    const totals = this.all(
      `SELECT day, kind, class, hits, visitors, hour_visitors, class_visitors, visits, bounces, visit_duration_ms AS duration
         FROM day_totals WHERE day BETWEEN ? AND ? ORDER BY day`,
      fromDay,
      toDay,
    );
    const buckets = new Map<number, BucketRow>();
    const classes = new Map<string, ClassRow>();
    const engagement = { visits: 0, bounces: 0, visitDurationMs: 0, pageviews: 0 };
    for (const row of totals) {
      const hour = firstHourOfDay(num(row.day));
      const bucket = buckets.get(hour) ?? { hour, visitors: 0, hourVisitors: 0, pageviews: 0, events: 0, micro: 0, macro: 0 };
      buckets.set(hour, bucket);
      const hits = num(row.hits);
      const conversionClass = str(row.class);
      bucket.visitors += num(row.visitors);
      bucket.hourVisitors += num(row.hour_visitors);
      if (row.kind === "pageview") {
        bucket.pageviews += hits;
        engagement.pageviews += hits;
      }
      if (row.kind === "event") bucket.events += hits;
      const micro = conversionClass === "micro_milestone" || conversionClass === "micro_secondary";
      if (micro) bucket.micro += hits;
      if (conversionClass === "macro") bucket.macro += hits;
      if (micro || conversionClass === "macro") {
        const entry = classes.get(conversionClass) ?? { class: conversionClass as ClassRow["class"], hits: 0, classVisitors: 0 };
        entry.hits += hits;
        entry.classVisitors += num(row.class_visitors);
        classes.set(conversionClass, entry);
      }
      engagement.visits += num(row.visits);
      engagement.bounces += num(row.bounces);
      engagement.visitDurationMs += num(row.duration);
    }

    // Each dimension's packed entries over the range are decoded once for everything read from them.
    const decoded = new Map<string, DayDimensionEntry[]>();
    const entriesOf = (dimension: string) => {
      const known = decoded.get(dimension);
      if (known !== undefined) return known;
      const entries = this.entries(fromDay, toDay, dimension);
      decoded.set(dimension, entries);
      return entries;
    };
    const breakdowns = Object.fromEntries(
      [...MAIN_DIMENSIONS, ...(withNames ? ["name"] : [])].map((dimension) => [
        dimension,
        breakdownOf(entriesOf(dimension), dimension, limit, mergedValues.get(dimension) ?? []),
      ]),
    ) as ReportRows["breakdowns"];
    const otherHits = Object.fromEntries(
      MAIN_CAPPED_DIMENSIONS.map((dimension) => [
        dimension,
        entriesOf(dimension).reduce((sum, entry) => sum + (entry[0] === OTHER_VALUE ? num(entry[4]) : 0), 0),
      ]),
    ) as Record<MainCappedDimension, number>;
    return {
      buckets: [...buckets.values()],
      classes: [...classes.values()],
      ...goalsOf(entriesOf("goal")),
      breakdowns,
      engagement,
      otherHits,
    };
  }

  /**
   * One dimension's rows over the aggregated days (as report-queries.ts readBreakdown sums them
   * live): the top `limit` values after every value of `mergedValues`, revenue per value and
   * currency, and for pages their engagement reports.
   */
  breakdown(fromDay: number, toDay: number, dimension: string, limit: number, mergedValues: readonly string[]): BreakdownRows {
    return this.remembered(["breakdown", fromDay, toDay, dimension, limit, mergedValues], () =>
      breakdownOf(this.entries(fromDay, toDay, dimension), dimension, limit, mergedValues),
    );
  }

  /**
   * A report's sums over runs of closed days that have columns (day-columns.ts), filtered: the
   * scan of their columns, remembered like the other answers here (the columns change only with
   * the day's aggregates). Breakdowns cut to `limit`.
   */
  columnReportRows(
    runs: readonly { fromDay: number; toDay: number }[],
    filters: ReportFilters,
    limit: number,
    withNames: boolean,
  ): AggregatedRows {
    const days = runs.map(({ fromDay, toDay }) => [fromDay, toDay]);
    const sql = this.sql;
    return this.remembered(["columns", days, filters, limit, withNames], () => {
      const scope = { fromHour: firstHourOfDay(runs[0]?.fromDay ?? 0), toHour: lastHourOfDay(runs.at(-1)?.toDay ?? 0), filters };
      return scanReportRows(this.sql, scope, limit, withNames, function* (equal) {
        for (const { fromDay, toDay } of runs) yield* scanDayColumns(sql, fromDay, toDay, equal);
      });
    });
  }

  /** A recent answer to the same arguments, or `answer()`'s, remembered; a copy either way (callers merge into them). */
  private remembered<T extends AggregatedRows | BreakdownRows>(args: unknown[], answer: () => T): T {
    const key = JSON.stringify(args);
    const known = this.recent.get(key) as T | undefined;
    this.recent.delete(key);
    const value = known ?? answer();
    this.recent.set(key, value);
    for (const oldest of this.recent.keys()) {
      if (this.recent.size <= RECENT_ANSWERS) break;
      this.recent.delete(oldest);
    }
    return structuredClone(value);
  }

  /**
   * The entries of one dimension over a range of days: blocks of days where there are
   * (day-blocks.ts), else each day's own parts.
   */
  private entries(fromDay: number, toDay: number, dimension: string): DayDimensionEntry[] {
    return this.blocks.entries(dimension, fromDay, toDay) as DayDimensionEntry[];
  }

  /**
   * One day's entries of a dimension, decoded here from the packed parts: one JSON.parse per
   * part, where the view would unpack them with json_each once per query.
   */
  private dayEntries(dimension: string, day: number): AggregateEntry[] {
    const entries: AggregateEntry[] = [];
    for (const { dimension: stored, body } of this.sql.exec<{ dimension: string; body: string }>(
      "SELECT dimension, body FROM day_dimension_parts WHERE dimension IN (?, ?) AND day = ?",
      dimension,
      ALL_DIMENSIONS,
      day,
    )) {
      for (const entry of unpackDimension<AggregateEntry>(stored, body, dimension)) entries.push(entry);
    }
    return entries;
  }
}

/**
 * A packed day_dimensions entry (migrations.ts DAY_DIMENSION_COLUMNS): value, kind, class,
 * currency, hits, visitors, class visitors, revenue, scroll depth sum, engaged ms.
 */
type DayDimensionEntry = [string, string, string, string, number, number, number, number, number, number];

/** A breakdown summed from a dimension's entries, cut and ordered as the live queries do. */
function breakdownOf(
  entries: readonly DayDimensionEntry[],
  dimension: string,
  limit: number,
  mergedValues: readonly string[],
): BreakdownRows {
  const sums = new BreakdownSums(dimension === "page");
  for (const [value, kind, conversionClass, currency, hits, visitors, classVisitors, minor, scroll, engaged] of entries) {
    sums.add(value, kind, conversionClass, currency, num(hits), num(visitors), num(classVisitors), num(minor), num(scroll), num(engaged));
  }
  return sums.result(limit, new Set(mergedValues));
}

/** Per goal and class: conversions and goal visitors, and revenue per currency (report-queries.ts readGoals). */
function goalsOf(entries: readonly DayDimensionEntry[]): Pick<ReportRows, "goals" | "goalRevenue"> {
  const goals = new Map<string, GoalRow>();
  const revenue = new Map<string, RevenueRow>();
  for (const [goal, , conversionClass, currency, hits, visitors, , minor] of entries) {
    const key = goalRevenueKey(conversionClass, goal);
    const entry = goals.get(key) ?? { goal, class: conversionClass as GoalRow["class"], hits: 0, goalVisitors: 0 };
    entry.hits += num(hits);
    entry.goalVisitors += num(visitors);
    goals.set(key, entry);
    if (currency === "") continue;
    const id = `${key}\u001f${currency}`;
    const total = revenue.get(id) ?? { key, currency, minor: 0 };
    total.minor += num(minor);
    revenue.set(id, total);
  }
  return { goals: [...goals.values()], goalRevenue: [...revenue.values()] };
}
