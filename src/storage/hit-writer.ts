import type { RecordedHit } from "../domain/ingest/recorded-hit";
import { capHitValues } from "../domain/ingest/value-caps";
import { dayOfHour } from "../domain/time/utc-time";
import { advanceVisitor, resolveVisitor, type VisitorDay } from "../domain/visitors/visit-tracker";
import { BatchEffects } from "./batch-effects";
import { CounterBatch } from "./counter-batch";
import type { DayAggregates } from "./day-aggregates";
import type { DayBuckets } from "./day-buckets";
import type { DayValues } from "./day-values";
import type { PackedCounters } from "./packed-counters";
import type { QuietDays } from "./quiet-days";
import { SeenEvents } from "./seen-events";
import type { VisitorDays } from "./visitor-days";
import { WriteLog } from "./write-log";

/** A hit whose visitor ids are known, ready to be written with its batch. */
export interface QueuedHit {
  hit: RecordedHit;
  todayVid: string;
  yesterdayVid: string | null;
}

/** A visitor-day a batch changed: as it was before the batch (null: new), and after. */
export interface VisitorChange {
  before: VisitorDay | null;
  after: VisitorDay;
}

/** What writing a batch did for each of its hits. */
export interface BatchHitOutcome {
  /** The hit's share of the rows its batch wrote. */
  rowsWritten: number;
  duplicate?: boolean;
}

/**
 * A checkpoint runs this long after the first batch that went to the log. Longer folds more
 * batches into each visitor and counter row (fewer rows written per hit: a visitor's row is
 * written once per checkpoint however often it was seen) but keeps more log rows to read back
 * after a restart. With 30 s, `npm run bench` measured 0.19 rows per hit all-in at ~1,200
 * hits/s from 2,000 visitors (docs/architecture.md); with 10 s it was 0.5 to 0.6 over 5 s windows.
 */
export const CHECKPOINT_DELAY_MS = 30_000;
/** A checkpoint runs at once when the pending log reaches this many batches ... */
const CHECKPOINT_AFTER_BATCHES = 2_000;
/**
 * ... or this many characters of log bodies: a restart reads back a bounded log (row by row,
 * merged as it goes). A batch of about 20 hits logs about 15 KB (visitor states are most of it),
 * so under the bench's load 8 MB cut the 30 s cycle to about 14 s; 20 MB leaves it to the timer.
 */
const CHECKPOINT_AFTER_CHARS = 20_000_000;
/**
 * A batch arriving when nothing is pending and the previous batch is older than this is on a
 * quiet site: it is written straight into the tables (a log row and its deletion would only add
 * two rows to it); on a small day, that is the day's one quiet-day row (quiet-days.ts).
 */
const QUIET_GAP_MS = 2_000;

/**
 * The write path of a site's store: a log and a checkpoint.
 *
 * Each batch's effects are computed against the current state (the batch so far, then the
 * pending state, then the tables) and written as one `write_log` row; only once that insert
 * succeeded are they merged into the pending state (in memory), so the batch's hits can be
 * acknowledged. A checkpoint writes the pending state into the tables and deletes the log rows it
 * folded, in one transaction; the pending state is cleared only after it committed. After a
 * restart `restore` reads the log back into the pending state. Every acknowledged hit is thus in
 * the tables or in the log, exactly once: the log rows a checkpoint folds disappear with it.
 */
export class HitWriter {
  private readonly log: WriteLog;
  private readonly seenEvents: SeenEvents;
  private pending = new BatchEffects();
  /** The last log row whose effects are in `pending`; 0 when none is. */
  private pendingThroughSeq = 0;
  private pendingBatches = 0;
  private pendingChars = 0;
  private lastBatchAt = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Rows written by batches (log rows, or tables on the quiet path) since this instance started. */
  rowsWrittenByBatches = 0;
  /** Rows written by checkpoints since this instance started. */
  rowsWrittenByCheckpoints = 0;

  constructor(
    private readonly storage: DurableObjectStorage,
    sql: SqlStorage,
    /** Visitor-days and event ids as stored, packed per day; forgotten like the counters when a transaction fails. */
    private readonly buckets: DayBuckets,
    /** Counters as stored; told to forget what it decoded when a transaction writing them fails. */
    private readonly counters: PackedCounters,
    private readonly visitorDays: VisitorDays,
    private readonly dayValues: DayValues,
    private readonly dayAggregates: DayAggregates,
    /** Quiet days, written whole into their rows by the buckets and counters above; flushed with them. */
    private readonly quiet: QuietDays,
    /** Told of each visitor-day a batch changed, once the batch is durable (dimension-counters.ts). */
    private readonly onVisitorsChanged: (changes: VisitorChange[]) => void = () => {},
  ) {
    this.log = new WriteLog(sql);
    this.seenEvents = new SeenEvents(buckets);
  }

  /** Reads the log back into the pending state; once, at start, after migrate. */
  restore(): void {
    const logged = this.log.readAll();
    if (logged.rows === 0) return;
    this.pending = logged.effects;
    this.pendingThroughSeq = logged.lastSeq;
    this.pendingBatches = logged.rows;
    this.pendingChars = logged.bytes;
    this.dayValues.remember(logged.effects.dayValues);
    this.scheduleCheckpoint();
  }

  /**
   * Writes one batch: to the log (or, on a quiet site, straight into the tables), in one
   * transaction. Throws when that failed: then nothing of the batch stays, in storage or memory.
   */
  write(batch: readonly QueuedHit[]): BatchHitOutcome[] {
    const now = Date.now();
    const quiet = this.pendingBatches === 0 && now - this.lastBatchAt > QUIET_GAP_MS;
    this.lastBatchAt = now;
    let rowsWritten = 0;
    let computed: { effects: BatchEffects; duplicates: boolean[]; before: Map<string, VisitorDay | null> };
    try {
      computed = this.effectsOf(batch);
      const { effects } = computed;
      if (quiet) {
        const written = this.storage.transactionSync(() => this.writeTables(effects));
        this.dayValues.settle(written.newCounterRows);
        rowsWritten = written.rowsWritten;
      } else if (!effects.isEmpty()) {
        // A salt made for the batch's hits is stored with it (a quiet day's, in its row).
        const appended = this.storage.transactionSync(() => {
          const logged = this.log.append(effects);
          return { ...logged, rowsWritten: logged.rowsWritten + this.quiet.flush() };
        });
        this.dayValues.settle(new Map());
        this.pending.merge(effects);
        this.pendingThroughSeq = appended.lastSeq;
        this.pendingBatches += 1;
        this.pendingChars += appended.bytes;
        rowsWritten = appended.rowsWritten;
      }
    } catch (error) {
      this.dayValues.rollback();
      this.counters.forget();
      this.buckets.forget();
      this.quiet.forget();
      throw error;
    }
    this.onVisitorsChanged(
      [...computed.effects.visitors.values()].map((after) => ({ before: computed.before.get(after.vid) ?? null, after })),
    );
    this.rowsWrittenByBatches += rowsWritten;
    if (this.pendingBatches >= CHECKPOINT_AFTER_BATCHES || this.pendingChars >= CHECKPOINT_AFTER_CHARS) this.checkpointSoon(0);
    else if (this.pendingBatches > 0) this.scheduleCheckpoint();
    const recorded = computed.duplicates.filter((duplicate) => !duplicate).length;
    // Rows are written per batch; each hit is credited its share (exact for a batch of one).
    return computed.duplicates.map((duplicate) =>
      duplicate ? { rowsWritten: 0, duplicate: true } : { rowsWritten: rowsWritten / Math.max(1, recorded) },
    );
  }

  /** Forgets the pending state and its timer (the site's data is being erased). */
  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.pending = new BatchEffects();
    this.pendingThroughSeq = 0;
    this.pendingBatches = 0;
    this.pendingChars = 0;
  }

  /** Acknowledged visitor-days of `day` not yet in the tables. */
  pendingVisitorsOf(day: number): VisitorDay[] {
    return [...this.pending.visitors.values()].filter((visitor) => visitor.day === day);
  }

  /** Days that have pending visitor-days. */
  pendingDays(): number[] {
    return [...new Set([...this.pending.visitors.values()].map((visitor) => visitor.day))];
  }

  /**
   * Writes the pending state into the tables and deletes the folded log rows, in one
   * transaction; returns the rows written (0 when nothing was pending). Throws when that failed:
   * everything then stays pending, and in the log, for the next checkpoint.
   */
  checkpoint(): number {
    if (this.pendingBatches === 0) return 0;
    const through = this.pendingThroughSeq;
    const written = this.transaction(() => {
      const tables = this.writeTables(this.pending);
      return { ...tables, rowsWritten: tables.rowsWritten + this.log.deleteThrough(through) };
    });
    this.dayValues.settle(written.newCounterRows);
    this.pending = new BatchEffects();
    this.pendingThroughSeq = 0;
    this.pendingBatches = 0;
    this.pendingChars = 0;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.rowsWrittenByCheckpoints += written.rowsWritten;
    return written.rowsWritten;
  }

  /**
   * Folds the pending counters alone into the tables, for a read of counters: one transaction
   * writes each merged counter row once and records, in `write_log_folded`, the last log row
   * whose counters are now in the tables, so a replay after a restart skips them. Visitor rows,
   * event ids and day values stay pending for the checkpoint (they are not read by reports on
   * counters), and so do the log rows. Returns the rows written; throws when it failed (the
   * counters then stay pending).
   */
  foldCounters(): number {
    if (this.pending.counters.isEmpty()) return 0;
    const through = this.pendingThroughSeq;
    const counters = this.pending.counters;
    const written = this.transaction(() => {
      const counted = this.writeCounters(counters);
      return { ...counted, rowsWritten: counted.rowsWritten + this.log.markCountersFolded(through) };
    });
    this.dayValues.settle(written.newCounterRows);
    this.pending.counters = new CounterBatch();
    this.rowsWrittenByCheckpoints += written.rowsWritten;
    return written.rowsWritten;
  }

  /** Runs `write` in one transaction; when it fails, the counters' decoded hours may hold what was rolled back. */
  private transaction<T>(write: () => T): T {
    try {
      return this.storage.transactionSync(write);
    } catch (error) {
      this.counters.forget();
      this.buckets.forget();
      this.quiet.forget();
      throw error;
    }
  }

  /** A checkpoint CHECKPOINT_DELAY_MS after the first pending batch, unless one is due already. */
  private scheduleCheckpoint(): void {
    if (this.timer === null) this.checkpointSoon(CHECKPOINT_DELAY_MS);
  }

  private checkpointSoon(delayMs: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      try {
        this.checkpoint();
      } catch {
        // Everything stayed pending and logged; try again later.
        this.scheduleCheckpoint();
      }
    }, delayMs);
  }

  /**
   * The batch's effects, hit by hit in arrival order, against the current state: the batch so
   * far, then the pending state, then the tables. Day values are admitted (staged) on the way.
   */
  private effectsOf(batch: readonly QueuedHit[]): {
    effects: BatchEffects;
    duplicates: boolean[];
    before: Map<string, VisitorDay | null>;
  } {
    const effects = new BatchEffects();
    const stored = new Map<string, VisitorDay | null>();
    // A visitor id is a hash of one day's salt: today's id belongs to the hit's day, yesterday's to the day before.
    const dayOf = new Map<string, number>();
    const loadBefore = (vid: string): VisitorDay | null => {
      const current = this.pending.visitors.get(vid);
      if (current !== undefined) return current;
      if (!stored.has(vid)) stored.set(vid, this.visitorDays.load(vid, dayOf.get(vid) ?? 0));
      return stored.get(vid) ?? null;
    };
    const load = (vid: string): VisitorDay | null => effects.visitors.get(vid) ?? loadBefore(vid);
    const duplicates = batch.map(({ hit: sent, todayVid, yesterdayVid }): boolean => {
      const day = dayOfHour(sent.localHour);
      dayOf.set(todayVid, day);
      if (yesterdayVid !== null) dayOf.set(yesterdayVid, day - 1);
      if (sent.eventId !== undefined) {
        const id = sent.eventId;
        if (effects.events.has(id) || this.pending.events.has(id) || this.seenEvents.has(id, day)) return true;
        effects.events.set(id, day);
      }
      // Values over the day's caps count as "(other)" (domain/ingest/value-caps.ts).
      const hit = capHitValues(sent, (dimension, value) => this.dayValues.admit(day, dimension, value), this.dayValues.atRowCap(day));
      const { prior } = resolveVisitor(load(todayVid), yesterdayVid === null ? null : load(yesterdayVid), hit.timestamp);
      const { next, increments, attribution, variant } = advanceVisitor(prior, todayVid, hit);
      // A visit continuing from yesterday gets a row under today's hash (next.vid), so the rest of
      // today finds it directly; yesterday's row stays as it was, whole for yesterday's rollup.
      if (next !== null) effects.visitors.set(next.vid, next);
      effects.counters.addHit(hit, increments, { ...attribution, variant });
      return false;
    });
    effects.dayValues.push(...this.dayValues.stagedValues());
    const before = new Map([...effects.visitors.keys()].map((vid) => [vid, loadBefore(vid)]));
    return { effects, duplicates, before };
  }

  /**
   * Writes merged counters (inside the caller's transaction). Counters of a day already
   * aggregated (a hit dated back into a closed day) reopen the day's aggregates in the same
   * transaction, so no read ever sums that day's aggregates without the new counters.
   */
  private writeCounters(counters: CounterBatch): { rowsWritten: number; newCounterRows: Map<number, number> } {
    const written = counters.write(this.counters);
    let rowsWritten = written.rowsWritten;
    for (const day of written.days) rowsWritten += this.dayAggregates.reopen(day);
    // Quiet days' rows, last: the salts, visitor-days, event ids and counters staged into them.
    rowsWritten += this.quiet.flush();
    return { rowsWritten, newCounterRows: written.newCounterRows };
  }

  /** Writes effects into the tables (inside the caller's transaction): each visitor and merged counter row once. */
  private writeTables(effects: BatchEffects): { rowsWritten: number; newCounterRows: Map<number, number> } {
    let rowsWritten = 0;
    for (const visitor of effects.visitors.values()) this.visitorDays.save(visitor);
    for (const [id, day] of effects.events) this.seenEvents.insert(id, day);
    rowsWritten += this.buckets.flush();
    const written = this.writeCounters(effects.counters);
    rowsWritten += written.rowsWritten;
    return { rowsWritten, newCounterRows: written.newCounterRows };
  }
}
