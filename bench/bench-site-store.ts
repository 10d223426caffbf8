import { siteDirectory } from "../src/config/sites";
import { deviceClass } from "../src/domain/ingest/device";
import { readGeolocation } from "../src/domain/ingest/geolocation";
import { buildRecordedHit, type RecordedHit } from "../src/domain/ingest/recorded-hit";
import { userAgentNames } from "../src/domain/ingest/user-agent";
import { buildReport, type ReportRange, rangeHours } from "../src/domain/reports/report";
import { defaultBreakdowns } from "../src/domain/reports/report-exactness";
import type { ReportFilters } from "../src/domain/reports/report-filter";
import { type CompiledSite, unconfiguredSite } from "../src/domain/site/site";
import { MS_PER_DAY } from "../src/domain/time/utc-time";
import { readReportRows } from "../src/storage/report-queries";
import { ALARM_DELAY_AFTER_MIDNIGHT_MS, type RecordOutcome, SiteStore, type VisitorIdentity } from "../src/storage/site-store";
import { type Phase, RowMeter, type RowsByTable, totalsOf } from "./row-meter";
import { floodCombinationHit, floodUniqueHit, type SimulatedRequest, seedOf, TrafficMix } from "./simulated-traffic";

export interface StoreUsage {
  hitsRecorded: number;
  /** All-in: every row this instance's SQL statements wrote (RowMeter), whatever wrote it. */
  rowsWritten: number;
  /**
   * Rows written by phase: `ingest`, hits' batches (write-log rows, or the tables on a quiet
   * site); `checkpoint`, checkpoints and reads' folds of the log into the tables (log deletes
   * included); `maintenance`, the daily alarm's work (roll-ups, expiry, folding hours; its
   * checkpoint counts as checkpoint); `other`, the rest (a day's salt made by its first hit,
   * rate-limit drops, settings).
   */
  rowsWrittenByPhase: Record<Phase, number>;
  /** The same, by table. */
  rowsWrittenByTable: RowsByTable;
  databaseBytes: number;
  rows: Record<string, number>;
}

/** What a simulated day sends: the normal mix, or one of the two floods (bench/simulated-traffic.ts). */
export type SimulatedMix = "normal" | "flood-unique" | "flood-combos";

/** The hit the collector would build from a simulated request (as routes/ingest-route.ts does). */
function recordedHitOf(site: CompiledSite, { body, userAgent, geo }: SimulatedRequest, timestamp: number): RecordedHit {
  return buildRecordedHit(
    site,
    {
      name: body.n,
      url: new URL(body.u),
      referrer: body.r,
      props: body.p ?? {},
      revenue: body.$ ?? null,
      scrollDepth: body.sd ?? 0,
      engagedMs: body.e ?? 0,
      hashRouting: false,
      ...(body.id === undefined ? {} : { eventId: body.id }),
    },
    { timestamp, ...readGeolocation(geo), device: deviceClass(userAgent), ...userAgentNames(userAgent) },
  );
}

/**
 * The production SiteStore plus what `npm run bench` measures: hits recorded and every row
 * written since the instance started, by table and phase (RowMeter), what the object holds, the
 * daily maintenance at a chosen time, and simulated days of traffic. Bound only in the bench
 * worker (bench/wrangler.toml), never deployed.
 */
export class BenchSiteStore extends SiteStore {
  private hitsRecorded = 0;
  private meter: RowMeter | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Counting starts once the migrations (SiteStore's constructor, also in blockConcurrencyWhile) have run.
    void ctx.blockConcurrencyWhile(async () => {
      const meter = new RowMeter(this.sql);
      this.meter = meter;
      // The write path's entry points, each run in its phase (they are synchronous).
      const writer = this.writer;
      const write = writer.write.bind(writer);
      const checkpoint = writer.checkpoint.bind(writer);
      const foldCounters = writer.foldCounters.bind(writer);
      writer.write = (batch) => meter.during("ingest", () => write(batch));
      writer.checkpoint = () => meter.during("checkpoint", checkpoint);
      writer.foldCounters = () => meter.during("checkpoint", foldCounters);
    });
  }

  override async record(hit: RecordedHit, identity: VisitorIdentity): Promise<RecordOutcome> {
    const outcome = await super.record(hit, identity);
    if (!outcome.duplicate && !outcome.rateLimited) this.hitsRecorded += 1;
    return outcome;
  }

  protected override maintain(now: number): void {
    if (this.meter === null) super.maintain(now);
    else this.meter.during("maintenance", () => super.maintain(now));
  }

  /**
   * Hits recorded and rows written since this instance started (no checkpoint is run here, so
   * acknowledged hits may still be pending in the write log), bytes and rows held now.
   */
  async usage(options: { countRows?: boolean } = {}): Promise<StoreUsage> {
    const tables = this.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
      )
      .toArray();
    // Counting scans every table: skipped on request, for the simulated days of large sites.
    const rows = Object.fromEntries(
      options.countRows === false
        ? []
        : tables.map(({ name }) => [name, this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM "${name}"`).one().n]),
    );
    const rowsWrittenByTable = this.meter?.byTable() ?? {};
    const totals = totalsOf(rowsWrittenByTable);
    return {
      hitsRecorded: this.hitsRecorded,
      rowsWritten: totals.all,
      rowsWrittenByPhase: totals.byPhase,
      rowsWrittenByTable,
      databaseBytes: this.sql.databaseSize,
      rows,
    };
  }

  /** The daily maintenance as the alarm would run it at `now` (a checkpoint first), then usage. */
  async maintainAt(now: number): Promise<StoreUsage> {
    this.maintain(now);
    return this.usage();
  }

  /**
   * Records one simulated UTC day of `mix` through `record` (the hits are synthetic, spread over
   * the day in time order), then does that day's maintenance as the midnight alarm would (a
   * checkpoint first), and reports usage (the rows held counted only when `countRows`).
   */
  async simulateDay(
    day: number,
    hitsPerDay: number,
    mix: SimulatedMix = "normal",
    countRows = true,
  ): Promise<StoreUsage & { maintenanceMs: number }> {
    const name = this.ctx.id.name ?? "bench.example";
    const site = siteDirectory().get(name) ?? unconfiguredSite(name);
    const start = day * MS_PER_DAY;
    // About 2,000 hits of others between a visitor's first and last (a visit of a few minutes).
    const traffic = new TrafficMix(site.id, { seed: seedOf(`${site.id}/${day}`), openVisits: Math.max(8, Math.round(hitsPerDay / 2_000)) });
    const next = (index: number): SimulatedRequest =>
      mix === "normal" ? traffic.next() : mix === "flood-unique" ? floodUniqueHit(site.id, index) : floodCombinationHit(site.id, index);
    // In chunks of concurrent hits, as load arrives: they are written in coalesced batches.
    const CHUNK = 500;
    for (let first = 0; first < hitsPerDay; first += CHUNK) {
      const chunk = Array.from({ length: Math.min(CHUNK, hitsPerDay - first) }, (_, i) => {
        const request = next(first + i);
        const hit = recordedHitOf(site, request, start + Math.floor(((first + i) / hitsPerDay) * MS_PER_DAY));
        return { hit, identity: { ip: request.ip, userAgent: request.userAgent } };
      });
      await Promise.all(chunk.map(({ hit, identity }) => this.record(hit, identity)));
    }
    const started = performance.now();
    this.maintain(start + MS_PER_DAY + ALARM_DELAY_AFTER_MIDNIGHT_MS);
    const maintenanceMs = performance.now() - started;
    return { ...(await this.usage({ countRows })), maintenanceMs };
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
