import type { ReportRange } from "../domain/reports/report";
import { type ReportFilters, VISITOR_FILTERS } from "../domain/reports/report-filter";
import { rollUpVisitorDays, type SegmentFilter, type SegmentKind } from "../domain/visitors/segment-rollup";
import { upgradeVisitorDay, type VisitorDay } from "../domain/visitors/visit-tracker";
import { readSegmentDays, writeSegmentDay } from "./segment-days";

type VisitorRow = { vid: string; day: number; state: string };

function visitorFromRow(row: VisitorRow): VisitorDay {
  // Written only by VisitorDays.save, from a VisitorDay.
  const state = JSON.parse(row.state) as Omit<VisitorDay, "vid" | "day">;
  // Rows of older versions lack the fields added since.
  return upgradeVisitorDay({ ...state, vid: row.vid, day: row.day });
}

/** A segment count summed over a range. */
export interface SegmentTotal {
  kind: SegmentKind;
  key: string;
  step: number;
  visitors: number;
}

/**
 * The `visitors` table (one row per visitor and day, keyed by the day's hash, deleted with the
 * salt) and what is made of it when a day ends: the `segment_days` counts (segment-days.ts) and the
 * `rolled_up_days` marks (domain/visitors/segment-rollup.ts).
 */
/** What else is made of a day's visitor rows when it closes (dimension-counters.ts). */
export interface DayRollUp {
  rollUp(day: number, visitors: readonly VisitorDay[]): number;
  reopen(day: number): void;
}

export class VisitorDays {
  constructor(
    private readonly sql: SqlStorage,
    private readonly dayRollUp: DayRollUp = { rollUp: () => 0, reopen: () => {} },
  ) {}

  load(vid: string): VisitorDay | null {
    const row = this.sql.exec<VisitorRow>("SELECT vid, day, state FROM visitors WHERE vid = ?", vid).toArray()[0];
    return row ? visitorFromRow(row) : null;
  }

  /** Writes one visitor-day; returns the rows written. */
  save(visitor: VisitorDay): number {
    const { vid, day, ...state } = visitor;
    return this.sql.exec(
      `INSERT INTO visitors (vid, day, state) VALUES (?, ?, ?)
       ON CONFLICT (vid) DO UPDATE SET day = excluded.day, state = excluded.state`,
      vid,
      day,
      JSON.stringify(state),
    ).rowsWritten;
  }

  /** Every stored visitor-day of `day`. */
  loadDay(day: number): VisitorDay[] {
    return this.sql.exec<VisitorRow>("SELECT vid, day, state FROM visitors WHERE day = ?", day).toArray().map(visitorFromRow);
  }

  /**
   * Deletes visitor rows and seen event ids of days before `oldestKeptDay`, rolling each such day
   * up first if that has not happened.
   */
  forgetBefore(oldestKeptDay: number): void {
    for (const { day } of this.sql.exec<{ day: number }>("SELECT DISTINCT day FROM visitors WHERE day < ?", oldestKeptDay).toArray()) {
      this.rollUpDay(day);
    }
    this.sql.exec("DELETE FROM visitors WHERE day < ?", oldestKeptDay);
    this.sql.exec("DELETE FROM seen_events WHERE day < ?", oldestKeptDay);
  }

  /**
   * A late hit (dated back by a trusted sender) for a day already rolled up: the roll-up is
   * forgotten, so reads compute the day live from its visitor rows (kept two days) and the next
   * maintenance rolls it up again, exactly.
   */
  reopen(day: number): void {
    if (this.sql.exec("SELECT 1 FROM rolled_up_days WHERE day = ?", day).toArray().length === 0) return;
    this.sql.exec("DELETE FROM segment_days WHERE day = ?", day);
    this.sql.exec("DELETE FROM rolled_up_days WHERE day = ?", day);
    this.dayRollUp.reopen(day);
  }

  isRolledUp(day: number): boolean {
    return this.sql.exec("SELECT 1 FROM rolled_up_days WHERE day = ?", day).toArray().length > 0;
  }

  /** Days that have visitor rows (today and yesterday, at most a day more until the alarm). */
  storedDays(): number[] {
    return this.sql
      .exec<{ day: number }>("SELECT DISTINCT day FROM visitors")
      .toArray()
      .map((row) => row.day);
  }

  /** Folds a finished day's visitor rows into segment counters and the added dimensions' counters, once. */
  rollUpDay(day: number): void {
    if (this.isRolledUp(day)) return;
    const visitors = this.loadDay(day);
    this.dayRollUp.rollUp(day, visitors);
    writeSegmentDay(this.sql, day, rollUpVisitorDays(visitors));
    this.sql.exec("INSERT INTO rolled_up_days (day) VALUES (?)", day);
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
    const rolled = new Set(
      this.sql
        .exec<{ day: number }>("SELECT day FROM rolled_up_days WHERE day BETWEEN ? AND ?", range.fromDay, range.toDay)
        .toArray()
        .map((row) => row.day),
    );
    for (const row of readSegmentDays(this.sql, range.fromDay, range.toDay, membership)) {
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
