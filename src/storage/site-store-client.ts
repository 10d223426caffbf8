import type { ReportBreakdown } from "../domain/reports/dimensions";
import type { BreakdownRows, FunnelStepRow, GoalRow, ReportRange, ReportRows, VariantGoalRow } from "../domain/reports/report";
import type { ReportFilters } from "../domain/reports/report-filter";
import type { SegmentDimension } from "../domain/reports/segment-reports";
import { mergeBreakdowns, mergeReportRows, sumFunnelSteps, sumGoals, sumVariantGoals, sumVisitorsBy } from "../domain/reports/shard-merge";
import type { SegmentFilter } from "../domain/visitors/segment-rollup";
import { shardName } from "../domain/visitors/shard-routing";
import type { SiteStore } from "./site-store";
import type { SegmentTotal } from "./visitor-days";

/**
 * A site's Durable Object (or one of its shards), addressed by name: every hit and report of a
 * site goes to its objects, and different sites never share one.
 */
export function siteStore(env: Env, siteId: string, shard = 0): DurableObjectStub<SiteStore> {
  return env.SITE_STORE.getByName(shardName(siteId, shard));
}

/** Breakdown rows each shard returns when they are merged: all of them, so the top N is exact. */
const ALL_ROWS = 100_000;

/** All shards of a site, read together; their answers are summed (domain/shard-merge.ts). */
export class SiteShards {
  private readonly stores: DurableObjectStub<SiteStore>[];

  /**
   * `guard` wraps every read of the shards, so the caller decides what a failing store becomes
   * (the routes: a 503, http/store-call.ts).
   */
  constructor(
    env: Env,
    siteId: string,
    shards: number,
    private readonly guard: <T>(call: () => Promise<T>) => Promise<T> = (call) => call(),
  ) {
    this.stores = Array.from({ length: Math.max(1, shards) }, (_, shard) => siteStore(env, siteId, shard));
  }

  private shardLimit(limit: number): number {
    return this.stores.length > 1 ? ALL_ROWS : limit;
  }

  private all<T>(read: (store: DurableObjectStub<SiteStore>) => Promise<T>): Promise<T[]> {
    return this.guard(() => Promise.all(this.stores.map(read)));
  }

  /** Visitors in the last five minutes: each visitor lives in one shard, so the shards' counts add up. */
  async readRealtime(): Promise<number> {
    return (await this.all((store) => store.readRealtime())).reduce((sum, visitors) => sum + visitors, 0);
  }

  /** Erases the site's stored data in every shard; returns how many were erased. */
  async erase(): Promise<number> {
    return (await this.all((store) => store.erase())).length;
  }

  async hasData(): Promise<boolean> {
    return (await this.all((store) => store.hasData())).some(Boolean);
  }

  async readReport(range: ReportRange, filters: ReportFilters, limit: number, dimensions: readonly ReportBreakdown[]): Promise<ReportRows> {
    return mergeReportRows(await this.all((store) => store.readReport(range, filters, this.shardLimit(limit), dimensions)), limit);
  }

  async readFunnels(range: ReportRange, filters: ReportFilters): Promise<FunnelStepRow[]> {
    return sumFunnelSteps((await this.all((store) => store.readFunnels(range, filters))).flat());
  }

  async readSegments(range: ReportRange, filters: ReportFilters, dimension: SegmentDimension, limit: number): Promise<BreakdownRows> {
    return mergeBreakdowns(await this.all((store) => store.readSegments(range, filters, dimension, this.shardLimit(limit))), limit);
  }

  async readVariants(
    range: ReportRange,
    filters: ReportFilters,
  ): Promise<{ visitors: { variant: string; visitors: number }[]; goals: VariantGoalRow[] }> {
    const parts = await this.all((store) => store.readVariants(range, filters));
    return {
      visitors: sumVisitorsBy(
        parts.flatMap((part) => part.visitors),
        "variant",
      ),
      goals: sumVariantGoals(parts.flatMap((part) => part.goals)),
    };
  }

  async readLift(
    range: ReportRange,
    filters: ReportFilters,
  ): Promise<{ totals: { visitors: number; macroVisitors: number }; goals: GoalRow[]; pairs: { goal: string; visitors: number }[] }> {
    const parts = await this.all((store) => store.readLift(range, filters));
    return {
      totals: parts.reduce(
        (sum, part) => ({ visitors: sum.visitors + part.totals.visitors, macroVisitors: sum.macroVisitors + part.totals.macroVisitors }),
        { visitors: 0, macroVisitors: 0 },
      ),
      goals: sumGoals(parts.flatMap((part) => part.goals)),
      pairs: sumVisitorsBy(
        parts.flatMap((part) => part.pairs),
        "goal",
      ),
    };
  }

  async readSegmentCounts(
    range: ReportRange,
    filters: ReportFilters,
    membership: { filter: SegmentFilter; value: string },
  ): Promise<SegmentTotal[]> {
    return sumVisitorsBy((await this.all((store) => store.readSegmentCounts(range, filters, membership))).flat(), "kind", "key", "step");
  }
}
