import type { CappedDimension } from "../domain/ingest/value-caps";
import { upgradeVisitorDay, type VisitorDay } from "../domain/visitors/visit-tracker";
import { BatchEffects } from "./batch-effects";
import type { CounterTable } from "./counter-batch";
// A batch whose effects need more than one packed body takes several rows, in one transaction.
import { packRows } from "./packed-rows";

/** One effect of a batch, as stored in a log row's JSON body. */
type LogEntry =
  | ["c", CounterTable, SqlStorageValue[], number[]]
  | ["v", VisitorDay]
  | ["e", string, number]
  | ["d", number, CappedDimension, string];

function entriesOf(effects: BatchEffects): LogEntry[] {
  return [
    ...effects.counters.rows().map(({ table, key, sums }): LogEntry => ["c", table, key, sums]),
    ...[...effects.visitors.values()].map((visitor): LogEntry => ["v", visitor]),
    ...[...effects.events].map(([id, day]): LogEntry => ["e", id, day]),
    ...effects.dayValues.map(({ day, dimension, value }): LogEntry => ["d", day, dimension, value]),
  ];
}

function addEntry(effects: BatchEffects, entry: LogEntry): void {
  switch (entry[0]) {
    case "c":
      effects.counters.add(entry[1], entry[2], entry[3]);
      break;
    case "v":
      // A log written by an older version lacks the fields added since.
      effects.visitors.set(entry[1].vid, upgradeVisitorDay(entry[1]));
      break;
    case "e":
      effects.events.set(entry[1], entry[2]);
      break;
    case "d":
      effects.dayValues.push({ day: entry[1], dimension: entry[2], value: entry[3] });
      break;
  }
}

/** What the log holds, read back (see `WriteLog.readAll`). */
export interface LoggedEffects {
  effects: BatchEffects;
  /** The highest seq read, 0 when the log is empty. */
  lastSeq: number;
  rows: number;
  bytes: number;
}

/**
 * The `write_log` and `write_log_folded` tables: the effects of acknowledged batches of hits that no checkpoint has
 * folded into the tables yet, one row per batch (or a few, for a very large one), in order.
 * Appending a batch costs one row written instead of a row per visitor, counter, event id and
 * value; a checkpoint writes the merged effects of many batches once and deletes their rows.
 */
export class WriteLog {
  constructor(private readonly sql: SqlStorage) {}

  /**
   * Appends a batch's effects; call inside a transaction, so a batch that needs several rows is
   * logged whole or not at all. Returns the last seq, rows written and the bodies' size.
   */
  append(effects: BatchEffects): { lastSeq: number; rowsWritten: number; bytes: number } {
    let lastSeq = 0;
    let rowsWritten = 0;
    let bytes = 0;
    for (const body of packRows(entriesOf(effects))) {
      const cursor = this.sql.exec<{ seq: number }>("INSERT INTO write_log (body) VALUES (?) RETURNING seq", body);
      lastSeq = cursor.one().seq;
      rowsWritten += cursor.rowsWritten;
      bytes += body.length;
    }
    return { lastSeq, rowsWritten, bytes };
  }

  /**
   * Every logged effect, merged in seq order (a later visitor state replaces an earlier one),
   * except counters already folded ahead of the rest (up to `countersFoldedThrough`).
   */
  readAll(): LoggedEffects {
    const countersFolded = this.countersFoldedThrough();
    const effects = new BatchEffects();
    let lastSeq = 0;
    let rows = 0;
    let bytes = 0;
    for (const row of this.sql.exec<{ seq: number; body: string }>("SELECT seq, body FROM write_log ORDER BY seq")) {
      // Written only by `append`, from LogEntry values.
      for (const entry of JSON.parse(row.body) as LogEntry[]) {
        if (entry[0] !== "c" || row.seq > countersFolded) addEntry(effects, entry);
      }
      lastSeq = row.seq;
      rows += 1;
      bytes += row.body.length;
    }
    return { effects, lastSeq, rows, bytes };
  }

  /** The last seq whose counters were folded into the tables ahead of its other effects (0: none). */
  countersFoldedThrough(): number {
    return this.sql.exec<{ seq: number }>("SELECT seq FROM write_log_folded WHERE part = 'counters'").toArray()[0]?.seq ?? 0;
  }

  /**
   * Records that the counters of rows up to `seq` are in the tables (inside the transaction that
   * wrote them); their rows stay until the rest is folded too. Returns the rows written.
   */
  markCountersFolded(seq: number): number {
    return this.sql.exec(
      "INSERT INTO write_log_folded (part, seq) VALUES ('counters', ?) ON CONFLICT DO UPDATE SET seq = excluded.seq",
      seq,
    ).rowsWritten;
  }

  /**
   * Deletes the rows up to `seq`, folded by a checkpoint in the same transaction, and the
   * counters' mark: a checkpoint folds every row, so the log is empty after it, and seq numbers
   * may start over (INTEGER PRIMARY KEY reuses them), which a stale mark would then skip.
   * Returns the rows written.
   */
  deleteThrough(seq: number): number {
    const deleted = this.sql.exec("DELETE FROM write_log WHERE seq <= ?", seq).rowsWritten;
    return deleted + this.sql.exec("DELETE FROM write_log_folded").rowsWritten;
  }
}
