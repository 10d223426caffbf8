import { dayOfHour } from "../domain/time/utc-time";
import { PACKED_TABLES, type PackedTable } from "./counter-tables";
import { bytesOf } from "./packed-rows";
import { type QuietDays, quietCounterEntries } from "./quiet-days";

/**
 * Counter tables stored packed: each hour's counters are a few `<table>_parts` rows holding JSON
 * arrays of entries (key columns, then sums), and a view of the table's old name unpacks them
 * with json_each, so every report query reads them as rows. Why: the main counters' key crosses
 * page × source × country × device × campaign × variant per hour, so on a realistic spread
 * almost every hit was a new row at its checkpoint (0.68 rows written per hit in `npm run bench`);
 * packed, a checkpoint writes the few parts its counters fall in. Dropped hits stay a plain table
 * (a row per hour and reason).
 */

export const partsTableOf = (table: PackedTable) => `${table}_parts`;

/** SQL creating a packed table's parts and its view (columns in HOURLY_TABLES order: hour, keys, sums). */
export function packedTableSql(table: PackedTable): string {
  const definition = PACKED_TABLES.find((entry) => entry.table === table);
  if (definition === undefined) throw new Error(`not a packed table: ${table}`);
  const columns = [...definition.key, ...definition.sums].map((column, index) => `entry.value->>${index} AS ${column}`);
  return `CREATE TABLE IF NOT EXISTS ${partsTableOf(table)} (
       hour INTEGER NOT NULL,
       part INTEGER NOT NULL,
       body TEXT NOT NULL,
       PRIMARY KEY (hour, part)
     ) WITHOUT ROWID;
     CREATE VIEW IF NOT EXISTS ${table} AS
       SELECT parts.hour AS hour, ${columns.join(", ")}
         FROM ${partsTableOf(table)} AS parts, json_each(parts.body) AS entry;`;
}

/**
 * SQL replacing a packed table's view with one that also reads quiet days' entries
 * (quiet-days.ts: hour first, then key columns and sums), so a query on the view sees every counter.
 */
export function packedViewWithQuietDaysSql(table: PackedTable): string {
  const definition = PACKED_TABLES.find((entry) => entry.table === table);
  if (definition === undefined) throw new Error(`not a packed table: ${table}`);
  const names = [...definition.key, ...definition.sums];
  const parts = names.map((column, index) => `entry.value->>${index} AS ${column}`);
  const quiet = names.map((column, index) => `entry.value->>${index + 1} AS ${column}`);
  return `DROP VIEW IF EXISTS ${table};
     CREATE VIEW ${table} AS
       SELECT parts.hour AS hour, ${parts.join(", ")}
         FROM ${partsTableOf(table)} AS parts, json_each(parts.body) AS entry
       UNION ALL
       SELECT entry.value->>0 AS hour, ${quiet.join(", ")}
         FROM quiet_days AS quiet, json_each(quiet.body, '$.counters.${table}') AS entry;`;
}

/** Where each column of a packed table's entries is: key columns first, then sums (HOURLY_TABLES order). */
export function entryIndexOf(table: PackedTable): Record<string, number> {
  const definition = PACKED_TABLES.find((entry) => entry.table === table);
  return Object.fromEntries([...(definition?.key ?? []), ...(definition?.sums ?? [])].map((column, index) => [column, index]));
}

/**
 * The entries of `table` in an hour range whose columns equal `equal`'s values, with their hour,
 * decoded here rather than through the view: JSON.parse of the parts is about twice as fast as
 * SQLite unpacking the same entries with json_each (measured on a million entries: 149 ms against
 * 307 ms), and a long filtered report reads about that many. Quiet days' entries (quiet-days.ts)
 * come after the parts'.
 */
export function* scanEntries(
  sql: SqlStorage,
  table: PackedTable,
  fromHour: number,
  toHour: number,
  equal: readonly [column: string, value: SqlStorageValue][] = [],
): Generator<{ hour: number; entry: readonly SqlStorageValue[] }> {
  const index = entryIndexOf(table);
  const tests = equal.map(([column, value]) => [index[column] ?? -1, value] as const);
  for (const { hour, body } of sql.exec<{ hour: number; body: string }>(
    `SELECT hour, body FROM ${partsTableOf(table)} WHERE hour BETWEEN ? AND ?`,
    fromHour,
    toHour,
  )) {
    for (const entry of JSON.parse(body) as SqlStorageValue[][]) {
      if (tests.every(([at, value]) => entry[at] === value)) yield { hour, entry };
    }
  }
  for (const { hour, entry } of quietCounterEntries(sql, table, fromHour, toHour)) {
    if (tests.every(([at, value]) => entry[at] === value)) yield { hour, entry };
  }
}

/**
 * A part's body stays under this many UTF-8 bytes when entries are added to it; sums growing by a
 * digit or two afterwards leave it under the 64 KB this project allows a row (a part that would
 * pass MAX_PART_BYTES when written is split first).
 */
const PART_FILL_BYTES = 56_000;
const MAX_PART_BYTES = 63_000;
/**
 * Hours kept decoded in memory, least recently used first out, by entries held: about 400 bytes
 * each, so 60,000 keep a Durable Object's memory (128 MB) comfortable. The hour being written is
 * never evicted while it is.
 */
const MAX_CACHED_ENTRIES = 60_000;

type Entry = SqlStorageValue[];
interface Hour {
  parts: Entry[][];
  partBytes: number[];
  /** Key (joined) → [part, index in part]. */
  index: Map<string, [number, number]>;
  entries: number;
}

const keyIdOf = (key: readonly SqlStorageValue[]) => key.join("\u001f");
export const keyLengthOf = (table: PackedTable) => PACKED_TABLES.find((entry) => entry.table === table)?.key.length ?? 0;

/** One merged counter row to add: key without the hour, and sums. */
export interface CounterAddition {
  key: readonly SqlStorageValue[];
  sums: readonly number[];
}

/**
 * Reads and writes packed counters. Hours are decoded once and kept (see MAX_CACHED_ENTRIES);
 * every write of the parts tables goes through here, so the cache is the tables' content. A
 * caller whose transaction fails calls `forget`: what was merged in memory may not have been
 * committed.
 */
export class PackedCounters {
  private readonly hours = new Map<string, Hour>();
  private cachedEntries = 0;

  private readonly maxCachedEntries: number;
  /** Where the days it holds are written instead (quiet-days.ts); written by its flush. */
  private readonly quiet: QuietDays | undefined;

  constructor(
    private readonly sql: SqlStorage,
    options: { maxCachedEntries?: number; quiet?: QuietDays } = {},
  ) {
    this.maxCachedEntries = options.maxCachedEntries ?? MAX_CACHED_ENTRIES;
    this.quiet = options.quiet;
  }

  /**
   * Adds `additions` to `hour`'s counters of `table`, writing only the parts they touched.
   * Returns rows written and how many keys were new to the hour.
   */
  add(table: PackedTable, hour: number, additions: readonly CounterAddition[]): { rowsWritten: number; newKeys: number } {
    if (this.quiet?.holds(dayOfHour(hour))) return { rowsWritten: 0, newKeys: this.quiet.addCounters(table, hour, additions) };
    const state = this.load(table, hour);
    const dirty = new Set<number>();
    let newKeys = 0;
    for (const { key, sums } of additions) {
      const id = keyIdOf(key);
      const at = state.index.get(id);
      if (at !== undefined) {
        const entry = state.parts[at[0]]?.[at[1]];
        if (entry === undefined) throw new Error("packed counters: index out of step");
        sums.forEach((value, i) => {
          entry[key.length + i] = Number(entry[key.length + i] ?? 0) + value;
        });
        dirty.add(at[0]);
        continue;
      }
      newKeys += 1;
      this.append(state, id, [...key, ...sums], dirty);
    }
    this.cachedEntries += newKeys;
    const rowsWritten = this.writeParts(table, hour, state, dirty);
    this.evict(`${table}:${hour}`);
    return { rowsWritten, newKeys };
  }

  /**
   * Folds the hours after `firstHour` up to `lastHour` into `firstHour` (same keys summed) and
   * deletes their parts. Returns rows written.
   */
  foldInto(table: PackedTable, firstHour: number, lastHour: number): number {
    const keyLength = keyLengthOf(table);
    let rowsWritten = 0;
    for (let hour = firstHour + 1; hour <= lastHour; hour++) {
      const state = this.load(table, hour);
      if (state.entries === 0) continue;
      const additions = state.parts.flat().map((entry) => ({ key: entry.slice(0, keyLength), sums: entry.slice(keyLength).map(Number) }));
      rowsWritten += this.add(table, firstHour, additions).rowsWritten;
      rowsWritten += this.sql.exec(`DELETE FROM ${partsTableOf(table)} WHERE hour = ?`, hour).rowsWritten;
      this.drop(`${table}:${hour}`);
    }
    return rowsWritten;
  }

  /** Forgets every decoded hour (after a failed transaction, or when the tables were changed otherwise). */
  forget(): void {
    this.hours.clear();
    this.cachedEntries = 0;
  }

  private load(table: PackedTable, hour: number): Hour {
    const id = `${table}:${hour}`;
    const cached = this.hours.get(id);
    if (cached !== undefined) {
      // Most recently used last.
      this.hours.delete(id);
      this.hours.set(id, cached);
      return cached;
    }
    const state: Hour = { parts: [], partBytes: [], index: new Map(), entries: 0 };
    const keyLength = keyLengthOf(table);
    for (const { part, body } of this.sql.exec<{ part: number; body: string }>(
      `SELECT part, body FROM ${partsTableOf(table)} WHERE hour = ? ORDER BY part`,
      hour,
    )) {
      // Parts are numbered from 0 without gaps; read defensively all the same.
      const entries = JSON.parse(body) as Entry[];
      state.parts[part] = entries;
      state.partBytes[part] = bytesOf(body);
      this.reindex(state, part, keyLength);
      state.entries += entries.length;
    }
    for (let part = 0; part < state.parts.length; part++) {
      state.parts[part] ??= [];
      state.partBytes[part] ??= 2;
    }
    this.hours.set(id, state);
    this.cachedEntries += state.entries;
    return state;
  }

  /** Adds a new entry to the hour's last part, or a new part when the last is full. */
  private append(state: Hour, id: string, entry: Entry, dirty: Set<number>): void {
    const size = bytesOf(JSON.stringify(entry)) + 1;
    let part = state.parts.length - 1;
    if (part < 0 || (state.partBytes[part] ?? 0) + size > PART_FILL_BYTES) {
      part = state.parts.length;
      state.parts.push([]);
      state.partBytes.push(2);
    }
    const entries = state.parts[part] ?? [];
    entries.push(entry);
    state.partBytes[part] = (state.partBytes[part] ?? 2) + size;
    state.index.set(id, [part, entries.length - 1]);
    state.entries += 1;
    dirty.add(part);
  }

  private writeParts(table: PackedTable, hour: number, state: Hour, dirty: Set<number>): number {
    let rowsWritten = 0;
    const statement = `INSERT INTO ${partsTableOf(table)} (hour, part, body) VALUES (?, ?, ?)
                       ON CONFLICT DO UPDATE SET body = excluded.body`;
    const queue = [...dirty].sort((a, b) => a - b);
    while (queue.length > 0) {
      const part = queue.shift() ?? 0;
      const entries = state.parts[part] ?? [];
      let body = JSON.stringify(entries);
      let bytes = bytesOf(body);
      if (bytes > MAX_PART_BYTES && entries.length > 1) {
        // Sums grew past the margin: the second half moves to a new part, written in turn.
        const moved = entries.splice(Math.ceil(entries.length / 2));
        const to = state.parts.length;
        state.parts.push(moved);
        state.partBytes.push(bytesOf(JSON.stringify(moved)));
        this.reindex(state, to, keyLengthOf(table));
        queue.push(to);
        body = JSON.stringify(entries);
        bytes = bytesOf(body);
      }
      state.partBytes[part] = bytes;
      rowsWritten += this.sql.exec(statement, hour, part, body).rowsWritten;
    }
    return rowsWritten;
  }

  private reindex(state: Hour, part: number, keyLength: number): void {
    const entries = state.parts[part] ?? [];
    for (let index = 0; index < entries.length; index++)
      state.index.set(keyIdOf((entries[index] ?? []).slice(0, keyLength)), [part, index]);
  }

  private drop(id: string): void {
    const state = this.hours.get(id);
    if (state === undefined) return;
    this.cachedEntries -= state.entries;
    this.hours.delete(id);
  }

  private evict(keep: string): void {
    for (const id of this.hours.keys()) {
      if (this.cachedEntries <= this.maxCachedEntries) return;
      if (id !== keep) this.drop(id);
    }
  }
}
