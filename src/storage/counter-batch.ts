import { toMinorUnits } from "../domain/ingest/money";
import type { RecordedHit } from "../domain/ingest/recorded-hit";
import { dayOfHour } from "../domain/time/utc-time";
import type { Attribution, Increments } from "../domain/visitors/visit-tracker";
import { HOURLY_TABLES } from "./migrations";

/** A table of counters keyed by hour. */
export type CounterTable = (typeof HOURLY_TABLES)[number]["table"];

/** One merged counter row: its table, key (hour first, as in HOURLY_TABLES) and sums to add. */
export interface CounterRow {
  table: CounterTable;
  key: SqlStorageValue[];
  sums: number[];
}
type Dims = Attribution & { variant: string };

/** INSERT ... ON CONFLICT DO UPDATE SET sum = sum + excluded.sum, for one counter table. */
function upsertSql({ table, key, sums }: (typeof HOURLY_TABLES)[number]): string {
  const columns = ["hour", ...key, ...sums];
  return `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})
          ON CONFLICT DO UPDATE SET ${sums.map((column) => `${column} = ${column} + excluded.${column}`).join(", ")}`;
}
const UPSERT = new Map(HOURLY_TABLES.map((definition) => [definition.table, upsertSql(definition)]));

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
   * Writes the merged increments; returns the rows written, per local day the counter rows it
   * created (for the rows-per-day cap), and the local days it wrote counters of. A main counter
   * row is new when its hits after the upsert equal this batch's: every existing row already
   * counts at least one hit.
   */
  write(sql: SqlStorage): { rowsWritten: number; newCounterRows: Map<number, number>; days: Set<number> } {
    let rowsWritten = 0;
    const newCounterRows = new Map<number, number>();
    const days = new Set<number>();
    for (const [table, byKey] of this.byTable) {
      const statement = UPSERT.get(table) ?? "";
      for (const { key, sums } of byKey.values()) {
        days.add(dayOfHour(Number(key[0])));
        if (table !== "hourly_counters") {
          rowsWritten += sql.exec(statement, ...key, ...sums).rowsWritten;
          continue;
        }
        const cursor = sql.exec<{ hits: number }>(`${statement} RETURNING hits`, ...key, ...sums);
        const hits = cursor.one().hits;
        rowsWritten += cursor.rowsWritten;
        if (hits === sums[0]) {
          const day = dayOfHour(Number(key[0]));
          newCounterRows.set(day, (newCounterRows.get(day) ?? 0) + 1);
        }
      }
    }
    return { rowsWritten, newCounterRows, days };
  }
}
