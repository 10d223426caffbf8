import { firstHourOfDay, lastHourOfDay } from "../domain/time/utc-time";
import { HOURLY_TABLES } from "./counter-tables";
import { entryIndexOf, scanEntries } from "./packed-counters";
import { bytesOf, MAX_PACKED_BYTES } from "./packed-rows";

/**
 * The `day_column_parts` table: a closed day's main counter entries (`hourly_counters`) again,
 * column by column in binary parts, so that a filtered report over many days skips the entries
 * its filter rejects without decoding them. Why: the packed hours (packed-counters.ts) are JSON,
 * and a filter on them must JSON.parse every entry of the range to look at one column of it (a
 * 90-day `country=DE` report of a million entries spent most of its ~900 ms there). Here a filter
 * reads one small typed array of codes per part and decodes only the entries that match; a
 * value missing from a part's dictionary skips the part with nothing else decoded.
 *
 * A part's body (little-endian; all sizes in bytes):
 *
 *   header   u32 FORMAT_VERSION, u32 entries, u32 columns (COLUMNS), then per column
 *            u32 encoding, u32 offset, u32 length                      (HEADER_BYTES, padded to 8)
 *   columns  one section per column, each starting at a multiple of 8 so that typed arrays view
 *            it in place (no copy; a Float64Array needs an 8-aligned offset)
 *
 * Column 0 is the entry's hour as an offset into the day (0..23); columns 1.. are the entry's
 * columns in entryIndexOf order (key columns, then sums). Each column takes the smallest exact
 * encoding that fits the part's values (see ColumnEncoding). A part holds at most
 * MAX_PACKED_BYTES bytes (the 64 KB this project allows a row, with a margin).
 *
 * The copy is only as fresh as its day: a day whose counters change after its columns were
 * written (a hit dated back into it, its hours folded into one) must have them written again or
 * deleted, or a reader would see the old entries.
 */

const { key: KEY_COLUMNS, sums: SUM_COLUMNS } = HOURLY_TABLES[0];
const ENTRY_INDEX = entryIndexOf("hourly_counters");
/** Columns of an entry, and of a part (the hour offset first). */
const ENTRY_WIDTH = KEY_COLUMNS.length + SUM_COLUMNS.length;
const COLUMNS = 1 + ENTRY_WIDTH;

/** Bumped when the layout changes, so an old part is never read as a new one. */
const FORMAT_VERSION = 1;
const align8 = (bytes: number) => Math.ceil(bytes / 8) * 8;
const HEADER_BYTES = align8(12 + 12 * COLUMNS);

/**
 * How a column is stored. Sums are counts and durations (small, non-negative integers) and
 * revenue in minor units (up to 2^53), so each part's column takes the narrowest unsigned integer
 * array holding all its values, Float64 (exact for every number, integers up to 2^53 included)
 * otherwise, or a single value when all are the same (a day folded into its first hour, revenue
 * of a part without purchases). Key columns are strings: a dictionary of the part's distinct
 * values (a UTF-8 JSON array, decoded once per part) and a code per entry, of 0 bytes when the
 * part has one value (currency "" on pages, variant "(none)"), else 1, 2 or 4. (4 is never needed
 * under the 60,000-byte cap, where a distinct value costs at least 3 bytes; it keeps a larger cap
 * correct rather than truncating codes.)
 */
const ColumnEncoding = {
  Constant: 1,
  Uint8: 2,
  Uint16: 3,
  Uint32: 4,
  Float64: 5,
  Dictionary0: 6,
  Dictionary8: 7,
  Dictionary16: 8,
  Dictionary32: 9,
} as const;
type ColumnEncoding = (typeof ColumnEncoding)[keyof typeof ColumnEncoding];

// Typed arrays use the platform's byte order; every platform workerd runs on is little-endian,
// and the header (read through a DataView) is written little-endian to match.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Thrown while encoding a day whose entries this layout cannot hold; the day then gets no columns. */
class UnsupportedEntry extends Error {}

/** A sum column of a part being built: its values and what the narrowest exact encoding needs to know. */
class NumberColumn {
  private readonly values: number[] = [];
  private first = 0;
  private constant = true;
  private unsigned = true;
  private max = 0;

  /** Bytes of the column's section (padded to 8) with `value` added. */
  bytesWith(value: unknown): number {
    if (typeof value !== "number") throw new UnsupportedEntry(`not a number: ${String(value)}`);
    const constant = this.values.length === 0 || (this.constant && Object.is(value, this.first));
    return align8(
      NumberColumn.sectionBytes(this.values.length + 1, constant, this.unsigned && isUnsigned(value), Math.max(this.max, value)),
    );
  }

  add(value: unknown): void {
    if (typeof value !== "number") throw new UnsupportedEntry(`not a number: ${String(value)}`);
    if (this.values.length === 0) this.first = value;
    else if (!Object.is(value, this.first)) this.constant = false;
    if (!isUnsigned(value)) this.unsigned = false;
    this.max = Math.max(this.max, value);
    this.values.push(value);
  }

  encoding(): ColumnEncoding {
    return NumberColumn.encodingOf(this.constant, this.unsigned, this.max);
  }

  bytes(): number {
    return NumberColumn.sectionBytes(this.values.length, this.constant, this.unsigned, this.max);
  }

  write(buffer: ArrayBuffer, offset: number): void {
    const { values } = this;
    switch (this.encoding()) {
      case ColumnEncoding.Constant:
        new DataView(buffer).setFloat64(offset, this.first, true);
        return;
      case ColumnEncoding.Uint8:
        new Uint8Array(buffer, offset, values.length).set(values);
        return;
      case ColumnEncoding.Uint16:
        new Uint16Array(buffer, offset, values.length).set(values);
        return;
      case ColumnEncoding.Uint32:
        new Uint32Array(buffer, offset, values.length).set(values);
        return;
      default:
        new Float64Array(buffer, offset, values.length).set(values);
    }
  }

  private static encodingOf(constant: boolean, unsigned: boolean, max: number): ColumnEncoding {
    if (constant) return ColumnEncoding.Constant;
    if (!unsigned) return ColumnEncoding.Float64;
    return max <= 0xff ? ColumnEncoding.Uint8 : max <= 0xffff ? ColumnEncoding.Uint16 : ColumnEncoding.Uint32;
  }

  private static sectionBytes(entries: number, constant: boolean, unsigned: boolean, max: number): number {
    const encoding = NumberColumn.encodingOf(constant, unsigned, max);
    return encoding === ColumnEncoding.Constant ? 8 : entries * NUMBER_WIDTH[encoding];
  }
}

const NUMBER_WIDTH: Record<ColumnEncoding, number> = { 1: 8, 2: 1, 3: 2, 4: 4, 5: 8, 6: 0, 7: 1, 8: 2, 9: 4 };
/** Exact in a Uint32Array; -0 is not (it would come back as 0). */
const isUnsigned = (value: number) => Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff && !Object.is(value, -0);
const codeWidthOf = (distinct: number) => (distinct <= 1 ? 0 : distinct <= 0x100 ? 1 : distinct <= 0x1_0000 ? 2 : 4);

/** A key column of a part being built: its dictionary of distinct values and a code per entry. */
class DictionaryColumn {
  private readonly codes: number[] = [];
  private readonly codeOf = new Map<string, number>();
  /** Bytes of the dictionary as a JSON array in UTF-8: `[]`, each value's JSON and the commas between. */
  private dictionaryBytes = 2;
  // The last value sized and its JSON bytes: bytesWith and add are called with the same value in turn.
  private sized: string | undefined;
  private sizedBytes = 0;

  bytesWith(value: unknown): number {
    if (typeof value !== "string") throw new UnsupportedEntry(`not a string: ${String(value)}`);
    const known = this.codeOf.has(value);
    const distinct = this.codeOf.size + (known ? 0 : 1);
    const dictionaryBytes = known ? this.dictionaryBytes : this.dictionaryBytes + this.bytesOfValue(value) + (this.codeOf.size > 0 ? 1 : 0);
    return align8((this.codes.length + 1) * codeWidthOf(distinct) + dictionaryBytes);
  }

  add(value: unknown): void {
    if (typeof value !== "string") throw new UnsupportedEntry(`not a string: ${String(value)}`);
    let code = this.codeOf.get(value);
    if (code === undefined) {
      code = this.codeOf.size;
      this.dictionaryBytes += this.bytesOfValue(value) + (code > 0 ? 1 : 0);
      this.codeOf.set(value, code);
    }
    this.codes.push(code);
  }

  encoding(): ColumnEncoding {
    const width = codeWidthOf(this.codeOf.size);
    return width === 0
      ? ColumnEncoding.Dictionary0
      : width === 1
        ? ColumnEncoding.Dictionary8
        : width === 2
          ? ColumnEncoding.Dictionary16
          : ColumnEncoding.Dictionary32;
  }

  bytes(): number {
    return this.codes.length * codeWidthOf(this.codeOf.size) + this.dictionaryBytes;
  }

  /** The codes at `offset` (aligned for their typed array), the dictionary right after them. */
  write(buffer: ArrayBuffer, offset: number): void {
    const { codes } = this;
    const width = codeWidthOf(this.codeOf.size);
    if (width === 1) new Uint8Array(buffer, offset, codes.length).set(codes);
    else if (width === 2) new Uint16Array(buffer, offset, codes.length).set(codes);
    else if (width === 4) new Uint32Array(buffer, offset, codes.length).set(codes);
    // Map keys iterate in insertion order, which is code order.
    const at = offset + codes.length * width;
    encoder.encodeInto(JSON.stringify([...this.codeOf.keys()]), new Uint8Array(buffer, at, this.dictionaryBytes));
  }

  private bytesOfValue(value: string): number {
    if (this.sized !== value) {
      this.sized = value;
      this.sizedBytes = bytesOf(JSON.stringify(value));
    }
    return this.sizedBytes;
  }
}

type Column = NumberColumn | DictionaryColumn;

/** One part being filled: entries added column by column while its body stays under the cap. */
class PartBuilder {
  private readonly columns: Column[] = [
    new NumberColumn(),
    ...KEY_COLUMNS.map(() => new DictionaryColumn()),
    ...SUM_COLUMNS.map(() => new NumberColumn()),
  ];
  entries = 0;

  /** The body's bytes with `row` (hour offset, then the entry) added. */
  bytesWith(row: readonly unknown[]): number {
    let bytes = HEADER_BYTES;
    for (let column = 0; column < COLUMNS; column++) bytes += this.columnAt(column).bytesWith(row[column]);
    return bytes;
  }

  add(row: readonly unknown[]): void {
    for (let column = 0; column < COLUMNS; column++) this.columnAt(column).add(row[column]);
    this.entries += 1;
  }

  encode(): ArrayBuffer {
    const offsets: number[] = [];
    let size = HEADER_BYTES;
    for (const column of this.columns) {
      offsets.push(size);
      size += align8(column.bytes());
    }
    const buffer = new ArrayBuffer(size);
    const header = new DataView(buffer);
    header.setUint32(0, FORMAT_VERSION, true);
    header.setUint32(4, this.entries, true);
    header.setUint32(8, COLUMNS, true);
    this.columns.forEach((column, index) => {
      const offset = offsets[index] ?? 0;
      header.setUint32(12 + 12 * index, column.encoding(), true);
      header.setUint32(16 + 12 * index, offset, true);
      header.setUint32(20 + 12 * index, column.bytes(), true);
      column.write(buffer, offset);
    });
    return buffer;
  }

  private columnAt(index: number): Column {
    const column = this.columns[index];
    if (column === undefined) throw new Error(`day columns: no column ${index}`);
    return column;
  }
}

/**
 * The day's entries as part bodies, or none when an entry does not fit the layout (a key that is
 * not a string, a sum that is not a number, an entry too long for a part on its own: none of
 * which the counter writer produces); the day is then read from its packed hours as before.
 */
function encodeDay(sql: SqlStorage, day: number): ArrayBuffer[] {
  const firstHour = firstHourOfDay(day);
  const pageAt = ENTRY_INDEX.page ?? 0;
  const rows: unknown[][] = [];
  for (const { hour, entry } of scanEntries(sql, "hourly_counters", firstHour, lastHourOfDay(day))) {
    if (entry.length !== ENTRY_WIDTH) return [];
    rows.push([hour - firstHour, ...entry]);
  }
  // In page order: page has by far the most distinct values, so each part's page dictionary
  // holds a narrow run of them (smaller parts), and a page filter skips all but a part or two.
  const pageOf = (row: readonly unknown[]) => String(row[1 + pageAt]);
  rows.sort((a, b) => (pageOf(a) < pageOf(b) ? -1 : pageOf(a) > pageOf(b) ? 1 : 0));
  const bodies: ArrayBuffer[] = [];
  let part = new PartBuilder();
  try {
    for (const row of rows) {
      if (part.entries > 0 && part.bytesWith(row) > MAX_PACKED_BYTES) {
        bodies.push(part.encode());
        part = new PartBuilder();
      }
      if (part.bytesWith(row) > MAX_PACKED_BYTES) throw new UnsupportedEntry("an entry longer than a part");
      part.add(row);
    }
  } catch (error) {
    if (error instanceof UnsupportedEntry) return [];
    throw error;
  }
  if (part.entries > 0) bodies.push(part.encode());
  return bodies;
}

/**
 * Writes `day`'s main counter entries (its local hours, as stored in `hourly_counters_parts`)
 * as column parts, replacing those it had; a day without entries keeps none. Returns rows written
 * (the parts deleted and inserted).
 */
export function writeDayColumns(sql: SqlStorage, day: number): number {
  // On a big-endian platform no day gets columns, and every day is read from its hours.
  if (!LITTLE_ENDIAN) return deleteDayColumns(sql, day);
  let rowsWritten = deleteDayColumns(sql, day);
  encodeDay(sql, day).forEach((body, part) => {
    rowsWritten += sql.exec("INSERT INTO day_column_parts (day, part, body) VALUES (?, ?, ?)", day, part, body).rowsWritten;
  });
  return rowsWritten;
}

/** Deletes `day`'s column parts (its counters changed, or it is past retention); returns rows written. */
export function deleteDayColumns(sql: SqlStorage, day: number): number {
  return sql.exec("DELETE FROM day_column_parts WHERE day = ?", day).rowsWritten;
}

/**
 * The days from `fromDay` to `toDay` that have columns, ascending: a reader takes these from
 * scanDayColumns and the others from their packed hours. A day whose entries were written with
 * none (no entries, or entries the layout cannot hold) is not among them.
 */
export function daysWithColumns(sql: SqlStorage, fromDay: number, toDay: number): number[] {
  // Every day with columns has a part 0; this reads one key per day, not the parts.
  return sql
    .exec<{ day: number }>("SELECT day FROM day_column_parts WHERE day BETWEEN ? AND ? AND part = 0 ORDER BY day", fromDay, toDay)
    .toArray()
    .map((row) => row.day);
}

type Codes = Uint8Array | Uint16Array | Uint32Array;
type Numbers = Uint8Array | Uint16Array | Uint32Array | Float64Array;
/** A column of a stored part, viewed in place. */
type StoredColumn =
  | { kind: "constant"; value: number }
  | { kind: "numbers"; values: Numbers }
  | { kind: "dictionary"; dictionary: string[]; codes: Codes | null };

/** A stored part's columns, each decoded when first asked for. */
class PartReader {
  readonly entries: number;
  private readonly columns: (StoredColumn | undefined)[] = [];
  private readonly header: DataView;

  constructor(private readonly body: ArrayBuffer) {
    this.header = new DataView(body);
    const version = this.header.getUint32(0, true);
    const columns = this.header.getUint32(8, true);
    if (version !== FORMAT_VERSION || columns !== COLUMNS)
      throw new Error(`day columns: a part of format ${version} with ${columns} columns`);
    this.entries = this.header.getUint32(4, true);
  }

  column(index: number): StoredColumn {
    const cached = this.columns[index];
    if (cached !== undefined) return cached;
    const encoding = this.header.getUint32(12 + 12 * index, true) as ColumnEncoding;
    const offset = this.header.getUint32(16 + 12 * index, true);
    const length = this.header.getUint32(20 + 12 * index, true);
    const column = this.view(encoding, offset, length);
    this.columns[index] = column;
    return column;
  }

  private view(encoding: ColumnEncoding, offset: number, length: number): StoredColumn {
    const { body, entries } = this;
    switch (encoding) {
      case ColumnEncoding.Constant:
        return { kind: "constant", value: this.header.getFloat64(offset, true) };
      case ColumnEncoding.Uint8:
        return { kind: "numbers", values: new Uint8Array(body, offset, entries) };
      case ColumnEncoding.Uint16:
        return { kind: "numbers", values: new Uint16Array(body, offset, entries) };
      case ColumnEncoding.Uint32:
        return { kind: "numbers", values: new Uint32Array(body, offset, entries) };
      case ColumnEncoding.Float64:
        return { kind: "numbers", values: new Float64Array(body, offset, entries) };
      default: {
        const width = NUMBER_WIDTH[encoding];
        const codes =
          width === 1
            ? new Uint8Array(body, offset, entries)
            : width === 2
              ? new Uint16Array(body, offset, entries)
              : width === 4
                ? new Uint32Array(body, offset, entries)
                : null;
        const at = offset + entries * width;
        // Our own bytes, written by DictionaryColumn.write: a JSON array of strings.
        const dictionary = JSON.parse(decoder.decode(new Uint8Array(body, at, offset + length - at))) as string[];
        return { kind: "dictionary", dictionary, codes };
      }
    }
  }
}

/**
 * The entries of the part matching every filter (column index in the part, value), as indexes;
 * null when every entry matches. Each filter reads its column's dictionary and codes, nothing else.
 */
function matchingEntries(part: PartReader, filters: readonly (readonly [column: number, value: SqlStorageValue])[]): number[] | null {
  let matching: number[] | null = null;
  for (const [index, value] of filters) {
    const column = part.column(index);
    let test: (entry: number) => boolean;
    if (column.kind === "dictionary") {
      // A value the part does not have: no entry of it matches (scanEntries compares with ===).
      const code = typeof value === "string" ? column.dictionary.indexOf(value) : -1;
      if (code < 0) return [];
      const { codes } = column;
      if (codes === null) continue;
      test = (entry) => codes[entry] === code;
    } else if (column.kind === "constant") {
      if (column.value !== value) return [];
      continue;
    } else {
      const { values } = column;
      test = (entry) => values[entry] === value;
    }
    if (matching === null) {
      matching = [];
      for (let entry = 0; entry < part.entries; entry++) if (test(entry)) matching.push(entry);
    } else matching = matching.filter(test);
    if (matching.length === 0) return matching;
  }
  return matching;
}

/**
 * The same entries as `scanEntries(sql, "hourly_counters", firstHourOfDay(fromDay),
 * lastHourOfDay(toDay), equal)` yields for the days that have columns (daysWithColumns), in no
 * particular order: `{ hour, entry }` with the entry's key columns (strings) and sums (numbers) in
 * entryIndexOf order, for the entries whose columns equal every value of `equal`. Entries are
 * decoded column by column, and only those that match: a filter reads its column's codes and
 * dictionary, and a part without the filter's value is skipped by SQLite (instr) before it is read.
 */
export function* scanDayColumns(
  sql: SqlStorage,
  fromDay: number,
  toDay: number,
  equal: readonly [column: string, value: SqlStorageValue][] = [],
): Generator<{ hour: number; entry: readonly SqlStorageValue[] }> {
  const filters: [number, SqlStorageValue][] = [];
  // Per filter on a key column, the value's JSON text in UTF-8, which a part holding the value
  // has in its dictionary: SQLite's instr finds it or not in the stored bytes, so parts without
  // the value are never copied out (a page filter reads a few parts a day). Why it matters: each
  // part read is a fresh ArrayBuffer outside the JavaScript heap, and reading tens of megabytes of
  // them with little else allocated was measured to trigger slow full garbage collections (a scan
  // of 720 parts that kept nothing took 50 to 250 ms). Bytes that merely look like the value (in
  // codes, or inside a longer string) only let a part through to the exact test below.
  const needles: ArrayBuffer[] = [];
  for (const [name, value] of equal) {
    // Like scanEntries, a column the entries do not have matches nothing.
    if (!Object.hasOwn(ENTRY_INDEX, name)) return;
    const index = ENTRY_INDEX[name] ?? 0;
    filters.push([1 + index, value]);
    if (index < KEY_COLUMNS.length && typeof value === "string")
      needles.push(Uint8Array.from(encoder.encode(JSON.stringify(value))).buffer);
  }
  for (const { day, body } of sql.exec<{ day: number; body: ArrayBuffer }>(
    `SELECT day, body FROM day_column_parts WHERE day BETWEEN ? AND ?${" AND instr(body, ?) > 0".repeat(needles.length)}`,
    fromDay,
    toDay,
    ...needles,
  )) {
    const part = new PartReader(body);
    const rows = matchingEntries(part, filters) ?? everyEntry(part.entries);
    if (rows.length === 0) continue;
    // Column by column: each pass runs over one typed array and dictionary, which is faster than
    // decoding an entry's columns in turn (one branch on the encoding per column, not per value).
    const entries = rows.map(() => new Array<SqlStorageValue>(ENTRY_WIDTH));
    for (let index = 1; index < COLUMNS; index++) fillColumn(entries, index - 1, part.column(index), rows);
    const hours = new Array<number>(rows.length);
    fillHours(hours, part.column(0), rows);
    const firstHour = firstHourOfDay(day);
    for (let i = 0; i < rows.length; i++) yield { hour: firstHour + (hours[i] ?? 0), entry: entries[i] ?? [] };
  }
}

/** 0, 1, … entries - 1: the rows of a part read whole. */
const everyEntry = (entries: number) => Array.from({ length: entries }, (_, index) => index);

/** Sets `entries[i][slot]` to the column's value at `rows[i]`. */
function fillColumn(entries: SqlStorageValue[][], slot: number, column: StoredColumn, rows: readonly number[]): void {
  if (column.kind === "constant" || (column.kind === "dictionary" && column.codes === null)) {
    const value = column.kind === "constant" ? column.value : (column.dictionary[0] ?? "");
    for (const entry of entries) entry[slot] = value;
  } else if (column.kind === "numbers") {
    const { values } = column;
    rows.forEach((row, i) => {
      const entry = entries[i];
      if (entry !== undefined) entry[slot] = values[row] ?? 0;
    });
  } else {
    const { dictionary, codes } = column;
    rows.forEach((row, i) => {
      const entry = entries[i];
      if (entry !== undefined) entry[slot] = dictionary[codes?.[row] ?? 0] ?? "";
    });
  }
}

/** Sets `hours[i]` to the hour offset at `rows[i]` (always a number column). */
function fillHours(hours: number[], column: StoredColumn, rows: readonly number[]): void {
  if (column.kind === "dictionary") throw new Error("day columns: hours stored as a dictionary");
  if (column.kind === "constant") hours.fill(column.value);
  else {
    const { values } = column;
    rows.forEach((row, i) => {
      hours[i] = values[row] ?? 0;
    });
  }
}
