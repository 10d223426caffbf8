import { toMinorUnits } from "../domain/ingest/money";
import type { RecordedHit } from "../domain/ingest/recorded-hit";
import { dayOfHour } from "../domain/time/utc-time";
import type { Attribution, Increments } from "../domain/visitors/visit-tracker";
import type { PackedTable } from "./counter-tables";
import type { CounterAddition, PackedCounters } from "./packed-counters";

/** A table of counters keyed by hour. */
export type CounterTable = PackedTable;

/** One merged counter row: its table, key (hour first, as in HOURLY_TABLES) and sums to add. */
export interface CounterRow {
  table: CounterTable;
  key: SqlStorageValue[];
  sums: number[];
}
type Dims = Attribution & { variant: string };

/**
 * The counter increments of a batch of hits, merged: increments of the same counter (same hour
 * and key) from different hits become one upsert. Written inside the batch's transaction.
 */
export class CounterBatch {
  private readonly byTable = new Map<CounterTable, Map<string, { key: SqlStorageValue[]; sums: number[] }>>();

  /** Adds increments to one counter row, merged with what the batch already holds for its key. */
  add(table: CounterTable, key: SqlStorageValue[], sums: number[]): void {
    const byKey = this.byTable.get(table) ?? new Map<string, { key: SqlStorageValue[]; sums: number[] }>();
    this.byTable.set(table, byKey);
    const id = key.join("\u001f");
    const existing = byKey.get(id);
    if (!existing) {
      byKey.set(id, { key: [...key], sums: [...sums] });
      return;
    }
    sums.forEach((value, i) => {
      existing.sums[i] = (existing.sums[i] ?? 0) + value;
    });
  }

  /** Every merged row, for the write log. */
  rows(): CounterRow[] {
    return [...this.byTable.entries()].flatMap(([table, byKey]) => [...byKey.values()].map(({ key, sums }) => ({ table, key, sums })));
  }

  /** True when no increment was added. */
  isEmpty(): boolean {
    return this.byTable.size === 0;
  }

  /** Adds another batch's increments to this one's (pending state gathering batches). */
  merge(other: CounterBatch): void {
    for (const { table, key, sums } of other.rows()) this.add(table, key, sums);
  }

  /** One hit's increments: its counter row, funnel steps reached and micro/macro pairs. */
  addHit(hit: RecordedHit, increments: Increments, dims: Dims): void {
    const hour = hit.localHour;
    const money = hit.classification.revenue;
    const dimValues = [dims.source, dims.channel, dims.campaign, dims.country, dims.device, dims.variant];
    // Column order as in migrations.ts HOURLY_TABLES.
    this.add(
      "hourly_counters",
      [hour, hit.name, hit.classification.goal, hit.classification.class, hit.page, ...dimValues, money?.currency ?? ""],
      [
        1,
        increments.visitors,
        increments.hourVisitors,
        increments.pageVisitors,
        increments.goalVisitors,
        increments.classVisitors,
        increments.variantVisitors,
        increments.visits,
        increments.bounces,
        increments.visitDurationMs,
        money === null ? 0 : toMinorUnits(money),
        hit.scrollDepth,
        hit.engagedMs,
      ],
    );
    for (const { funnel, step } of increments.funnelSteps) this.add("funnel_counters", [hour, funnel, step, ...dimValues], [1]);
    for (const goal of increments.liftGoals) this.add("lift_counters", [hour, goal, ...dimValues], [1]);
  }

  /**
   * Writes the merged increments into the packed counters; returns the rows written, per local
   * day the main counter keys it created (for the rows-per-day cap), and the local days it wrote
   * counters of.
   */
  write(counters: PackedCounters): { rowsWritten: number; newCounterRows: Map<number, number>; days: Set<number> } {
    let rowsWritten = 0;
    const newCounterRows = new Map<number, number>();
    const days = new Set<number>();
    for (const [table, byKey] of this.byTable) {
      const byHour = new Map<number, CounterAddition[]>();
      for (const { key, sums } of byKey.values()) {
        const hour = Number(key[0]);
        const additions = byHour.get(hour) ?? [];
        byHour.set(hour, additions);
        additions.push({ key: key.slice(1), sums });
      }
      for (const [hour, additions] of byHour) {
        const day = dayOfHour(hour);
        days.add(day);
        const written = counters.add(table, hour, additions);
        rowsWritten += written.rowsWritten;
        if (table === "hourly_counters" && written.newKeys > 0) newCounterRows.set(day, (newCounterRows.get(day) ?? 0) + written.newKeys);
      }
    }
    return { rowsWritten, newCounterRows, days };
  }
}
