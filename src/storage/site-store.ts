import { DurableObject } from "cloudflare:workers";
import { readSettings } from "../config/settings";
import type { RecordedHit } from "../domain/ingest/recorded-hit";
import {
  type BreakdownRows,
  type CountedDropReason,
  type FunnelStepRow,
  type GoalRow,
  type ReportRange,
  type ReportRows,
  rangeHours,
  type VariantGoalRow,
} from "../domain/reports/report";
import { type ReportFilters, VISITOR_FILTERS } from "../domain/reports/report-filter";
import { unconfiguredSite } from "../domain/site/site";
import { dayOf, firstHourOfDay, hourOf, MS_PER_DAY, nextMidnight } from "../domain/time/utc-time";
import { rollUpVisitorDays, type SegmentFilter, type SegmentKind } from "../domain/visitors/segment-rollup";
import { advanceVisitor, NO_VARIANT, resolveVisitor, type VisitorDay } from "../domain/visitors/visit-tracker";
import { importSaltKey, newSalt, visitorHash } from "../domain/visitors/visitor-hash";
import { CounterBatch } from "./counter-batch";
import { HOURLY_TABLES, migrate } from "./migrations";
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
import { simulatedHit } from "./simulated-traffic";

/** Passed to `record` only to compute the visitor hash; never stored, never logged. */
export interface VisitorIdentity {
  ip: string;
  userAgent: string;
}

export interface RecordOutcome {
  /** Rows this hit wrote, from the SQL cursors: the unit Durable Object storage bills. */
  rowsWritten: number;
  /** True when the client went over RATE_LIMIT_PER_MINUTE: the hit was counted as a drop only. */
  rateLimited?: boolean;
  /** True when a hit with the same event id was already recorded: nothing was written. */
  duplicate?: boolean;
}

/**
 * Hits one client (a salted hash of IP and site, kept in memory only) may send a site per
 * minute. A person browsing sends a few; more than two a second for a minute is a script.
 */
export const RATE_LIMIT_PER_MINUTE = 120;

type VisitorRow = { vid: string; day: number; state: string };

/** A hit whose visitor ids are known, waiting for its batch's transaction. */
interface PendingHit {
  hit: RecordedHit;
  todayVid: string;
  yesterdayVid: string | null;
  resolve: (outcome: RecordOutcome) => void;
  reject: (error: unknown) => void;
}

function visitorFromRow(row: VisitorRow): VisitorDay {
  // Written only by SiteStore.saveVisitor, from a VisitorDay.
  const state = JSON.parse(row.state) as Omit<VisitorDay, "vid" | "day">;
  return { ...state, vid: row.vid, day: row.day };
}

/** A segment count summed over a range. */
export interface SegmentTotal {
  kind: SegmentKind;
  key: string;
  step: number;
  visitors: number;
}

/**
 * How long a batch collects hits before it is written. A few milliseconds of latency let hits that
 * arrive together share one transaction and merge their counter writes.
 */
const BATCH_WINDOW_MS = 4;

/** An experiment rarely has more; more variants than this are left out of the variants report. */
const MAX_VARIANTS = 50;

/** Alarms fire a little after midnight so that the new day's salt is due. */
const ALARM_DELAY_AFTER_MIDNIGHT_MS = 60_000;

/**
 * One site's counters and short-lived visitor rows, in one SQLite-backed Durable Object
 * (named by the site id, so one object per site, never a global one).
 *
 * Durability: hits are written in batches, each in one transaction (see `flush`); the runtime's
 * output gate holds every RPC reply until the writes before it are durable, and each hit's reply
 * is sent only after its batch committed. The collector answers 202 only after that reply: an
 * acknowledged hit is stored.
 */
export class SiteStore extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly saltKeys = new Map<number, Promise<CryptoKey>>();
  private alarmChecked = false;
  /** Since this instance started: hits recorded and rows they wrote (for `usage`, the benchmark). */
  private hitsRecorded = 0;
  private rowsWrittenByHits = 0;
  /** Hits waiting for the next batch write (see flush). */
  private pending: PendingHit[] = [];
  private flushScheduled = false;
  /** Hits per client in the current minute; starts over every minute, never stored. */
  private rateMinute = -1;
  private readonly hitsThisMinute = new Map<string, number>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => migrate(this.sql));
  }

  /** Counts one accepted hit. Resolves once the hit's writes are durable. */
  async record(hit: RecordedHit, identity: VisitorIdentity): Promise<RecordOutcome> {
    const day = dayOf(hit.timestamp);
    const todayKey = this.existingSaltKey(day) ?? this.createSalt(day);
    const yesterdayKey = this.existingSaltKey(day - 1);
    const [todayVid, yesterdayVid, clientKey] = await Promise.all([
      todayKey.then((key) => visitorHash(key, hit.siteId, identity.ip, identity.userAgent)),
      yesterdayKey?.then((key) => visitorHash(key, hit.siteId, identity.ip, identity.userAgent)) ?? null,
      todayKey.then((key) => visitorHash(key, hit.siteId, identity.ip, "rate limit")),
    ]);
    await this.ensureAlarm();
    if (this.overRateLimit(clientKey, hit.timestamp)) {
      this.countDrop("rate_limited", hit.timestamp);
      return { rowsWritten: 1, rateLimited: true };
    }

    // The hit joins the batch being collected; every hit of the batch is answered once the
    // batch's one transaction has committed (the output gate holds replies until it is durable).
    return new Promise<RecordOutcome>((resolve, reject) => {
      this.pending.push({ hit, todayVid, yesterdayVid, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setTimeout(() => this.flush(), BATCH_WINDOW_MS);
      }
    });
  }

  /**
   * Applies the pending hits in arrival order in one transaction: each hit's visitor logic in
   * turn, counter increments of the same key merged into one upsert and each visitor row
   * written once. If anything fails, nothing of the batch stays and every hit of it is refused,
   * so a retry (with an event id) counts each hit once.
   */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    let outcomes: RecordOutcome[];
    try {
      outcomes = this.ctx.storage.transactionSync(() => this.applyBatch(batch));
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      item.resolve(outcomes[i] ?? { rowsWritten: 0 });
    });
  }

  private applyBatch(batch: readonly PendingHit[]): RecordOutcome[] {
    const visitors = new Map<string, VisitorDay | null>();
    const dirty = new Map<string, VisitorDay>();
    const load = (vid: string) => {
      if (!visitors.has(vid)) visitors.set(vid, this.loadVisitor(vid));
      return visitors.get(vid) ?? null;
    };
    const counters = new CounterBatch();
    let rowsWritten = 0;
    let recorded = 0;
    const outcomes = batch.map(({ hit, todayVid, yesterdayVid }): RecordOutcome => {
      if (hit.eventId !== undefined) {
        // In the same transaction as the hit's counters: both are stored, or neither.
        const seen = this.sql.exec(
          "INSERT INTO seen_events (id, day) VALUES (?, ?) ON CONFLICT DO NOTHING",
          hit.eventId,
          dayOf(hit.timestamp),
        ).rowsWritten;
        if (seen === 0) return { rowsWritten: 0, duplicate: true };
        rowsWritten += seen;
      }
      const { prior } = resolveVisitor(load(todayVid), yesterdayVid === null ? null : load(yesterdayVid), hit.timestamp);
      const { next, increments, attribution, variant } = advanceVisitor(prior, todayVid, hit);
      // A visit continuing from yesterday gets a row under today's hash (next.vid), so the rest of
      // today finds it directly; yesterday's row stays as it was, whole for yesterday's rollup.
      if (next !== null) {
        visitors.set(next.vid, next);
        dirty.set(next.vid, next);
      }
      counters.addHit(hit, increments, { ...attribution, variant });
      recorded += 1;
      return { rowsWritten: 0 };
    });
    for (const visitor of dirty.values()) rowsWritten += this.saveVisitor(visitor);
    rowsWritten += counters.write(this.sql);
    this.hitsRecorded += recorded;
    this.rowsWrittenByHits += rowsWritten;
    // Rows are written per batch; each hit is credited its share (exact for a batch of one).
    return outcomes.map((outcome) => (outcome.duplicate ? outcome : { rowsWritten: rowsWritten / Math.max(1, recorded) }));
  }

  /**
   * What this object holds and what recording cost since it started: the benchmark's measure of
   * rows written per hit and bytes stored. Counts only; reachable only through /__bench/ routes.
   */
  async usage(): Promise<{ hitsRecorded: number; rowsWritten: number; databaseBytes: number; rows: Record<string, number> }> {
    const tables = this.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
      .toArray();
    const rows = Object.fromEntries(
      tables.map(({ name }) => [name, this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM "${name}"`).one().n]),
    );
    return { hitsRecorded: this.hitsRecorded, rowsWritten: this.rowsWrittenByHits, databaseBytes: this.sql.databaseSize, rows };
  }

  /** Counts a hit that was dropped on purpose, so the owner sees what was filtered and why. */
  async recordDrop(reason: CountedDropReason, timestamp: number): Promise<void> {
    this.countDrop(reason, timestamp);
  }

  private countDrop(reason: CountedDropReason, timestamp: number): void {
    this.sql.exec(
      `INSERT INTO dropped_hits (hour, reason, hits) VALUES (?, ?, 1)
       ON CONFLICT DO UPDATE SET hits = hits + 1`,
      hourOf(timestamp),
      reason,
    );
  }

  /** Counts the client's hit in the current minute; true once it is over the limit. */
  private overRateLimit(clientKey: string, timestamp: number): boolean {
    const minute = Math.floor(timestamp / 60_000);
    if (minute !== this.rateMinute) {
      this.rateMinute = minute;
      this.hitsThisMinute.clear();
    }
    const hits = (this.hitsThisMinute.get(clientKey) ?? 0) + 1;
    this.hitsThisMinute.set(clientKey, hits);
    return hits > RATE_LIMIT_PER_MINUTE;
  }

  /** Sums for a report over whole UTC days; see domain/report.ts for the figures built on them. */
  async readReport(range: ReportRange, filters: ReportFilters, breakdownLimit: number): Promise<ReportRows> {
    return readReportRows(this.sql, this.scope(range, filters), breakdownLimit);
  }

  /** Visitors reaching each funnel step, for funnels built in domain/segment-reports.ts. */
  async readFunnels(range: ReportRange, filters: ReportFilters): Promise<FunnelStepRow[]> {
    return readFunnelSteps(this.sql, this.scope(range, filters));
  }

  /** Channel, source or campaign rows with converting visitors and revenue. */
  async readSegments(
    range: ReportRange,
    filters: ReportFilters,
    dimension: "channel" | "source" | "campaign",
    limit: number,
  ): Promise<BreakdownRows> {
    return readBreakdown(this.sql, this.scope(range, filters), dimension, limit);
  }

  /** Visitors shown each variant, and conversions per variant and goal. */
  async readVariants(
    range: ReportRange,
    filters: ReportFilters,
  ): Promise<{ visitors: { variant: string; visitors: number }[]; goals: VariantGoalRow[] }> {
    const scope = this.scope(range, filters);
    const visitors = readBreakdown(this.sql, scope, "variant", MAX_VARIANTS).rows.filter((row) => row.value !== NO_VARIANT);
    return { visitors: visitors.map((row) => ({ variant: row.value, visitors: row.visitors })), goals: readVariantGoals(this.sql, scope) };
  }

  /** Totals, micro goal visitors and micro+macro pairs for micro-to-macro lift. */
  async readLift(
    range: ReportRange,
    filters: ReportFilters,
  ): Promise<{ totals: { visitors: number; macroVisitors: number }; goals: GoalRow[]; pairs: { goal: string; visitors: number }[] }> {
    const scope = this.scope(range, filters);
    const pairs = [...readLiftPairs(this.sql, scope)].map(([goal, visitors]) => ({ goal, visitors }));
    return { totals: readTotals(this.sql, scope), goals: readGoals(this.sql, scope).goals, pairs };
  }

  /**
   * For `npm run bench` only (through BENCH_ROUTES): records one simulated UTC day of a realistic
   * mix through `record`, then does that day's maintenance as the midnight alarm would, and
   * reports usage. The hits are synthetic; nothing of a real visitor is involved.
   */
  async simulateDay(day: number, hitsPerDay: number, visitorsPerDay: number): Promise<Awaited<ReturnType<SiteStore["usage"]>>> {
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
    this.maintain(start + MS_PER_DAY + ALARM_DELAY_AFTER_MIDNIGHT_MS);
    return this.usage();
  }

  private scope(range: ReportRange, filters: ReportFilters): Scope {
    return { ...rangeHours(range), filters };
  }

  /** Whether this site has ever counted or dropped a hit. */
  async hasData(): Promise<boolean> {
    return this.sql.exec("SELECT 1 FROM hourly_counters UNION ALL SELECT 1 FROM dropped_hits LIMIT 1").toArray().length > 0;
  }

  /**
   * Daily, just after 00:00 UTC: roll up the day that just ended, forget expired salts and
   * visitor rows. Idempotent: a repeated or late alarm finds the work done or does what is due.
   */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.maintain(now);
    await this.ctx.storage.setAlarm(nextMidnight(now) + ALARM_DELAY_AFTER_MIDNIGHT_MS);
  }

  /** The daily work, as of `now`; each step does only what is due, so running it again changes nothing. */
  private maintain(now: number): void {
    const today = dayOf(now);
    // Rotate: the new day's salt exists from midnight on (a day's first hit would make it too).
    if (this.existingSaltKey(today) === null) void this.createSalt(today);
    this.rollUpDay(today - 1);
    this.forgetBefore(today - 1);
    this.foldHoursBefore(firstHourOfDay(today - readSettings(this.env).HOURLY_DETAIL_DAYS));
  }

  /**
   * Folds every hourly bucket before `cutoffHour` into its day's first hour (hour % 24 = 0),
   * summing counters with the same key: storage then grows with days, not hours. Every report
   * sums over hour ranges, so daily figures are unchanged; only hourly timeseries lose detail.
   */
  private foldHoursBefore(cutoffHour: number): void {
    for (const { table, key, sums } of HOURLY_TABLES) {
      const keys = key.join(", ");
      this.sql.exec(
        `INSERT INTO ${table} (hour, ${keys}, ${sums.join(", ")})
         SELECT (hour / 24) * 24, ${keys}, ${sums.map((column) => `SUM(${column})`).join(", ")}
           FROM ${table} WHERE hour < ? AND hour % 24 != 0
          GROUP BY hour / 24, ${keys}
         ON CONFLICT DO UPDATE SET ${sums.map((column) => `${column} = ${column} + excluded.${column}`).join(", ")}`,
        cutoffHour,
      );
      this.sql.exec(`DELETE FROM ${table} WHERE hour < ? AND hour % 24 != 0`, cutoffHour);
    }
  }

  /**
   * Deletes salts and visitor rows of days before `oldestKeptDay`, rolling each such day up
   * first if that has not happened. Keeping today and yesterday means a salt lives at most 48 h
   * (from the 00:00 it starts to the 00:00 two days later), and so does every row keyed by a
   * hash made with it.
   */
  private forgetBefore(oldestKeptDay: number): void {
    for (const { day } of this.sql.exec<{ day: number }>("SELECT DISTINCT day FROM visitors WHERE day < ?", oldestKeptDay).toArray()) {
      this.rollUpDay(day);
    }
    this.sql.exec("DELETE FROM salts WHERE day < ?", oldestKeptDay);
    this.sql.exec("DELETE FROM visitors WHERE day < ?", oldestKeptDay);
    this.sql.exec("DELETE FROM seen_events WHERE day < ?", oldestKeptDay);
    for (const day of this.saltKeys.keys()) if (day < oldestKeptDay) this.saltKeys.delete(day);
  }

  /** Folds a finished day's visitor rows into segment counters, once (domain/segment-rollup.ts). */
  private rollUpDay(day: number): void {
    if (this.sql.exec("SELECT 1 FROM rolled_up_days WHERE day = ?", day).toArray().length > 0) return;
    for (const count of rollUpVisitorDays(this.loadVisitorsOfDay(day))) {
      this.sql.exec(
        `INSERT INTO segment_rollups (day, kind, key, step, filter, value, source, channel, campaign, country, device, variant, visitors)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET visitors = excluded.visitors`,
        day,
        count.kind,
        count.key,
        count.step,
        count.filter,
        count.value,
        count.source,
        count.channel,
        count.campaign,
        count.country,
        count.device,
        count.variant,
        count.visitors,
      );
    }
    this.sql.exec("INSERT INTO rolled_up_days (day) VALUES (?)", day);
  }

  /**
   * Segment counts (kind, key, step) over whole days, inside a page or goal membership and the
   * visitor-level filters: rolled-up days from their counters, the others (today, and yesterday
   * until its rollup) computed the same way from their visitor rows.
   */
  async readSegmentCounts(
    range: ReportRange,
    filters: ReportFilters,
    membership: { filter: SegmentFilter; value: string },
  ): Promise<SegmentTotal[]> {
    const totals = new Map<string, SegmentTotal>();
    const add = (kind: SegmentKind, key: string, step: number, visitors: number) => {
      const id = `${kind}\u001f${key}\u001f${step}`;
      const entry = totals.get(id) ?? { kind, key, step, visitors: 0 };
      entry.visitors += visitors;
      totals.set(id, entry);
    };
    const dimFilters = VISITOR_FILTERS.flatMap((field) => (filters[field] === undefined ? [] : [[field, filters[field]] as const]));
    const rolled = new Set(
      this.sql
        .exec<{ day: number }>("SELECT day FROM rolled_up_days WHERE day BETWEEN ? AND ?", range.fromDay, range.toDay)
        .toArray()
        .map((row) => row.day),
    );
    const stored = this.sql
      .exec<{ kind: SegmentKind; key: string; step: number; visitors: number }>(
        `SELECT kind, key, step, SUM(visitors) AS visitors FROM segment_rollups
          WHERE day BETWEEN ? AND ? AND filter = ? AND value = ?${dimFilters.map(([field]) => ` AND ${field} = ?`).join("")}
          GROUP BY kind, key, step`,
        range.fromDay,
        range.toDay,
        membership.filter,
        membership.value,
        ...dimFilters.map(([, value]) => value ?? ""),
      )
      .toArray();
    for (const row of stored) add(row.kind, row.key, row.step, row.visitors);
    for (let day = range.fromDay; day <= range.toDay; day++) {
      if (rolled.has(day)) continue;
      for (const count of rollUpVisitorDays(this.loadVisitorsOfDay(day))) {
        if (count.filter !== membership.filter || count.value !== membership.value) continue;
        if (dimFilters.some(([field, value]) => count[field] !== value)) continue;
        add(count.kind, count.key, count.step, count.visitors);
      }
    }
    return [...totals.values()];
  }

  /** The HMAC key of a day's salt if that salt exists (it never does for days older than yesterday). */
  private existingSaltKey(day: number): Promise<CryptoKey> | null {
    const cached = this.saltKeys.get(day);
    if (cached !== undefined) return cached;
    const row = this.sql.exec<{ salt: ArrayBuffer }>("SELECT salt FROM salts WHERE day = ?", day).toArray()[0];
    if (!row) return null;
    const key = importSaltKey(new Uint8Array(row.salt));
    this.saltKeys.set(day, key);
    return key;
  }

  /** Creates today's salt on the day's first hit, and drops expired data then too, should an alarm be late. */
  private createSalt(day: number): Promise<CryptoKey> {
    const salt = newSalt();
    this.sql.exec("INSERT INTO salts (day, salt) VALUES (?, ?)", day, salt);
    this.forgetBefore(day - 1);
    const key = importSaltKey(salt);
    this.saltKeys.set(day, key);
    return key;
  }

  private async ensureAlarm(): Promise<void> {
    if (this.alarmChecked) return;
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(nextMidnight(Date.now()) + ALARM_DELAY_AFTER_MIDNIGHT_MS);
    }
    this.alarmChecked = true;
  }

  private loadVisitor(vid: string): VisitorDay | null {
    const row = this.sql.exec<VisitorRow>("SELECT vid, day, state FROM visitors WHERE vid = ?", vid).toArray()[0];
    return row ? visitorFromRow(row) : null;
  }

  private loadVisitorsOfDay(day: number): VisitorDay[] {
    return this.sql.exec<VisitorRow>("SELECT vid, day, state FROM visitors WHERE day = ?", day).toArray().map(visitorFromRow);
  }

  private saveVisitor(visitor: VisitorDay): number {
    const { vid, day, ...state } = visitor;
    return this.sql.exec(
      `INSERT INTO visitors (vid, day, state) VALUES (?, ?, ?)
       ON CONFLICT (vid) DO UPDATE SET day = excluded.day, state = excluded.state`,
      vid,
      day,
      JSON.stringify(state),
    ).rowsWritten;
  }
}
