import { DurableObject } from "cloudflare:workers";
import { readSettings } from "../config/settings";
import { ClientRateLimit } from "../domain/ingest/rate-limit";
import type { RecordedHit } from "../domain/ingest/recorded-hit";
import { capHitValues } from "../domain/ingest/value-caps";
import type { BreakdownRows, CountedDropReason, FunnelStepRow, ReportRange, ReportRows } from "../domain/reports/report";
import type { ReportFilters } from "../domain/reports/report-filter";
import type { SegmentDimension } from "../domain/reports/segment-reports";
import { DEFAULT_TIME_ZONE, localDayOf, nextLocalMidnight } from "../domain/time/site-time";
import { dayOfHour, firstHourOfDay } from "../domain/time/utc-time";
import type { SegmentFilter } from "../domain/visitors/segment-rollup";
import { advanceVisitor, resolveVisitor, type VisitorDay } from "../domain/visitors/visit-tracker";
import { visitorHash } from "../domain/visitors/visitor-hash";
import { CounterBatch } from "./counter-batch";
import { DayValues } from "./day-values";
import { DropCounter } from "./drop-counter";
import { HOURLY_TABLES, migrate } from "./migrations";
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

/** A hit whose visitor ids are known, waiting for its batch's transaction. */
interface PendingHit {
  hit: RecordedHit;
  todayVid: string;
  yesterdayVid: string | null;
  resolve: (outcome: RecordOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * How long a batch collects hits before it is written. A few milliseconds of latency let hits that
 * arrive together share one transaction and merge their counter writes.
 */
const BATCH_WINDOW_MS = 4;

/** Alarms fire a little after midnight so that the new day's salt is due. */
export const ALARM_DELAY_AFTER_MIDNIGHT_MS = 60_000;

/**
 * One site's counters and short-lived visitor rows, in one SQLite-backed Durable Object
 * (named by the site id, so one object per site, never a global one). The class is the RPC
 * surface, the batching of writes and the alarm; each table belongs to a module: salts
 * (visitor-salts.ts), visitor-days and their roll-ups (visitor-days.ts), drops (drop-counter.ts),
 * counters (counter-batch.ts, read by report-reader.ts).
 *
 * Durability: hits are written in batches, each in one transaction (see `flush`); the runtime's
 * output gate holds every RPC reply until the writes before it are durable, and each hit's reply
 * is sent only after its batch committed. The collector answers 202 only after that reply: an
 * acknowledged hit is stored.
 */
export class SiteStore extends DurableObject<Env> {
  protected readonly sql: SqlStorage;
  private readonly salts: VisitorSalts;
  private readonly visitorDays: VisitorDays;
  private readonly drops: DropCounter;
  private readonly dayValues: DayValues;
  private readonly reports: ReportReader;
  private readonly rateLimit = new ClientRateLimit();
  private alarmChecked = false;
  /** The site's time zone as last recorded (site_settings), for the alarm and maintenance. */
  private timeZone: string = DEFAULT_TIME_ZONE;
  /** Hits waiting for the next batch write (see flush). */
  private pending: PendingHit[] = [];
  private flushScheduled = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.salts = new VisitorSalts(this.sql);
    this.visitorDays = new VisitorDays(this.sql);
    this.drops = new DropCounter(this.sql);
    this.dayValues = new DayValues(this.sql);
    this.reports = new ReportReader(this.sql, this.drops, this.visitorDays);
    void ctx.blockConcurrencyWhile(async () => {
      migrate(this.sql);
      this.timeZone =
        this.sql.exec<{ value: string }>("SELECT value FROM site_settings WHERE key = 'time_zone'").toArray()[0]?.value ??
        DEFAULT_TIME_ZONE;
    });
  }

  /** Counts one accepted hit. Resolves once the hit's writes are durable. */
  async record(hit: RecordedHit, identity: VisitorIdentity): Promise<RecordOutcome> {
    await this.useTimeZone(hit.timeZone);
    const day = dayOfHour(hit.localHour);
    if (day < localDayOf(Date.now(), hit.timeZone)) this.visitorDays.reopen(day);
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
      const applied = this.ctx.storage.transactionSync(() => this.applyBatch(batch));
      this.dayValues.settle(applied.newCounterRows);
      outcomes = applied.outcomes;
    } catch (error) {
      this.dayValues.rollback();
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      item.resolve(outcomes[i] ?? { rowsWritten: 0 });
    });
  }

  private applyBatch(batch: readonly PendingHit[]): { outcomes: RecordOutcome[]; newCounterRows: Map<number, number> } {
    const visitors = new Map<string, VisitorDay | null>();
    const dirty = new Map<string, VisitorDay>();
    const load = (vid: string) => {
      if (!visitors.has(vid)) visitors.set(vid, this.visitorDays.load(vid));
      return visitors.get(vid) ?? null;
    };
    const counters = new CounterBatch();
    let rowsWritten = 0;
    let recorded = 0;
    const outcomes = batch.map(({ hit: sent, todayVid, yesterdayVid }): RecordOutcome => {
      const day = dayOfHour(sent.localHour);
      if (sent.eventId !== undefined) {
        // In the same transaction as the hit's counters: both are stored, or neither.
        const seen = this.sql.exec("INSERT INTO seen_events (id, day) VALUES (?, ?) ON CONFLICT DO NOTHING", sent.eventId, day).rowsWritten;
        if (seen === 0) return { rowsWritten: 0, duplicate: true };
        rowsWritten += seen;
      }
      // Values over the day's caps count as "(other)" (domain/ingest/value-caps.ts).
      const hit = capHitValues(sent, (dimension, value) => this.dayValues.admit(day, dimension, value), this.dayValues.atRowCap(day));
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
    for (const visitor of dirty.values()) rowsWritten += this.visitorDays.save(visitor);
    const written = counters.write(this.sql);
    rowsWritten += written.rowsWritten + this.dayValues.commit();
    // Rows are written per batch; each hit is credited its share (exact for a batch of one).
    const shares = outcomes.map((outcome) => (outcome.duplicate ? outcome : { rowsWritten: rowsWritten / Math.max(1, recorded) }));
    return { outcomes: shares, newCounterRows: written.newCounterRows };
  }

  /** Counts a hit that was dropped on purpose, so the owner sees what was filtered and why. */
  async recordDrop(reason: CountedDropReason, localHour: number): Promise<void> {
    this.drops.count(reason, localHour);
  }

  /** Sums for a report over whole local days of the site; see domain/reports/report.ts for the figures built on them. */
  async readReport(range: ReportRange, filters: ReportFilters, breakdownLimit: number): Promise<ReportRows> {
    return this.reports.report(range, filters, breakdownLimit);
  }

  /** Visitors reaching each funnel step, for funnels built in domain/reports/segment-reports.ts. */
  async readFunnels(range: ReportRange, filters: ReportFilters): Promise<FunnelStepRow[]> {
    return this.reports.funnels(range, filters);
  }

  /** Channel, source or campaign rows with converting visitors and revenue. */
  async readSegments(range: ReportRange, filters: ReportFilters, dimension: SegmentDimension, limit: number): Promise<BreakdownRows> {
    return this.reports.segments(range, filters, dimension, limit);
  }

  /** Visitors shown each variant, and conversions per variant and goal. */
  async readVariants(range: ReportRange, filters: ReportFilters): Promise<VariantRows> {
    return this.reports.variants(range, filters);
  }

  /** Totals, micro goal visitors and micro+macro pairs for micro-to-macro lift. */
  async readLift(range: ReportRange, filters: ReportFilters): Promise<LiftRows> {
    return this.reports.lift(range, filters);
  }

  /** Segment counts inside a page or goal membership (funnels and lift inside those filters). */
  async readSegmentCounts(
    range: ReportRange,
    filters: ReportFilters,
    membership: { filter: SegmentFilter; value: string },
  ): Promise<SegmentTotal[]> {
    return this.reports.segmentCounts(range, filters, membership);
  }

  /** Whether this site has ever counted or dropped a hit. */
  async hasData(): Promise<boolean> {
    return this.reports.hasData();
  }

  /**
   * Daily, just after the site's local midnight: roll up the day that just ended, forget expired
   * salts and visitor rows. Idempotent: a repeated or late alarm finds the work done or does what
   * is due.
   */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.maintain(now);
    await this.ctx.storage.setAlarm(nextLocalMidnight(now, this.timeZone) + ALARM_DELAY_AFTER_MIDNIGHT_MS);
  }

  /** The daily work, as of `now`; each step does only what is due, so running it again changes nothing. */
  protected maintain(now: number): void {
    const today = localDayOf(now, this.timeZone);
    // Rotate: the new day's salt exists from midnight on (a day's first hit would make it too).
    if (this.salts.existing(today) === null) void this.createSalt(today);
    this.visitorDays.rollUpDay(today - 1);
    this.forgetBefore(today - 1);
    this.foldHoursBefore(firstHourOfDay(today - readSettings(this.env).HOURLY_DETAIL_DAYS));
  }

  /**
   * Keeping today and yesterday (local days) means a salt lives two local days: at most 49 h
   * across a 25-hour day, plus the alarm's delay; so does every row keyed by a hash made with it.
   */
  private forgetBefore(oldestKeptDay: number): void {
    this.visitorDays.forgetBefore(oldestKeptDay);
    this.dayValues.forgetBefore(oldestKeptDay);
    this.salts.forgetBefore(oldestKeptDay);
  }

  /** Creates a day's salt on its first hit, and drops expired data then too, should an alarm be late. */
  private createSalt(day: number): Promise<CryptoKey> {
    const key = this.salts.create(day);
    this.forgetBefore(day - 1);
    return key;
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
