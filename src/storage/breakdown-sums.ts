import {
  type BreakdownRows,
  type DimensionRow,
  emptyDimensionRow,
  type PageEngagementRow,
  type RevenueRow,
} from "../domain/reports/report";
import { compareBinary } from "../domain/reports/shard-merge";

export const isMicro = (conversionClass: string) => conversionClass === "micro_milestone" || conversionClass === "micro_secondary";

/**
 * One dimension's breakdown summed from counter entries (live counters, report-scan.ts and
 * counter-reads.ts; closed days' aggregates, day-aggregates.ts): rows per value, macro revenue per
 * value and currency, and, for pages, engagement reports. Engagement reports count in no row.
 * Ordered and cut as the GROUP BY queries of report-queries.ts readBreakdown.
 */
export class BreakdownSums {
  private readonly rows = new Map<string, DimensionRow>();
  private readonly revenue = new Map<string, RevenueRow>();
  private readonly engagement = new Map<string, PageEngagementRow>();

  /** `withEngagement`: keep engagement reports per value (the page breakdown). */
  constructor(private readonly withEngagement: boolean) {}

  /** Adds one entry; `kind` is pageview, engagement or event. Positional: called per entry and dimension of a scan. */
  add(
    value: string,
    kind: string,
    conversionClass: string,
    currency: string,
    hits: number,
    visitors: number,
    converting: number,
    revenueMinor: number,
    scrollDepthSum: number,
    engagedMs: number,
  ): void {
    if (kind === "engagement") {
      if (this.withEngagement) {
        const entry = this.engagement.get(value) ?? { page: value, reports: 0, scrollDepthSum: 0, engagedMs: 0 };
        entry.reports += hits;
        entry.scrollDepthSum += scrollDepthSum;
        entry.engagedMs += engagedMs;
        this.engagement.set(value, entry);
      }
    } else {
      const row = this.rows.get(value) ?? emptyDimensionRow(value);
      row.visitors += visitors;
      if (kind === "pageview") row.pageviews += hits;
      if (isMicro(conversionClass)) {
        row.microHits += hits;
        row.microVisitors += converting;
      }
      if (conversionClass === "macro") {
        row.macroHits += hits;
        row.macroVisitors += converting;
      }
      this.rows.set(value, row);
    }
    if (conversionClass === "macro" && currency !== "") {
      const id = `${value}\u001f${currency}`;
      const total = this.revenue.get(id) ?? { key: value, currency, minor: 0 };
      total.minor += revenueMinor;
      this.revenue.set(id, total);
    }
  }

  /** The top `limit` rows by visitors, pageviews and value, after every value of `first` (kept whatever `limit`). */
  result(limit: number, first: ReadonlySet<string> = new Set()): BreakdownRows {
    const rows = [...this.rows.values()].sort(
      (a, b) =>
        Number(first.has(b.value)) - Number(first.has(a.value)) ||
        b.visitors - a.visitors ||
        b.pageviews - a.pageviews ||
        compareBinary(a.value, b.value),
    );
    return {
      rows: rows.slice(0, Math.min(limit, Number.MAX_SAFE_INTEGER - first.size) + first.size),
      revenue: [...this.revenue.values()],
      engagement: [...this.engagement.values()],
    };
  }
}

/** The hit kind of an event name, as the day aggregates store it. */
export const kindOf = (name: string) => (name === "pageview" || name === "engagement" ? name : "event");
