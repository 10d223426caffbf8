import type { RecordedHit } from "../src/domain/ingest/recorded-hit";
import { buildReport, type ReportRange, rangeHours } from "../src/domain/reports/report";
import { defaultBreakdowns } from "../src/domain/reports/report-exactness";
import type { ReportFilters } from "../src/domain/reports/report-filter";
import { unconfiguredSite } from "../src/domain/site/site";
import { MS_PER_DAY } from "../src/domain/time/utc-time";
import { readReportRows } from "../src/storage/report-queries";
import { ALARM_DELAY_AFTER_MIDNIGHT_MS, type RecordOutcome, SiteStore, type VisitorIdentity } from "../src/storage/site-store";
import { simulatedHit } from "./simulated-traffic";

export interface StoreUsage {
  hitsRecorded: number;
  /** All-in: rows written by hits' batches plus rows written by checkpoints. */
  rowsWritten: number;
  /**
   * Rows written by phase: `ingest`, what hits were credited (their batches' write-log rows, or
   * the tables on a quiet site, and rate-limit drops); `checkpoint`, what checkpoints wrote
   * folding the log into the tables and deleting its rows.
   */
  rowsWrittenByPhase: { ingest: number; checkpoint: number };
  databaseBytes: number;
  rows: Record<string, number>;
}

/**
 * The production SiteStore plus what `npm run bench` measures: hits recorded and the rows they
 * wrote since the instance started, what the object holds, and simulated days of traffic. Bound
 * only in the bench worker (bench/wrangler.toml), never deployed.
 */
export class BenchSiteStore extends SiteStore {
  private hitsRecorded = 0;
  private rowsWrittenByHits = 0;

  override async record(hit: RecordedHit, identity: VisitorIdentity): Promise<RecordOutcome> {
    const outcome = await super.record(hit, identity);
    if (!outcome.duplicate && !outcome.rateLimited) this.hitsRecorded += 1;
    this.rowsWrittenByHits += outcome.rowsWritten;
    return outcome;
  }

  /**
   * Hits recorded and rows written since this instance started (by phase; no checkpoint is run
   * here, so acknowledged hits may still be pending in the write log), bytes and rows held now.
   */
  async usage(): Promise<StoreUsage> {
    const tables = this.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
      .toArray();
    const rows = Object.fromEntries(
      tables.map(({ name }) => [name, this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM "${name}"`).one().n]),
    );
    const checkpoint = this.writer.rowsWrittenByCheckpoints;
    return {
      hitsRecorded: this.hitsRecorded,
      rowsWritten: this.rowsWrittenByHits + checkpoint,
      rowsWrittenByPhase: { ingest: this.rowsWrittenByHits, checkpoint },
      databaseBytes: this.sql.databaseSize,
      rows,
    };
  }

  /**
   * Records one simulated UTC day of a realistic mix through `record`, then does that day's
   * maintenance as the midnight alarm would (a checkpoint first), and reports usage. The hits are synthetic.
   */
  async simulateDay(day: number, hitsPerDay: number, visitorsPerDay: number): Promise<StoreUsage & { maintenanceMs: number }> {
    const site = unconfiguredSite(this.ctx.id.name ?? "bench.example");
    const start = day * MS_PER_DAY;
    // In chunks of concurrent hits, as load arrives: they are written in coalesced batches.
    const CHUNK = 500;
    for (let first = 0; first < hitsPerDay; first += CHUNK) {
      const chunk = Array.from({ length: Math.min(CHUNK, hitsPerDay - first) }, (_, i) =>
        simulatedHit(site, first + i, hitsPerDay, visitorsPerDay, start),
      );
      await Promise.all(chunk.map(({ hit, identity }) => this.record(hit, identity)));
    }
    const started = performance.now();
    this.maintain(start + MS_PER_DAY + ALARM_DELAY_AFTER_MIDNIGHT_MS);
    return { ...(await this.usage()), maintenanceMs: performance.now() - started };
  }

  /**
   * One report read timed inside the object (ms), next to the live computation of the same rows
   * from the hourly counters over the whole range (`liveMs`: what every report did before the day
   * aggregates), in alternating order; throws unless both give the same report.
   */
  async timeReport(range: ReportRange, filters: ReportFilters, limit: number, liveFirst: boolean): Promise<{ ms: number; liveMs: number }> {
    const timed = <T>(read: () => T): { value: T; ms: number } => {
      const started = performance.now();
      const value = read();
      return { value, ms: performance.now() - started };
    };
    const readLive = () => timed(() => ({ ...readReportRows(this.sql, { ...rangeHours(range), filters }, limit), dropped: [] }));
    const readNow = async () => {
      const started = performance.now();
      const value = await this.readReport(range, filters, limit, defaultBreakdowns(filters));
      return { value: { ...value, dropped: [] }, ms: performance.now() - started };
    };
    const live = liveFirst ? readLive() : undefined;
    const now = await readNow();
    const before = live ?? readLive();
    // Keys sorted: revenue per currency may list currencies in another order.
    const json = (rows: typeof now.value) =>
      JSON.stringify(buildReport("bench", range, rows, []), (_key, value: unknown) =>
        value !== null && typeof value === "object" && !Array.isArray(value)
          ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
          : value,
      );
    if (json(now.value) !== json(before.value)) throw new Error("the report differs from the live computation");
    return { ms: now.ms, liveMs: before.ms };
  }
}
