import { DurableObject } from "cloudflare:workers";
import { readSettings } from "../config/settings";
import { ClientRateLimit } from "../domain/ingest/rate-limit";
import type { RecordedHit } from "../domain/ingest/recorded-hit";
import type { ReportBreakdown } from "../domain/reports/dimensions";
import type { BreakdownRows, CountedDropReason, FunnelStepRow, ReportRange, ReportRows } from "../domain/reports/report";
import type { ReportFilters } from "../domain/reports/report-filter";
import type { SegmentDimension } from "../domain/reports/segment-reports";
import { DEFAULT_TIME_ZONE, localDayOf, nextLocalMidnight } from "../domain/time/site-time";
import { dayOfHour, firstHourOfDay } from "../domain/time/utc-time";
import type { SegmentFilter } from "../domain/visitors/segment-rollup";
import type { VisitorDay } from "../domain/visitors/visit-tracker";
import { visitorHash } from "../domain/visitors/visitor-hash";
import { deliverAlerts } from "./alert-webhook";
import { CounterBatch } from "./counter-batch";
import { HOURLY_TABLES, type PackedTable } from "./counter-tables";
import { DayAggregates } from "./day-aggregates";
import { DayBuckets } from "./day-buckets";
import { DayValues } from "./day-values";
import { DimensionCounters } from "./dimension-counters";
import { DropCounter } from "./drop-counter";
import { HitWriter, type QueuedHit } from "./hit-writer";
import { migrate } from "./migrations";
import { keyLengthOf, PackedCounters } from "./packed-counters";
import { type QuietDayBody, QuietDays, saltOf } from "./quiet-days";
import { RecentVisitors } from "./recent-visitors";
import { type LiftRows, ReportReader, type VariantRows } from "./report-reader";
import { type SegmentTotal, VisitorDays } from "./visitor-days";
import { VisitorSalts } from "./visitor-salts";

/** Passed to `record` only to compute the visitor hash and the rate limit; never stored, never logged. */
export interface VisitorIdentity {
  ip: string;
  userAgent: string;
  /**
   * Whom the rate limit counts, and its limit: the visitor (its address, 120 a minute) unless a
   * trusted server-side sender forwarded the hit (the sender, with a limit of its own).
   */
  rateLimit?: { client: string; perMinute: number };
}

export interface RecordOutcome {
  /** Rows this hit wrote, from the SQL cursors: the unit Durable Object storage bills. */
  rowsWritten: number;
  /** True when the client went over the rate limit: the hit was counted as a drop only. */
  rateLimited?: boolean;
  /** True when a hit with the same event id was already recorded: nothing was written. */
  duplicate?: boolean;
}

/** A hit whose visitor ids are known, waiting for its batch's write. */
interface PendingHit extends QueuedHit {
  resolve: (outcome: RecordOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * How long a batch collects hits before it is written. A few milliseconds of latency let hits that
 * arrive together share one transaction and merge their counter writes.
 */
const BATCH_WINDOW_MS = 4;
/**
 * A batch takes at most this many hits (the rest wait for the next batch), so its write-log row
 * stays small (write-log.ts splits a body over 60,000 characters across rows anyway).
 */
const MAX_BATCH_HITS = 200;

/** A hit older than this on arrival was dated back by its sender (routes/ingest-route.ts). */
const LATE_HIT_MS = 60_000;

/** Alarms fire a little after midnight so that the new day's salt is due. */
export const ALARM_DELAY_AFTER_MIDNIGHT_MS = 60_000;

/**
 * One site's counters and short-lived visitor rows, in one SQLite-backed Durable Object
 * (named by the site id, so one object per site, never a global one). The class is the RPC
 * surface, the batching of writes and the alarm; each table belongs to a module: salts
 * (visitor-salts.ts), visitor-days and their roll-ups (visitor-days.ts), drops (drop-counter.ts),
 * counters (counter-batch.ts, read by report-reader.ts).
 *
 * Durability: hits are written in batches (see `flush`), each as one write-log row (or, on a quiet
 * site, straight into the tables) in one transaction; a checkpoint later folds the log into the
 * tables (hit-writer.ts). The runtime's output gate holds every RPC reply until the writes before
 * it are durable, and each hit's reply is sent only after its batch was written. The collector
 * answers 202 only after that reply: an acknowledged hit is stored. Reads fold the pending
 * counters first (segment counts, which read visitor rows, run a whole checkpoint), and the daily
 * maintenance runs a checkpoint first, so they see every acknowledged hit.
 */
export class SiteStore extends DurableObject<Env> {
  protected readonly sql: SqlStorage;
  // The modules over the tables, and what they keep in memory; made again when the site is erased (see open).
  private quiet!: QuietDays;
  private salts!: VisitorSalts;
  private visitorDays!: VisitorDays;
  private dimensions!: DimensionCounters;
  private drops!: DropCounter;
  private dayValues!: DayValues;
  private dayAggregates!: DayAggregates;
  private counters!: PackedCounters;
  private buckets!: DayBuckets;
  private reports!: ReportReader;
  private recent!: RecentVisitors;
  protected writer!: HitWriter;
  private readonly rateLimit = new ClientRateLimit();
  private alarmChecked = false;
  /** The site's time zone as last recorded (site_settings), for the alarm and maintenance. */
  private timeZone: string = DEFAULT_TIME_ZONE;
  /** Hits waiting for the next batch write (see flush). */
  private queued: PendingHit[] = [];
  private flushScheduled = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.open();
    void ctx.blockConcurrencyWhile(async () => {
      migrate(this.sql);
      // Acknowledged hits not yet folded into the tables (the object was reset since) are pending again.
      this.writer.restore();
      this.timeZone =
        this.sql.exec<{ value: string }>("SELECT value FROM site_settings WHERE key = 'time_zone'").toArray()[0]?.value ??
        DEFAULT_TIME_ZONE;
    });
  }

  /** Makes the modules over the tables, with nothing in memory. */
  private open(): void {
    this.quiet = new QuietDays(this.sql, keyLengthOf);
    this.salts = new VisitorSalts(this.sql, this.quiet);
    // Open days' added-dimension sums come from the visitor-days, stored and pending (closures:
    // the writer is made below).
    this.dimensions = new DimensionCounters(this.sql, {
      visitorsOf: (day) => this.visitorsOf(day),
      isRolledUp: (day) => this.visitorDays.isRolledUp(day),
      openDays: () => [...new Set([...this.visitorDays.storedDays(), ...this.writer.pendingDays()])],
    });
    this.buckets = new DayBuckets(this.sql, this.quiet);
    this.visitorDays = new VisitorDays(this.sql, this.buckets, this.dimensions, this.quiet);
    this.drops = new DropCounter(this.sql);
    this.dayValues = new DayValues(this.sql, (day) => this.visitorsOf(day));
    this.dayAggregates = new DayAggregates(this.sql);
    this.counters = new PackedCounters(this.sql, { quiet: this.quiet });
    this.reports = new ReportReader(this.sql, this.drops, this.visitorDays, this.dayAggregates, this.dimensions);
    this.recent = new RecentVisitors();
    this.quiet.materializeWith((day, body) => this.moveIntoTables(day, body));
    this.writer = new HitWriter(
      this.ctx.storage,
      this.sql,
      this.buckets,
      this.counters,
      this.visitorDays,
      this.dayValues,
      this.dayAggregates,
      this.quiet,
      (changes) => {
        this.dimensions.applyChanges(changes);
        this.recent.saw(changes.map(({ after }) => after));
      },
    );
  }

  /**
   * Writes a quiet day that outgrew its row into the tables (inside the caller's transaction,
   * quiet-days.ts), through the modules that own them; returns the rows written.
   */
  private moveIntoTables(day: number, body: QuietDayBody): number {
    const salt = saltOf(body);
    let rowsWritten = salt === undefined ? 0 : this.salts.storeInTable(day, salt);
    for (const [vid, state] of Object.entries(body.visitor ?? {})) this.buckets.put("visitor", day, vid, state);
    for (const [id, seen] of Object.entries(body.event ?? {})) this.buckets.put("event", day, id, seen);
    rowsWritten += this.buckets.flush();
    const counters = new CounterBatch();
    for (const [table, entries] of Object.entries(body.counters) as [PackedTable, SqlStorageValue[][]][]) {
      // An entry is the hour and key columns, then the sums: as a batch's counter rows are.
      const keyEnd = 1 + keyLengthOf(table);
      for (const entry of entries) counters.add(table, entry.slice(0, keyEnd), entry.slice(keyEnd).map(Number));
    }
    rowsWritten += counters.write(this.counters).rowsWritten;
    // Blocks of days built while the day was read from its row do not hold it.
    rowsWritten += this.dayAggregates.reopen(day);
    if (body.segments !== undefined) rowsWritten += this.visitorDays.writeRollUp(day, body.segments);
    if (body.dimensions !== undefined) rowsWritten += this.dimensions.writeDay(day, body.dimensions);
    return rowsWritten;
  }

  /** Every visitor-day of `day`: the stored rows, with the pending (acknowledged, not yet checkpointed) ones over them. */
  private visitorsOf(day: number): VisitorDay[] {
    const byVid = new Map(this.visitorDays.loadDay(day).map((visitor) => [visitor.vid, visitor]));
    for (const visitor of this.writer.pendingVisitorsOf(day)) byVid.set(visitor.vid, visitor);
    return [...byVid.values()];
  }

  /**
   * Visitors seen in the last RECENT_WINDOW_MS (realtime): from the visitor-days in memory, or
   * after a restart once from the stored and pending ones of today and yesterday.
   */
  async readRealtime(): Promise<number> {
    const now = Date.now();
    if (!this.recent.warm) {
      const today = localDayOf(now, this.timeZone);
      for (const day of [today - 1, today]) {
        this.recent.saw(this.visitorDays.loadDay(day));
        this.recent.saw(this.writer.pendingVisitorsOf(day));
      }
      this.recent.warm = true;
    }
    return this.recent.count(now);
  }

  /**
   * Erases everything this object stores (an admin's request, for one site: every shard is
   * asked): every table and the alarm, then the schema again, empty; what it kept in memory goes
   * with the modules.
   */
  async erase(): Promise<void> {
    this.writer.stop();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    migrate(this.sql);
    this.open();
    this.alarmChecked = false;
    this.timeZone = DEFAULT_TIME_ZONE;
  }

  /** Counts one accepted hit. Resolves once the hit's writes are durable. */
  async record(hit: RecordedHit, identity: VisitorIdentity): Promise<RecordOutcome> {
    await this.useTimeZone(hit.timeZone);
    const day = dayOfHour(hit.localHour);
    // Only a hit dated back by a trusted sender can land in a day already rolled up.
    if (Date.now() - hit.timestamp > LATE_HIT_MS && day < localDayOf(Date.now(), hit.timeZone)) this.visitorDays.reopen(day);
    const todayKey = this.salts.existing(day) ?? this.createSalt(day);
    const yesterdayKey = this.salts.existing(day - 1);
    const [todayVid, yesterdayVid, clientKey] = await Promise.all([
      todayKey.then((key) => visitorHash(key, hit.siteId, identity.ip, identity.userAgent)),
      yesterdayKey?.then((key) => visitorHash(key, hit.siteId, identity.ip, identity.userAgent)) ?? null,
      todayKey.then((key) => visitorHash(key, hit.siteId, identity.rateLimit?.client ?? identity.ip, "rate limit")),
    ]);
    await this.ensureAlarm();
    // Counted by arrival, not by the hit's own time (a trusted sender may date it back).
    if (this.rateLimit.overLimit(clientKey, Date.now(), identity.rateLimit?.perMinute)) {
      this.drops.count("rate_limited", hit.localHour);
      return { rowsWritten: 1, rateLimited: true };
    }

    // The hit joins the batch being collected; every hit of the batch is answered once the
    // batch's one transaction has committed (the output gate holds replies until it is durable).
    return new Promise<RecordOutcome>((resolve, reject) => {
      this.queued.push({ hit, todayVid, yesterdayVid, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setTimeout(() => this.flush(), BATCH_WINDOW_MS);
      }
    });
  }

  /**
   * Writes up to MAX_BATCH_HITS queued hits as one batch (hit-writer.ts: one write-log row, or on
   * a quiet site the tables, in one transaction) and answers them; the rest wait for the next
   * batch. If the write fails, nothing of the batch stays and every hit of it is refused, so a
   * retry (with an event id) counts each hit once.
   */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queued.splice(0, MAX_BATCH_HITS);
    if (this.queued.length > 0) {
      this.flushScheduled = true;
      setTimeout(() => this.flush(), 0);
    }
    let outcomes: RecordOutcome[];
    try {
      outcomes = this.writer.write(batch);
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      item.resolve(outcomes[i] ?? { rowsWritten: 0 });
    });
  }

  /**
   * Folds every acknowledged hit still pending (in the write log) into the tables now; returns
   * the rows that wrote. Used by tests and the benchmark to inspect tables right after posting;
   * reads and the daily maintenance do the same on their own.
   */
  async checkpoint(): Promise<{ rowsWritten: number }> {
    return { rowsWritten: this.writer.checkpoint() };
  }

  /** Counts a hit that was dropped on purpose, so the owner sees what was filtered and why. */
  async recordDrop(reason: CountedDropReason, localHour: number): Promise<void> {
    this.drops.count(reason, localHour);
  }

  /** Sums for a report over whole local days of the site; see domain/reports/report.ts for the figures built on them. */
  async readReport(
    range: ReportRange,
    filters: ReportFilters,
    breakdownLimit: number,
    dimensions: readonly ReportBreakdown[],
  ): Promise<ReportRows> {
    this.writer.foldCounters();
    return this.reports.report(range, filters, breakdownLimit, dimensions);
  }

  /** Visitors reaching each funnel step, for funnels built in domain/reports/segment-reports.ts. */
  async readFunnels(range: ReportRange, filters: ReportFilters): Promise<FunnelStepRow[]> {
    this.writer.foldCounters();
    return this.reports.funnels(range, filters);
  }

  /** Channel, source or campaign rows with converting visitors and revenue. */
  async readSegments(range: ReportRange, filters: ReportFilters, dimension: SegmentDimension, limit: number): Promise<BreakdownRows> {
    this.writer.foldCounters();
    return this.reports.segments(range, filters, dimension, limit);
  }

  /** Visitors shown each variant, and conversions per variant and goal. */
  async readVariants(range: ReportRange, filters: ReportFilters): Promise<VariantRows> {
    this.writer.foldCounters();
    return this.reports.variants(range, filters);
  }

  /** Totals, micro goal visitors and micro+macro pairs for micro-to-macro lift. */
  async readLift(range: ReportRange, filters: ReportFilters): Promise<LiftRows> {
    this.writer.foldCounters();
    return this.reports.lift(range, filters);
  }

  /** Segment counts inside a page or goal membership (funnels and lift inside those filters). */
  async readSegmentCounts(
    range: ReportRange,
    filters: ReportFilters,
    membership: { filter: SegmentFilter; value: string },
  ): Promise<SegmentTotal[]> {
    // Today's segment counts come from the visitor rows: a whole checkpoint.
    this.writer.checkpoint();
    return this.reports.segmentCounts(range, filters, membership);
  }

  /** Whether this site has ever counted or dropped a hit. */
  async hasData(): Promise<boolean> {
    this.writer.foldCounters();
    return this.reports.hasData();
  }

  /**
   * Daily, just after the site's local midnight: roll up the day that just ended, forget expired
   * salts and visitor rows, fold old hours, aggregate the closed days; then post the closed day's
   * breakage alerts where the site has a webhook. Idempotent: a repeated or late alarm finds the
   * work done or does what is due.
   */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.maintain(now);
    await this.ctx.storage.setAlarm(nextLocalMidnight(now, this.timeZone) + ALARM_DELAY_AFTER_MIDNIGHT_MS);
    // Last, once the day's work is done and the next alarm set; never throws (storage/alert-webhook.ts).
    await deliverAlerts(this.ctx, this.env, now, (range) => this.readReport(range, {}, 1, []));
  }

  /** The daily work, as of `now`; each step does only what is due, so running it again changes nothing. */
  protected maintain(now: number): void {
    // Rollups and expiry work on the tables: everything acknowledged must be in them first.
    this.writer.checkpoint();
    const today = localDayOf(now, this.timeZone);
    // The new day's salt is made by its first hit, not here: a quiet site's alarm would otherwise
    // write a salt and, two days later, its delete every night, hits or not.
    this.visitorDays.rollUpDay(today - 1);
    this.forgetBefore(today - 1);
    this.foldHoursBefore(firstHourOfDay(today - readSettings(this.env).HOURLY_DETAIL_DAYS));
    // After folding: a folded day has fewer rows to sum, and the same sums.
    this.dayAggregates.closeDaysBefore(today);
  }

  /**
   * Keeping today and yesterday (local days) means a salt lives two local days: at most 49 h
   * across a 25-hour day, plus the alarm's delay; so does every row keyed by a hash made with it.
   */
  private forgetBefore(oldestKeptDay: number): void {
    // Pending visitor rows, event ids and values of those days must not be written after this.
    this.writer.checkpoint();
    try {
      this.visitorDays.forgetBefore(oldestKeptDay);
      this.dimensions.forgetBefore(oldestKeptDay);
      this.dayValues.forgetBefore(oldestKeptDay);
      this.salts.forgetBefore(oldestKeptDay);
      // Quiet days' rows: rolled up and their salts, visitor-days and event ids dropped, in one write each.
      this.ctx.storage.transactionSync(() => this.quiet.flush());
    } catch (error) {
      // What was rolled up or dropped in memory and not written is read again from storage.
      this.quiet.forget();
      this.buckets.forget();
      this.counters.forget();
      throw error;
    }
  }

  /** Creates a day's salt on its first hit, and drops expired data then too, should an alarm be late. */
  private createSalt(day: number): Promise<CryptoKey> {
    // First: the salt is then written with its batch, not by this forgetting.
    this.forgetBefore(day - 1);
    return this.salts.create(day);
  }

  /**
   * Folds the hourly buckets of days before `cutoffHour` into each day's first hour (hour % 24 =
   * 0), summing counters with the same key, where that saves a third of the day's rows: storage
   * then grows with days, not hours. Every report sums over hour ranges, so daily figures are
   * unchanged; only hourly timeseries lose detail.
   */
  private foldHoursBefore(cutoffHour: number): void {
    const cutoffDay = dayOfHour(cutoffHour);
    // Each day is decided once, as it crosses the cutoff: the days after the last one decided (or,
    // the first time, after the oldest counter), up to the cutoff.
    const decided = this.sql.exec<{ value: string }>("SELECT value FROM site_settings WHERE key = 'folded_through_day'").toArray()[0];
    const oldest = this.sql.exec<{ hour: number | null }>("SELECT MIN(hour) AS hour FROM hourly_counters_parts").one().hour;
    const firstDay = decided !== undefined ? Number(decided.value) + 1 : oldest === null ? cutoffDay : dayOfHour(oldest);
    if (firstDay >= cutoffDay) return;
    for (let day = firstDay; day < cutoffDay; day++) {
      const from = firstHourOfDay(day) + 1;
      const to = firstHourOfDay(day) + 23;
      for (const { table, key, sums } of HOURLY_TABLES) {
        const keys = key.join(", ");
        const { rows, keysAfter } = this.sql
          .exec<{ rows: number; keysAfter: number }>(
            `SELECT (SELECT COUNT(*) FROM ${table} WHERE hour BETWEEN ?1 AND ?2) AS rows,
                    (SELECT COUNT(*) FROM (SELECT 1 FROM ${table} WHERE hour BETWEEN ?1 AND ?2 GROUP BY ${keys})) AS keysAfter`,
            from,
            to,
          )
          .one();
        // Folding writes a row per key and deletes every hourly row: worth it only when it saves
        // at least a third of what the day keeps. Keys that hardly repeat across hours (a realistic spread
        // of pages, places and sources) stay hourly: storage is cheap, rows written are billed.
        if (rows === 0 || keysAfter * 3 > rows * 2) continue;
        if (table !== "dropped_hits") {
          try {
            this.ctx.storage.transactionSync(() => this.counters.foldInto(table, firstHourOfDay(day), firstHourOfDay(day) + 23));
          } catch (error) {
            this.counters.forget();
            throw error;
          }
          continue;
        }
        this.sql.exec(
          `INSERT INTO ${table} (hour, ${keys}, ${sums.join(", ")})
           SELECT ${firstHourOfDay(day)}, ${keys}, ${sums.map((column) => `SUM(${column})`).join(", ")}
             FROM ${table} WHERE hour BETWEEN ? AND ?
            GROUP BY ${keys}
           ON CONFLICT DO UPDATE SET ${sums.map((column) => `${column} = ${column} + excluded.${column}`).join(", ")}`,
          from,
          to,
        );
        this.sql.exec(`DELETE FROM ${table} WHERE hour BETWEEN ? AND ?`, from, to);
      }
    }
    this.sql.exec(
      "INSERT INTO site_settings (key, value) VALUES ('folded_through_day', ?) ON CONFLICT DO UPDATE SET value = excluded.value",
      String(cutoffDay - 1),
    );
  }

  private async ensureAlarm(): Promise<void> {
    if (this.alarmChecked) return;
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(nextLocalMidnight(Date.now(), this.timeZone) + ALARM_DELAY_AFTER_MIDNIGHT_MS);
    }
    this.alarmChecked = true;
  }

  /**
   * Keeps the site's time zone (from its config, sent with each hit) for the alarm. A change is
   * stored once and moves the next alarm to the new zone's midnight; days already counted stay
   * as they were.
   */
  private async useTimeZone(timeZone: string): Promise<void> {
    if (timeZone === this.timeZone) return;
    this.timeZone = timeZone;
    this.sql.exec(
      "INSERT INTO site_settings (key, value) VALUES ('time_zone', ?) ON CONFLICT DO UPDATE SET value = excluded.value",
      timeZone,
    );
    if (this.alarmChecked) await this.ctx.storage.setAlarm(nextLocalMidnight(Date.now(), timeZone) + ALARM_DELAY_AFTER_MIDNIGHT_MS);
  }
}
