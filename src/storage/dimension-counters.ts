import type { AddedCounterRow } from "../domain/reports/added-dimension-report";
import type { AddedDimension } from "../domain/reports/dimensions";
import { applyContribution, type DimensionKey, keyOf, type Sums } from "../domain/visitors/dimension-contribution";
import type { VisitorDay } from "../domain/visitors/visit-tracker";
import { ALL_DIMENSIONS, packByDimension, unpackDimension } from "./packed-rows";
import { quietDimensionEntries } from "./quiet-days";

/** One row of added-dimension sums, of one day (or of a range, when read for a breakdown). */
export type DimensionCounterRow = AddedCounterRow;

/** What a read selects: one dimension, a range of local days, and optionally one value and one goal. */
export interface DimensionSelection {
  dimension: AddedDimension;
  fromDay: number;
  toDay: number;
  value?: string;
  goal?: string;
  /** Keep days apart (timeseries) or file every row under `fromDay` (breakdowns sum them). */
  byDay: boolean;
}

/** Where the open days' visitor-days come from: the tables with the pending state over them. */
export interface VisitorSource {
  /** Every visitor-day of `day`, acknowledged ones included. */
  visitorsOf(day: number): VisitorDay[];
  /** Days rolled up (their sums are rows of `dimension_days`). */
  isRolledUp(day: number): boolean;
  /** Days that have visitor-days (stored or pending). */
  openDays(): number[];
}

/** A packed row: value, label, name, goal, class, currency, then the sums. */
type PackedRow = [string, string, string, string, string, string, ...number[]];

const matches = (key: Omit<DimensionKey, "dimension">, selection: DimensionSelection): boolean =>
  (selection.value === undefined || key.value === selection.value) && (selection.goal === undefined || key.goal === selection.goal);

/**
 * The added dimensions' counters (domain/reports/dimensions.ts). A hit writes no row for them:
 * its visitor-day's row carries what they need (domain/visitors/visit-tallies.ts). A closed day's
 * sums are written once, when it is rolled up, packed a few rows per dimension; an open day's are
 * kept in memory, built from its visitor-days on first read and then kept current batch by batch
 * (each changed visitor-day's old contribution out, its new one in), so a dashboard polling today
 * costs no rows and no scan.
 */
export class DimensionCounters {
  private readonly live = new Map<number, Map<string, Sums>>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly visitors: VisitorSource,
  ) {}

  /** After a batch is durable: each visitor-day it changed, before and after. Only days already summed are kept current. */
  applyChanges(changes: Iterable<{ before: VisitorDay | null; after: VisitorDay }>): void {
    for (const { before, after } of changes) {
      const sums = this.live.get(after.day);
      if (sums === undefined) continue;
      if (before !== null) applyContribution(sums, before, -1);
      applyContribution(sums, after, 1);
    }
  }

  /** A closed day's sums as packed rows per dimension (also what a quiet day's row keeps, quiet-days.ts). */
  sumsOf(visitorDays: readonly VisitorDay[]): [string, PackedRow[]][] {
    const sums = new Map<string, Sums>();
    for (const visitor of visitorDays) applyContribution(sums, visitor, 1);
    const byDimension = new Map<string, PackedRow[]>();
    for (const [id, values] of sums) {
      const key = keyOf(id);
      const rows = byDimension.get(key.dimension) ?? [];
      byDimension.set(key.dimension, rows);
      rows.push([key.value, key.label, key.name, key.goal, key.class, key.currency, ...values]);
    }
    return [...byDimension];
  }

  /** Writes a closed day's sums (from its visitor-days, all in the tables by now); returns the rows written. */
  rollUp(day: number, visitorDays: readonly VisitorDay[]): number {
    this.live.delete(day);
    return this.writeDay(day, this.sumsOf(visitorDays));
  }

  /** Writes a day's packed sums (a roll-up, or a quiet day's moving into the tables); returns the rows written. */
  writeDay(day: number, byDimension: readonly [string, unknown[][]][]): number {
    let rowsWritten = this.sql.exec("DELETE FROM dimension_days WHERE day = ?", day).rowsWritten;
    // A small day's dimensions share one row: a day of a few hits wrote a row per dimension.
    for (const [dimension, bodies] of packByDimension(byDimension)) {
      bodies.forEach((body, part) => {
        rowsWritten += this.sql.exec(
          "INSERT INTO dimension_days (day, dimension, part, body) VALUES (?, ?, ?, ?)",
          day,
          dimension,
          part,
          body,
        ).rowsWritten;
      });
    }
    return rowsWritten;
  }

  /** A rolled-up day gets a late hit: its rows go, and it is summed live again until the next roll-up. */
  reopen(day: number): void {
    this.sql.exec("DELETE FROM dimension_days WHERE day = ?", day);
    this.live.delete(day);
  }

  /** Open days whose visitor-days are gone are forgotten (they were rolled up first). */
  forgetBefore(oldestKeptDay: number): void {
    for (const day of this.live.keys()) if (day < oldestKeptDay) this.live.delete(day);
  }

  /** The days in range summed live (not rolled up): read once for all of a report's dimensions. */
  openDaysIn(fromDay: number, toDay: number): number[] {
    return this.visitors.openDays().filter((day) => day >= fromDay && day <= toDay && !this.visitors.isRolledUp(day));
  }

  /**
   * The selected sums: closed days from their packed rows (quiet days' from their rows,
   * quiet-days.ts), open days (`openDaysIn`) from memory.
   */
  read(selection: DimensionSelection, openDays = this.openDaysIn(selection.fromDay, selection.toDay)): DimensionCounterRow[] {
    const rows: DimensionCounterRow[] = [];
    const dayOf = (day: number) => (selection.byDay ? day : selection.fromDay);
    for (const { day, entry } of quietDimensionEntries(this.sql, selection.fromDay, selection.toDay, selection.dimension)) {
      // Made by sumsOf.
      const [value, label, name, goal, conversionClass, currency, ...sums] = entry as PackedRow;
      const key = { value, label, name, goal, class: conversionClass, currency };
      if (matches(key, selection)) rows.push({ ...key, dimension: selection.dimension, day: dayOf(day), sums });
    }
    for (const { day, dimension, body } of this.sql.exec<{ day: number; dimension: string; body: string }>(
      "SELECT day, dimension, body FROM dimension_days WHERE day BETWEEN ? AND ? AND dimension IN (?, ?)",
      selection.fromDay,
      selection.toDay,
      selection.dimension,
      ALL_DIMENSIONS,
    )) {
      // Written only by rollUp, from packed rows.
      for (const [value, label, name, goal, conversionClass, currency, ...sums] of unpackDimension<PackedRow>(
        dimension,
        body,
        selection.dimension,
      )) {
        const key = { value, label, name, goal, class: conversionClass, currency };
        if (matches(key, selection)) rows.push({ ...key, dimension: selection.dimension, day: dayOf(day), sums });
      }
    }
    for (const day of openDays) {
      for (const [id, sums] of this.liveDay(day)) {
        const key = keyOf(id);
        if (key.dimension === selection.dimension && matches(key, selection)) rows.push({ ...key, day: dayOf(day), sums: [...sums] });
      }
    }
    return rows;
  }

  private liveDay(day: number): Map<string, Sums> {
    const known = this.live.get(day);
    if (known !== undefined) return known;
    const sums = new Map<string, Sums>();
    for (const visitor of this.visitors.visitorsOf(day)) applyContribution(sums, visitor, 1);
    this.live.set(day, sums);
    return sums;
  }
}
