import { isCappedDimension } from "../domain/ingest/value-caps";
import { addedBreakdown, addedReportRows, otherValueHits } from "../domain/reports/added-dimension-report";
import { isAddedDimension, MAIN_DIMENSIONS, type ReportBreakdown, scopeOf } from "../domain/reports/dimensions";
import {
  type BreakdownRows,
  type FunnelStepRow,
  type GoalRow,
  type ReportRange,
  type ReportRows,
  rangeHours,
  type VariantGoalRow,
} from "../domain/reports/report";
import { addedFilters, mainFilters, type ReportFilters } from "../domain/reports/report-filter";
import type { SegmentDimension } from "../domain/reports/segment-reports";
import { mergeBreakdowns, mergeReportRows } from "../domain/reports/shard-merge";
import { firstHourOfDay, lastHourOfDay } from "../domain/time/utc-time";
import type { SegmentFilter } from "../domain/visitors/segment-rollup";
import { NO_VARIANT } from "../domain/visitors/visit-tracker";
import { type CounterScope, sumBreakdown, sumFunnelSteps, sumGoals, sumLiftPairs, sumTotals, sumVariantGoals } from "./counter-reads";
import type { DayAggregates } from "./day-aggregates";
import { daysWithColumns, scanDayColumns } from "./day-columns";
import type { DimensionCounters } from "./dimension-counters";
import type { DropCounter } from "./drop-counter";
import { scanEntries } from "./packed-counters";
import type { Scope } from "./report-queries";
import { type EntrySource, scanReportRows } from "./report-scan";
import type { SegmentTotal, VisitorDays } from "./visitor-days";

/** An experiment rarely has more; more variants than this are left out of the variants report. */
const MAX_VARIANTS = 50;
/** Breakdown rows of a live part that is merged with aggregated days: all of them, so the top N is exact. */
const ALL_ROWS = Number.MAX_SAFE_INTEGER;

/**
 * How a range of days is read: its aggregated days from the day aggregates (day-aggregates.ts),
 * the others (today, yesterday until it is aggregated, reopened days) live from the counters,
 * as runs of consecutive days.
 */
interface SplitRange {
  fromDay: number;
  toDay: number;
  live: Scope[];
}

/** Consecutive days that all have columns, or all have none. */
interface DayRun {
  fromDay: number;
  toDay: number;
  columns: boolean;
}

/** A run's hours inside the scope's. */
const hoursOf = (run: DayRun, scope: Scope) => ({
  fromHour: Math.max(scope.fromHour, firstHourOfDay(run.fromDay)),
  toHour: Math.min(scope.toHour, lastHourOfDay(run.toDay)),
});

export interface VariantRows {
  visitors: { variant: string; visitors: number }[];
  goals: VariantGoalRow[];
}

export interface LiftRows {
  totals: { visitors: number; macroVisitors: number };
  goals: GoalRow[];
  pairs: { goal: string; visitors: number }[];
}

/**
 * The read side of a site's store: the sums each report endpoint needs, over whole days and
 * filters (report maths on top of them: domain/reports/). Reads only; owns no table.
 */
export class ReportReader {
  constructor(
    private readonly sql: SqlStorage,
    private readonly drops: DropCounter,
    private readonly visitorDays: VisitorDays,
    private readonly aggregates: DayAggregates,
    private readonly dimensions: DimensionCounters,
  ) {}

  private scope(range: ReportRange, filters: ReportFilters): Scope {
    return { ...rangeHours(range), filters };
  }

  private counterScope(range: ReportRange, filters: ReportFilters): CounterScope {
    const scope = this.scope(range, filters);
    return { ...scope, sql: this.sql, mainSource: this.entrySource(range, scope) };
  }

  /**
   * The aggregated days of an unfiltered range and the live runs around them; null when the
   * range must be read live: filters (the aggregates hold each dimension alone, not their
   * combinations), hourly buckets, a range of hours, or no aggregated day in range.
   */
  private split(range: ReportRange, filters: ReportFilters): SplitRange | null {
    if (range.interval === "hour" || range.hours !== undefined || Object.values(filters).some((value) => value !== undefined)) return null;
    const aggregated = new Set(this.aggregates.aggregatedDays(range.fromDay, range.toDay));
    if (aggregated.size === 0) return null;
    const live: Scope[] = [];
    for (let day = range.fromDay; day <= range.toDay; day++) {
      if (aggregated.has(day)) continue;
      const last = live.at(-1);
      if (last !== undefined && last.toHour === firstHourOfDay(day) - 1) last.toHour = lastHourOfDay(day);
      else live.push({ fromHour: firstHourOfDay(day), toHour: lastHourOfDay(day), filters: {} });
    }
    return { fromDay: range.fromDay, toDay: range.toDay, live };
  }

  /**
   * The report's sums. Main figures and breakdowns come from the main counters (closed days from
   * their aggregates when unfiltered, day-aggregates.ts); inside an added filter (one at most, with
   * a goal at most: report-exactness.ts) from that value's added counters; added breakdowns always
   * from the added counters (dimension-counters.ts). `name` (event names) is read from the main
   * counters only: inside an added filter it is left out.
   */
  report(range: ReportRange, filters: ReportFilters, breakdownLimit: number, dimensions: readonly ReportBreakdown[]): ReportRows {
    const scope = this.scope(range, filters);
    const { goal } = mainFilters(filters);
    const [added] = addedFilters(filters);
    // Which days are summed live is asked once for every added-dimension read of the report.
    const openDays = this.dimensions.openDaysIn(range.fromDay, range.toDay);
    const rows: Omit<ReportRows, "dropped"> =
      added === undefined
        ? this.mainRows(range, filters, scope, breakdownLimit, dimensions.includes("name"))
        : {
            ...addedReportRows(
              this.dimensions.read(
                {
                  dimension: added[0],
                  value: added[1],
                  fromDay: range.fromDay,
                  toDay: range.toDay,
                  byDay: true,
                  ...(goal === undefined ? {} : { goal }),
                },
                openDays,
              ),
              goal,
            ),
            breakdowns: {},
          };
    for (const dimension of MAIN_DIMENSIONS) if (!dimensions.includes(dimension)) delete rows.breakdowns[dimension];
    for (const dimension of dimensions) {
      if (!isAddedDimension(dimension)) continue;
      const counted = this.dimensions.read(
        {
          dimension,
          fromDay: range.fromDay,
          toDay: range.toDay,
          byDay: false,
          ...(goal === undefined ? {} : { goal }),
          ...(added === undefined ? {} : { value: added[1] }),
        },
        openDays,
      );
      rows.breakdowns[dimension] = addedBreakdown(counted, breakdownLimit, {
        visits: scopeOf(dimension) !== "hit" && goal === undefined,
        ...(goal === undefined ? {} : { goal }),
      });
      if (isCappedDimension(dimension)) rows.otherHits[dimension] = otherValueHits(counted);
    }
    return { ...rows, dropped: this.drops.read(scope.fromHour, scope.toHour) };
  }

  /** The main counters' part of a report: the six main breakdowns (and event names), totals, conversions, goals, engagement. */
  private mainRows(
    range: ReportRange,
    filters: ReportFilters,
    scope: Scope,
    breakdownLimit: number,
    withNames: boolean,
  ): Omit<ReportRows, "dropped"> {
    const split = this.split(range, filters);
    if (split === null) return this.scannedRows(range, scope, breakdownLimit, withNames);
    // Live parts in full, then the aggregated days with every value the live parts have: the
    // merge cuts each breakdown to its top rows after summing (shard-merge.ts).
    const live = split.live.map((run) => ({ ...scanReportRows(this.sql, run, ALL_ROWS, withNames), dropped: [] }));
    const liveValues = new Map(
      [...MAIN_DIMENSIONS, ...(withNames ? (["name"] as const) : [])].map((dimension) => [
        dimension,
        [...new Set(live.flatMap((part) => part.breakdowns[dimension]?.rows.map((row) => row.value) ?? []))],
      ]),
    );
    const aggregated = {
      ...this.aggregates.reportRows(split.fromDay, split.toDay, breakdownLimit, liveValues, withNames),
      dropped: [],
    };
    const { dropped: _dropped, ...merged } = mergeReportRows([aggregated, ...live], breakdownLimit);
    return merged;
  }

  /**
   * A report read from the counters in one scan (filtered, hourly, or no aggregated day in range).
   * Closed days that have columns (day-columns.ts) are summed from them apart, an answer the
   * object keeps until a day closes or reopens (DayAggregates.columnReportRows), and merged with
   * the other days, summed in full, as shard parts are (exact top rows).
   */
  private scannedRows(range: ReportRange, scope: Scope, breakdownLimit: number, withNames: boolean): Omit<ReportRows, "dropped"> {
    const runs = this.columnRuns(range);
    if (runs === null) return scanReportRows(this.sql, scope, breakdownLimit, withNames);
    const live = runs
      .filter((run) => !run.columns)
      .map((run) => scanReportRows(this.sql, { ...hoursOf(run, scope), filters: scope.filters }, ALL_ROWS, withNames));
    const closed = this.aggregates.columnReportRows(
      runs.filter((run) => run.columns),
      scope.filters,
      live.length === 0 ? breakdownLimit : ALL_ROWS,
      withNames,
    );
    if (live.length === 0) return closed;
    const { dropped: _dropped, ...merged } = mergeReportRows(
      [closed, ...live].map((part) => ({ ...part, dropped: [] })),
      breakdownLimit,
    );
    return merged;
  }

  /**
   * Where a read of the main counters takes its entries: with daily buckets, closed days that have
   * columns from them (day-columns.ts: a filter reads its column and decodes only the entries it
   * keeps; their hours may predate a fold, which daily buckets do not show), the other days from
   * their packed hours. Undefined (the packed hours throughout) for hourly buckets and ranges of hours.
   */
  private entrySource(range: ReportRange, scope: Scope): EntrySource | undefined {
    const runs = this.columnRuns(range);
    if (runs === null) return undefined;
    const sql = this.sql;
    return function* (equal) {
      for (const run of runs) {
        if (run.columns) yield* scanDayColumns(sql, run.fromDay, run.toDay, equal);
        else {
          const { fromHour, toHour } = hoursOf(run, scope);
          yield* scanEntries(sql, "hourly_counters", fromHour, toHour, equal);
        }
      }
    };
  }

  /** The range as runs of days with and without columns; null for hourly buckets, ranges of hours, or no day with columns. */
  private columnRuns(range: ReportRange): DayRun[] | null {
    if (range.interval === "hour" || range.hours !== undefined) return null;
    const columnDays = new Set(daysWithColumns(this.sql, range.fromDay, range.toDay));
    if (columnDays.size === 0) return null;
    const runs: DayRun[] = [];
    for (let day = range.fromDay; day <= range.toDay; day++) {
      const columns = columnDays.has(day);
      const last = runs.at(-1);
      if (last !== undefined && last.columns === columns) last.toDay = day;
      else runs.push({ fromDay: day, toDay: day, columns });
    }
    return runs;
  }

  funnels(range: ReportRange, filters: ReportFilters): FunnelStepRow[] {
    return sumFunnelSteps(this.counterScope(range, filters));
  }

  segments(range: ReportRange, filters: ReportFilters, dimension: SegmentDimension, limit: number): BreakdownRows {
    const split = this.split(range, filters);
    if (split === null) return sumBreakdown(this.counterScope(range, filters), dimension, limit);
    const live = split.live.map((run) => sumBreakdown({ ...run, sql: this.sql }, dimension, ALL_ROWS));
    const liveValues = [...new Set(live.flatMap((part) => part.rows.map((row) => row.value)))];
    return mergeBreakdowns([this.aggregates.breakdown(split.fromDay, split.toDay, dimension, limit, liveValues), ...live], limit);
  }

  variants(range: ReportRange, filters: ReportFilters): VariantRows {
    const scope = this.counterScope(range, filters);
    const visitors = sumBreakdown(scope, "variant", MAX_VARIANTS).rows.filter((row) => row.value !== NO_VARIANT);
    return { visitors: visitors.map((row) => ({ variant: row.value, visitors: row.visitors })), goals: sumVariantGoals(scope) };
  }

  lift(range: ReportRange, filters: ReportFilters): LiftRows {
    const scope = this.counterScope(range, filters);
    const pairs = [...sumLiftPairs(scope)].map(([goal, visitors]) => ({ goal, visitors }));
    return { totals: sumTotals(scope), goals: sumGoals(scope), pairs };
  }

  segmentCounts(range: ReportRange, filters: ReportFilters, membership: { filter: SegmentFilter; value: string }): SegmentTotal[] {
    return this.visitorDays.segmentCounts(range, filters, membership);
  }

  /** Whether this site has ever counted or dropped a hit. */
  hasData(): boolean {
    return this.sql.exec("SELECT 1 FROM hourly_counters LIMIT 1").toArray().length > 0 || this.drops.any();
  }
}
