import { DurableObject } from "cloudflare:workers";
import type { RecordedHit } from "../domain/recorded-hit";
import { rangeHours, type ReportRange, type ReportRows, type CountedDropReason } from "../domain/report";
import { toMicros } from "../domain/money";
import { dayOf, hourOf, nextMidnight } from "../domain/utc-time";
import { importSaltKey, newSalt, visitorHash } from "../domain/visitor-hash";
import { advanceVisitor, resolveVisitor, type VisitorDay } from "../domain/visit-tracker";
import { migrate } from "./migrations";
import { readReportRows } from "./report-queries";

/** Passed to `record` only to compute the visitor hash; never stored, never logged. */
export interface VisitorIdentity {
  ip: string;
  userAgent: string;
}

export interface RecordOutcome {
  /** Rows this hit wrote, from the SQL cursors: the unit Durable Object storage bills. */
  rowsWritten: number;
}

/** Alarms fire a little after midnight so that the new day's salt is due. */
const ALARM_DELAY_AFTER_MIDNIGHT_MS = 60_000;

/**
 * One site's counters and short-lived visitor rows, in one SQLite-backed Durable Object
 * (named by the site id, so one object per site, never a global one).
 *
 * Durability: each method does its writes synchronously, with no await between them, so they
 * commit as one atomic batch, and the runtime's output gate holds the RPC reply until that batch
 * is durable. The collector answers 202 only after that reply: an acknowledged hit is stored.
 */
export class SiteStore extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly saltKeys = new Map<number, Promise<CryptoKey>>();
  private alarmChecked = false;

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
    const [todayVid, yesterdayVid] = await Promise.all([
      todayKey.then((key) => visitorHash(key, hit.siteId, identity.ip, identity.userAgent)),
      yesterdayKey?.then((key) => visitorHash(key, hit.siteId, identity.ip, identity.userAgent)) ?? null,
    ]);
    await this.ensureAlarm(hit.timestamp);

    // From here on everything is synchronous: no other hit can interleave with this visitor's
    // read-modify-write, and all writes land in one atomic batch.
    let rowsWritten = 0;
    const todayRow = this.loadVisitor(todayVid);
    const yesterdayRow = yesterdayVid === null ? null : this.loadVisitor(yesterdayVid);
    const { prior, continuesFromYesterday } = resolveVisitor(todayRow, yesterdayRow, hit.timestamp);
    const { next, increments, attribution } = advanceVisitor(prior, todayVid, hit);
    if (next !== null) {
      if (continuesFromYesterday && yesterdayVid !== null) {
        // Re-key the continuing visit under today's hash so the rest of today finds it directly.
        rowsWritten += this.sql.exec("DELETE FROM visitors WHERE vid = ?", yesterdayVid).rowsWritten;
      }
      rowsWritten += this.saveVisitor(next);
    }
    const money = hit.classification.revenue;
    rowsWritten += this.sql.exec(
      `INSERT INTO hourly_counters (hour, name, goal, class, page, source, channel, campaign, country, device, currency,
         hits, visitors, hour_visitors, page_visitors, goal_visitors, class_visitors, revenue_micros, scroll_depth_sum, engaged_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET
         hits = hits + 1,
         visitors = visitors + excluded.visitors,
         hour_visitors = hour_visitors + excluded.hour_visitors,
         page_visitors = page_visitors + excluded.page_visitors,
         goal_visitors = goal_visitors + excluded.goal_visitors,
         class_visitors = class_visitors + excluded.class_visitors,
         revenue_micros = revenue_micros + excluded.revenue_micros,
         scroll_depth_sum = scroll_depth_sum + excluded.scroll_depth_sum,
         engaged_ms = engaged_ms + excluded.engaged_ms`,
      hourOf(hit.timestamp),
      hit.name,
      hit.classification.goal,
      hit.classification.class,
      hit.page,
      attribution.source,
      attribution.channel,
      attribution.campaign,
      attribution.country,
      attribution.device,
      money?.currency ?? "",
      increments.visitors,
      increments.hourVisitors,
      increments.pageVisitors,
      increments.goalVisitors,
      increments.classVisitors,
      money === null ? 0 : toMicros(money.amount),
      hit.scrollDepth,
      hit.engagedMs,
    ).rowsWritten;
    return { rowsWritten };
  }

  /** Counts a hit that was dropped on purpose, so the owner sees what was filtered and why. */
  async recordDrop(reason: CountedDropReason, timestamp: number): Promise<void> {
    this.sql.exec(
      `INSERT INTO dropped_hits (hour, reason, hits) VALUES (?, ?, 1)
       ON CONFLICT DO UPDATE SET hits = hits + 1`,
      hourOf(timestamp),
      reason,
    );
  }

  /** Sums for a report over whole UTC days; see domain/report.ts for the figures built on them. */
  async readReport(range: ReportRange, breakdownLimit: number): Promise<ReportRows> {
    const { fromHour, toHour } = rangeHours(range);
    return readReportRows(this.sql, fromHour, toHour, breakdownLimit);
  }

  /** Whether this site has ever counted or dropped a hit. */
  async hasData(): Promise<boolean> {
    return this.sql.exec("SELECT 1 FROM hourly_counters UNION ALL SELECT 1 FROM dropped_hits LIMIT 1").toArray().length > 0;
  }

  /** Daily, just after 00:00 UTC: forget expired salts and visitor rows. Idempotent. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.forgetBefore(dayOf(now) - 1);
    await this.ctx.storage.setAlarm(nextMidnight(now) + ALARM_DELAY_AFTER_MIDNIGHT_MS);
  }

  /**
   * Deletes salts and visitor rows of days before `oldestKeptDay`. Keeping today and yesterday
   * means a salt lives at most 48 h (from the 00:00 it starts to the 00:00 two days later), and
   * so does every row keyed by a hash made with it.
   */
  private forgetBefore(oldestKeptDay: number): void {
    this.sql.exec("DELETE FROM salts WHERE day < ?", oldestKeptDay);
    this.sql.exec("DELETE FROM visitors WHERE day < ?", oldestKeptDay);
    for (const day of this.saltKeys.keys()) if (day < oldestKeptDay) this.saltKeys.delete(day);
  }

  /** The HMAC key of a day's salt if that salt exists (it never does for days older than yesterday). */
  private existingSaltKey(day: number): Promise<CryptoKey> | null {
    const cached = this.saltKeys.get(day);
    if (cached) return cached;
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

  private async ensureAlarm(now: number): Promise<void> {
    if (this.alarmChecked) return;
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(nextMidnight(now) + ALARM_DELAY_AFTER_MIDNIGHT_MS);
    }
    this.alarmChecked = true;
  }

  private loadVisitor(vid: string): VisitorDay | null {
    const row = this.sql
      .exec<{
        vid: string;
        day: number;
        last_seen: number;
        last_hour: number;
        source: string;
        channel: string;
        campaign: string;
        country: string;
        device: string;
        pages: string;
        goals: string;
        converted: number;
      }>("SELECT * FROM visitors WHERE vid = ?", vid)
      .toArray()[0];
    if (!row) return null;
    return {
      vid: row.vid,
      day: row.day,
      lastSeen: row.last_seen,
      lastHour: row.last_hour,
      attribution: { source: row.source, channel: row.channel, campaign: row.campaign, country: row.country, device: row.device },
      pages: JSON.parse(row.pages) as string[],
      goals: JSON.parse(row.goals) as string[],
      convertedMacro: (row.converted & 1) !== 0,
      convertedMicro: (row.converted & 2) !== 0,
    };
  }

  private saveVisitor(visitor: VisitorDay): number {
    const { attribution } = visitor;
    return this.sql.exec(
      `INSERT INTO visitors (vid, day, last_seen, last_hour, source, channel, campaign, country, device, pages, goals, converted)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (vid) DO UPDATE SET day = excluded.day, last_seen = excluded.last_seen, last_hour = excluded.last_hour,
         source = excluded.source, channel = excluded.channel, campaign = excluded.campaign, country = excluded.country,
         device = excluded.device, pages = excluded.pages, goals = excluded.goals, converted = excluded.converted`,
      visitor.vid,
      visitor.day,
      visitor.lastSeen,
      visitor.lastHour,
      attribution.source,
      attribution.channel,
      attribution.campaign,
      attribution.country,
      attribution.device,
      JSON.stringify(visitor.pages),
      JSON.stringify(visitor.goals),
      (visitor.convertedMacro ? 1 : 0) | (visitor.convertedMicro ? 2 : 0),
    ).rowsWritten;
  }
}
