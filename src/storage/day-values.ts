import { type CappedDimension, COUNTER_ROWS_PER_DAY_CAP, dailyCapOf } from "../domain/ingest/value-caps";
import { firstHourOfDay, lastHourOfDay } from "../domain/time/utc-time";

/** One distinct value of a capped dimension on a local day. */
export interface DayValue {
  day: number;
  dimension: CappedDimension;
  value: string;
}

/**
 * The `day_values` table: the distinct values each capped dimension has had on each local day
 * (domain/ingest/value-caps.ts), kept for today and yesterday only (late hits land in yesterday).
 * Also counts each day's counter rows, for the rows-per-day cap. Values are admitted during a
 * batch (`staged`) and become final with the batch: `settle` once the batch is durable (in the
 * write log or the tables), or `rollback` if it failed, so a refused batch leaves no trace here
 * either. They reach the table through `write`, from the quiet path or a checkpoint.
 */
export class DayValues {
  private readonly known = new Map<number, Map<CappedDimension, Set<string>>>();
  private readonly counterRows = new Map<number, number>();
  private staged: DayValue[] = [];

  constructor(private readonly sql: SqlStorage) {}

  private valuesOf(day: number): Map<CappedDimension, Set<string>> {
    let values = this.known.get(day);
    if (values === undefined) {
      values = new Map();
      for (const row of this.sql.exec<{ dimension: CappedDimension; value: string }>(
        "SELECT dimension, value FROM day_values WHERE day = ?",
        day,
      )) {
        const set = values.get(row.dimension) ?? new Set<string>();
        set.add(row.value);
        values.set(row.dimension, set);
      }
      this.known.set(day, values);
    }
    return values;
  }

  /** True when `value` is known on `day` or still fits under the cap (it is then known, staged). */
  admit(day: number, dimension: CappedDimension, value: string): boolean {
    const values = this.valuesOf(day);
    const set = values.get(dimension) ?? new Set<string>();
    values.set(dimension, set);
    if (set.has(value)) return true;
    if (set.size >= dailyCapOf(dimension)) return false;
    set.add(value);
    this.staged.push({ day, dimension, value });
    return true;
  }

  /** Whether the day's counter rows reached their cap, so its hits are counted in coarse form. */
  atRowCap(day: number): boolean {
    let rows = this.counterRows.get(day);
    if (rows === undefined) {
      rows = this.sql
        .exec<{ n: number }>(
          "SELECT COUNT(*) AS n FROM hourly_counters WHERE hour BETWEEN ? AND ?",
          firstHourOfDay(day),
          lastHourOfDay(day),
        )
        .one().n;
      this.counterRows.set(day, rows);
    }
    return rows >= COUNTER_ROWS_PER_DAY_CAP;
  }

  /** The values admitted since the last settle or rollback: the current batch's. */
  stagedValues(): DayValue[] {
    return [...this.staged];
  }

  /**
   * Known values that are not in the table yet (read back from the write log after a restart):
   * the caps then count them as the object did before it was reset.
   */
  remember(values: readonly DayValue[]): void {
    for (const { day, dimension, value } of values) {
      const byDimension = this.valuesOf(day);
      const set = byDimension.get(dimension) ?? new Set<string>();
      set.add(value);
      byDimension.set(dimension, set);
    }
  }

  /** Writes admitted values into the table (inside the caller's transaction); returns the rows written. */
  write(values: readonly DayValue[]): number {
    let rowsWritten = 0;
    for (const { day, dimension, value } of values) {
      rowsWritten += this.sql.exec(
        "INSERT INTO day_values (day, dimension, value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        day,
        dimension,
        value,
      ).rowsWritten;
    }
    return rowsWritten;
  }

  /** The batch is durable: its values are final; counter rows a write created count toward their days. */
  settle(newCounterRows: ReadonlyMap<number, number>): void {
    this.staged = [];
    for (const [day, rows] of newCounterRows) {
      const known = this.counterRows.get(day);
      if (known !== undefined) this.counterRows.set(day, known + rows);
    }
  }

  /** The batch failed: forget the values it admitted. */
  rollback(): void {
    for (const { day, dimension, value } of this.staged) this.known.get(day)?.get(dimension)?.delete(value);
    this.staged = [];
  }

  /** Deletes the values of days before `oldestKeptDay`, stored and cached. */
  forgetBefore(oldestKeptDay: number): void {
    this.sql.exec("DELETE FROM day_values WHERE day < ?", oldestKeptDay);
    for (const day of [...this.known.keys(), ...this.counterRows.keys()]) {
      if (day < oldestKeptDay) {
        this.known.delete(day);
        this.counterRows.delete(day);
      }
    }
  }
}
