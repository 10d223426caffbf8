import type { AddedCounterRow } from "../domain/reports/added-dimension-report";
import type { AddedDimension } from "../domain/reports/dimensions";
import { applyContribution, keyOf, type Sums } from "../domain/visitors/dimension-contribution";
import type { VisitorDay } from "../domain/visitors/visit-tracker";

/** One row of added-dimension sums, of one day (or of a range, when read grouped). */
export type DimensionCounterRow = AddedCounterRow;

/** What a read selects: one dimension, a range of local days, and optionally one value and one goal. */
export interface DimensionSelection {
  dimension: AddedDimension;
  fromDay: number;
  toDay: number;
  value?: string;
  goal?: string;
  /** Keep days apart (timeseries) or sum the range (breakdowns). */
  byDay: boolean;
}

const COLUMNS = ["hits", "visitors", "goal_visitors", "class_visitors", "visits", "bounces", "visit_duration_ms", "revenue_minor"] as const;
const UPSERT = `INSERT INTO dimension_counters (day, dimension, value, label, name, goal, class, currency, ${COLUMNS.join(", ")})
  VALUES (${Array(8 + COLUMNS.length)
    .fill("?")
    .join(", ")})
  ON CONFLICT DO UPDATE SET ${COLUMNS.map((column) => `${column} = excluded.${column}`).join(", ")}`;

/** Where the open days' visitor-days come from: the tables with the pending state over them. */
export interface VisitorSource {
  /** Every visitor-day of `day`, acknowledged ones included. */
  visitorsOf(day: number): VisitorDay[];
  /** Days rolled up (their sums are rows of `dimension_counters`). */
  isRolledUp(day: number): boolean;
  /** Days that have visitor-days (stored or pending). */
  openDays(): number[];
}

/**
 * The added dimensions' counters (domain/reports/dimensions.ts). A hit writes no row for them:
 * its visitor-day's row carries what they need (domain/visitors/visit-tallies.ts). A closed day's
 * sums are written once, when it is rolled up; an open day's are kept in memory, built from its
 * visitor-days on first read and then kept current batch by batch (each changed visitor-day's
 * old contribution out, its new one in), so a dashboard polling today costs no rows and no scan.
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

  /** Writes a closed day's sums (from its visitor-days, all in the tables by now); returns the rows written. */
  rollUp(day: number, visitorDays: readonly VisitorDay[]): number {
    const sums = new Map<string, Sums>();
    for (const visitor of visitorDays) applyContribution(sums, visitor, 1);
    let rowsWritten = 0;
    for (const [id, values] of sums) {
      const key = keyOf(id);
      rowsWritten += this.sql.exec(
        UPSERT,
        day,
        key.dimension,
        key.value,
        key.label,
        key.name,
        key.goal,
        key.class,
        key.currency,
        ...values,
      ).rowsWritten;
    }
    this.live.delete(day);
    return rowsWritten;
  }

  /** A rolled-up day gets a late hit: its rows go, and it is summed live again until the next roll-up. */
  reopen(day: number): void {
    this.sql.exec("DELETE FROM dimension_counters WHERE day = ?", day);
    this.live.delete(day);
  }

  /** Open days whose visitor-days are gone are forgotten (they were rolled up first). */
  forgetBefore(oldestKeptDay: number): void {
    for (const day of this.live.keys()) if (day < oldestKeptDay) this.live.delete(day);
  }

  /** The selected sums: closed days from their rows, open days from memory. */
  read(selection: DimensionSelection): DimensionCounterRow[] {
    const rows = this.readClosed(selection);
    for (const day of this.visitors.openDays()) {
      if (day < selection.fromDay || day > selection.toDay || this.visitors.isRolledUp(day)) continue;
      for (const [id, sums] of this.liveDay(day)) {
        const key = keyOf(id);
        if (key.dimension !== selection.dimension) continue;
        if (selection.value !== undefined && key.value !== selection.value) continue;
        if (selection.goal !== undefined && key.goal !== selection.goal) continue;
        rows.push({ ...key, day: selection.byDay ? day : selection.fromDay, sums: [...sums] });
      }
    }
    return rows;
  }

  private readClosed(selection: DimensionSelection): DimensionCounterRow[] {
    const where = ["day BETWEEN ? AND ?", "dimension = ?"];
    const bindings: SqlStorageValue[] = [selection.fromDay, selection.toDay, selection.dimension];
    if (selection.value !== undefined) {
      where.push("value = ?");
      bindings.push(selection.value);
    }
    if (selection.goal !== undefined) {
      where.push("goal = ?");
      bindings.push(selection.goal);
    }
    const day = selection.byDay ? "day" : "MIN(day)";
    const groupBy = `${selection.byDay ? "day, " : ""}value, name, goal, class, currency`;
    return this.sql
      .exec<Record<string, SqlStorageValue>>(
        `SELECT ${day} AS day, value, MAX(label) AS label, name, goal, class, currency,
                ${COLUMNS.map((column) => `SUM(${column}) AS ${column}`).join(", ")}
           FROM dimension_counters WHERE ${where.join(" AND ")} GROUP BY ${groupBy}`,
        ...bindings,
      )
      .toArray()
      .map((row) => ({
        day: Number(row.day),
        dimension: selection.dimension,
        value: String(row.value),
        label: String(row.label),
        name: String(row.name),
        goal: String(row.goal),
        class: String(row.class),
        currency: String(row.currency),
        sums: COLUMNS.map((column) => Number(row[column] ?? 0)),
      }));
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
