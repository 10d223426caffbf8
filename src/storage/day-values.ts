import { NO_SOURCE } from "../domain/ingest/traffic-source";
import {
  type CappedDimension,
  COUNTER_ROWS_PER_DAY_CAP,
  dailyCapOf,
  MAIN_CAPPED_DIMENSIONS,
  OTHER_VALUE,
  propertyDimension,
} from "../domain/ingest/value-caps";
import { firstHourOfDay, lastHourOfDay } from "../domain/time/utc-time";
import { parsePropertyKey } from "../domain/visitors/visit-tallies";
import { NO_VARIANT, type VisitorDay } from "../domain/visitors/visit-tracker";

/** Values no cap counts ("none", and the catch-all itself). */
const UNCOUNTED: ReadonlySet<string> = new Set(["", NO_SOURCE, NO_VARIANT, OTHER_VALUE]);

/** One distinct value of a capped dimension on a local day. */
export interface DayValue {
  day: number;
  dimension: CappedDimension;
  value: string;
}

/**
 * The distinct values each capped dimension has had on each local day (domain/ingest/
 * value-caps.ts), for today and yesterday (late hits land in yesterday), in memory. Nothing is
 * stored for them: a value is admitted only for a hit that is then counted under it, so after a
 * restart a day's values are read back from where those hits went (the main counters' columns,
 * and the visitor-day rows for the UTM fields and properties) and from the write log (`remember`).
 * Also counts each day's counter rows, for the rows-per-day cap. Values are admitted during a
 * batch (`staged`) and become final with the batch: `settle` once the batch is durable (in the
 * write log or the tables), or `rollback` if it failed, so a refused batch leaves no trace here.
 *
 * One approximation, for the caps only: a UTM value on a visitor's later hit is admitted but the
 * visitor-day counts under its first hit's, so a restart forgets it and the cap may admit a few
 * more values that day. Counts are never affected.
 */
export class DayValues {
  private readonly known = new Map<number, Map<CappedDimension, Set<string>>>();
  private readonly counterRows = new Map<number, number>();
  private staged: DayValue[] = [];

  constructor(
    private readonly sql: SqlStorage,
    /** The day's visitor-days, stored and pending. */
    private readonly visitorsOf: (day: number) => readonly VisitorDay[] = () => [],
  ) {}

  private valuesOf(day: number): Map<CappedDimension, Set<string>> {
    const cached = this.known.get(day);
    if (cached !== undefined) return cached;
    const values = new Map<CappedDimension, Set<string>>();
    const add = (dimension: CappedDimension, value: string) => {
      if (UNCOUNTED.has(value)) return;
      const set = values.get(dimension) ?? new Set<string>();
      set.add(value);
      values.set(dimension, set);
    };
    for (const column of MAIN_CAPPED_DIMENSIONS) {
      for (const { value } of this.sql.exec<{ value: string }>(
        `SELECT DISTINCT ${column} AS value FROM hourly_counters WHERE hour BETWEEN ? AND ?`,
        firstHourOfDay(day),
        lastHourOfDay(day),
      )) {
        add(column, value);
      }
    }
    for (const visitor of this.visitorsOf(day)) {
      add("utm_medium", visitor.attribution.medium);
      add("utm_content", visitor.attribution.content);
      add("utm_term", visitor.attribution.term);
      for (const property of Object.keys(visitor.propTallies)) {
        const { name, value } = parsePropertyKey(property);
        add(propertyDimension(name), value);
      }
    }
    this.known.set(day, values);
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

  /** Forgets the values of days before `oldestKeptDay` (and deletes any a version before this one stored). */
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
