import { isCappedDimension } from "../domain/ingest/value-caps";
import { addedBreakdown, addedReportRows, otherValueHits } from "../domain/reports/added-dimension-report";
import { type Dimension, type MainDimension, scopeOf } from "../domain/reports/dimensions";
import {
  type BreakdownRows,
  type FunnelStepRow,
  type GoalRow,
  type ReportRange,
  type ReportRows,
  rangeHours,
  type VariantGoalRow,
} from "../domain/reports/report";
import { isAddedDimension } from "../domain/reports/report-exactness";
import { addedFilters, mainFilters, type ReportFilters } from "../domain/reports/report-filter";
import type { SegmentDimension } from "../domain/reports/segment-reports";
import type { SegmentFilter } from "../domain/visitors/segment-rollup";
import { NO_VARIANT } from "../domain/visitors/visit-tracker";
import type { DimensionCounters } from "./dimension-counters";
import type { DropCounter } from "./drop-counter";
import {
  readBreakdown,
  readFunnelSteps,
  readGoals,
  readLiftPairs,
  readReportRows,
  readTotals,
  readVariantGoals,
  type Scope,
} from "./report-queries";
import type { SegmentTotal, VisitorDays } from "./visitor-days";

/** An experiment rarely has more; more variants than this are left out of the variants report. */
const MAX_VARIANTS = 50;

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
    private readonly dimensions: DimensionCounters,
  ) {}

  private scope(range: ReportRange, filters: ReportFilters): Scope {
    return { ...rangeHours(range), filters };
  }

  /**
   * The report's sums. Main figures and breakdowns come from the main counters; inside an added
   * filter (one at most, with a goal at most: report-exactness.ts) from that value's added
   * counters; added breakdowns always from the added counters (dimension-counters.ts).
   */
  report(range: ReportRange, filters: ReportFilters, breakdownLimit: number, dimensions: readonly Dimension[]): ReportRows {
    const scope = this.scope(range, filters);
    const { goal } = mainFilters(filters);
    const [added] = addedFilters(filters);
    const main = dimensions.filter((dimension): dimension is MainDimension => !isAddedDimension(dimension));
    const rows: Omit<ReportRows, "dropped"> =
      added === undefined
        ? readReportRows(this.sql, scope, breakdownLimit, main)
        : {
            ...addedReportRows(
              this.dimensions.read({
                dimension: added[0],
                value: added[1],
                fromDay: range.fromDay,
                toDay: range.toDay,
                byDay: true,
                ...(goal === undefined ? {} : { goal }),
              }),
              goal,
            ),
            breakdowns: {},
          };
    for (const dimension of dimensions) {
      if (!isAddedDimension(dimension)) continue;
      const counted = this.dimensions.read({
        dimension,
        fromDay: range.fromDay,
        toDay: range.toDay,
        byDay: false,
        ...(goal === undefined ? {} : { goal }),
        ...(added === undefined ? {} : { value: added[1] }),
      });
      rows.breakdowns[dimension] = addedBreakdown(counted, breakdownLimit, {
        visits: scopeOf(dimension) !== "hit" && goal === undefined,
        ...(goal === undefined ? {} : { goal }),
      });
      if (isCappedDimension(dimension)) rows.otherHits[dimension] = otherValueHits(counted);
    }
    return { ...rows, dropped: this.drops.read(scope.fromHour, scope.toHour) };
  }

  funnels(range: ReportRange, filters: ReportFilters): FunnelStepRow[] {
    return readFunnelSteps(this.sql, this.scope(range, filters));
  }

  segments(range: ReportRange, filters: ReportFilters, dimension: SegmentDimension, limit: number): BreakdownRows {
    return readBreakdown(this.sql, this.scope(range, filters), dimension, limit);
  }

  variants(range: ReportRange, filters: ReportFilters): VariantRows {
    const scope = this.scope(range, filters);
    const visitors = readBreakdown(this.sql, scope, "variant", MAX_VARIANTS).rows.filter((row) => row.value !== NO_VARIANT);
    return { visitors: visitors.map((row) => ({ variant: row.value, visitors: row.visitors })), goals: readVariantGoals(this.sql, scope) };
  }

  lift(range: ReportRange, filters: ReportFilters): LiftRows {
    const scope = this.scope(range, filters);
    const pairs = [...readLiftPairs(this.sql, scope)].map(([goal, visitors]) => ({ goal, visitors }));
    return { totals: readTotals(this.sql, scope), goals: readGoals(this.sql, scope).goals, pairs };
  }

  segmentCounts(range: ReportRange, filters: ReportFilters, membership: { filter: SegmentFilter; value: string }): SegmentTotal[] {
    return this.visitorDays.segmentCounts(range, filters, membership);
  }

  /** Whether this site has ever counted or dropped a hit. */
  hasData(): boolean {
    return this.sql.exec("SELECT 1 FROM hourly_counters LIMIT 1").toArray().length > 0 || this.drops.any();
  }
}
