import type { ReportRange } from "../domain/reports/report";
import { type ReportFilters, VISITOR_FILTERS } from "../domain/reports/report-filter";
import { rollUpVisitorDays, type SegmentCount, type SegmentFilter, type SegmentKind } from "../domain/visitors/segment-rollup";
import { upgradeVisitorDay, type VisitorDay } from "../domain/visitors/visit-tracker";
import type { DayBuckets } from "./day-buckets";
import { type QuietDays, quietSegmentCounts } from "./quiet-days";
import { deleteSegmentDay, readSegmentDays, writeSegmentDay } from "./segment-days";

type VisitorState = Omit<VisitorDay, "vid" | "day">;

function visitorFrom(vid: string, day: number, state: unknown): VisitorDay {
  // Written only by VisitorDays.save, from a VisitorDay; states of older versions lack the fields added since.
  return upgradeVisitorDay({ ...(state as VisitorState), vid, day });
}

/** A segment count summed over a range. */
export interface SegmentTotal {
  kind: SegmentKind;
  key: string;
  step: number;
  visitors: number;
}

/** What else is made of a day's visitor rows when it closes (dimension-counters.ts). */
export interface DayRollUp {
  rollUp(day: number, visitors: readonly VisitorDay[]): number;
  /** The same sums as entries per dimension, for a quiet day's row (quiet-days.ts). */
  sumsOf(visitors: readonly VisitorDay[]): [string, unknown[][]][];
  reopen(day: number): void;
}

/**
 * Visitor-days (one state per visitor and local day, keyed by the day's hash, packed in the day's
 * buckets, day-buckets.ts; deleted with the salt) and what is made of them when a day ends: the
 * `segment_day_parts` counts (segment-days.ts) and the `rolled_up_days` marks
 * (domain/visitors/segment-rollup.ts). A quiet day (quiet-days.ts) keeps all of these in its row,
 * and is rolled up only when its visitor-days are forgotten: its row is rewritten once.
 */
export class VisitorDays {
  constructor(
    private readonly sql: SqlStorage,
    private readonly buckets: DayBuckets,
    private readonly dayRollUp: DayRollUp = { rollUp: () => 0, sumsOf: () => [], reopen: () => {} },
    private readonly quiet?: QuietDays,
  ) {}

  /** The visitor-day of `vid` (a hash of `day`'s salt), or null. */
  load(vid: string, day: number): VisitorDay | null {
    const state = this.buckets.get("visitor", day, vid);
    return state === undefined ? null : visitorFrom(vid, day, state);
  }

  /** Stages one visitor-day, written by the buckets' next flush (in the caller's transaction). */
  save(visitor: VisitorDay): void {
    const { vid, day, ...state } = visitor;
    this.buckets.put("visitor", day, vid, state);
  }

  /** Every stored visitor-day of `day`. */
  loadDay(day: number): VisitorDay[] {
    return this.buckets.entriesOf("visitor", day).map(([vid, state]) => visitorFrom(vid, day, state));
  }

  /**
   * Deletes visitor-days and seen event ids of days before `oldestKeptDay`, rolling each such day
   * up first if that has not happened.
   */
  forgetBefore(oldestKeptDay: number): void {
    for (const day of this.storedDays()) if (day < oldestKeptDay) this.rollUp(day);
    this.buckets.forgetBefore(oldestKeptDay);
  }

  /**
   * A late hit (dated back by a trusted sender) for a day already rolled up: the roll-up is
   * forgotten, so reads compute the day live from its visitor rows (kept two days) and the next
   * maintenance rolls it up again, exactly.
   */
  reopen(day: number): void {
    // A quiet day is rolled up only once its visitor-days are gone (two days on, later than a
    // late hit reaches): its roll-up stays, and the late hit's visitor-day is not in it.
    if (this.quiet?.holds(day)) return;
    if (this.sql.exec("SELECT 1 FROM rolled_up_days WHERE day = ?", day).toArray().length === 0) return;
    deleteSegmentDay(this.sql, day);
    this.sql.exec("DELETE FROM rolled_up_days WHERE day = ?", day);
    this.dayRollUp.reopen(day);
  }

  isRolledUp(day: number): boolean {
    if (this.quiet?.holds(day)) return this.quiet.isRolledUp(day);
    return this.sql.exec("SELECT 1 FROM rolled_up_days WHERE day = ?", day).toArray().length > 0;
  }

  /** Days that have visitor-days (today and yesterday, at most a day more until the alarm). */
  storedDays(): number[] {
    return this.buckets.days("visitor");
  }

  /**
   * Folds a finished day's visitor rows into segment counters and the added dimensions' counters,
   * once. A quiet day waits until its visitor-days are forgotten (`forgetBefore`).
   */
  rollUpDay(day: number): void {
    if (this.quiet?.holds(day)) return;
    this.rollUp(day);
  }

  private rollUp(day: number): void {
    if (this.isRolledUp(day)) return;
    const visitors = this.loadDay(day);
    // A day without visitors has nothing to roll up, and its reads find nothing either way: no
    // mark, so that a quiet site's alarm writes no row for its empty days.
    if (visitors.length === 0) return;
    const counts = rollUpVisitorDays(visitors);
    if (this.quiet?.holds(day)) {
      this.quiet.rollUp(day, counts, this.dayRollUp.sumsOf(visitors));
      return;
    }
    this.dayRollUp.rollUp(day, visitors);
    this.writeRollUp(day, counts);
  }

  /** Writes a day's segment counts and its roll-up mark (a roll-up, or a quiet day's moving into the tables); returns the rows written. */
  writeRollUp(day: number, counts: readonly SegmentCount[]): number {
    return writeSegmentDay(this.sql, day, counts) + this.sql.exec("INSERT INTO rolled_up_days (day) VALUES (?)", day).rowsWritten;
  }

  /**
   * Segment counts (kind, key, step) over whole days, inside a page or goal membership and the
   * visitor-level filters: rolled-up days from their counters, the others (today, and yesterday
   * until its rollup) computed the same way from their visitor rows.
   */
  segmentCounts(range: ReportRange, filters: ReportFilters, membership: { filter: SegmentFilter; value: string }): SegmentTotal[] {
    const totals = new Map<string, SegmentTotal>();
    const add = (kind: SegmentKind, key: string, step: number, visitors: number) => {
      const id = `${kind}\u001f${key}\u001f${step}`;
      const entry = totals.get(id) ?? { kind, key, step, visitors: 0 };
      entry.visitors += visitors;
      totals.set(id, entry);
    };
    const dimFilters = VISITOR_FILTERS.flatMap((field) => (filters[field] === undefined ? [] : [[field, filters[field]] as const]));
    const quiet = quietSegmentCounts(this.sql, range.fromDay, range.toDay, membership);
    const rolled = new Set([
      ...this.sql
        .exec<{ day: number }>("SELECT day FROM rolled_up_days WHERE day BETWEEN ? AND ?", range.fromDay, range.toDay)
        .toArray()
        .map((row) => row.day),
      ...quiet.rolledDays,
    ]);
    for (const row of [...readSegmentDays(this.sql, range.fromDay, range.toDay, membership), ...quiet.counts]) {
      if (dimFilters.some(([field, value]) => row[field] !== value)) continue;
      add(row.kind, row.key, row.step, row.visitors);
    }
    for (let day = range.fromDay; day <= range.toDay; day++) {
      if (rolled.has(day)) continue;
      for (const count of rollUpVisitorDays(this.loadDay(day))) {
        if (count.filter !== membership.filter || count.value !== membership.value) continue;
        if (dimFilters.some(([field, value]) => count[field] !== value)) continue;
        add(count.kind, count.key, count.step, count.visitors);
      }
    }
    return [...totals.values()];
  }
}
