import { dayOfHour, firstHourOfDay, lastHourOfDay } from "../domain/time/utc-time";
import type { SegmentCount, SegmentFilter } from "../domain/visitors/segment-rollup";
import type { PackedTable } from "./counter-tables";
import type { BucketKind } from "./day-buckets";
import type { CounterAddition } from "./packed-counters";
import { bytesOf, MAX_PACKED_BYTES } from "./packed-rows";
import { storedSegmentCount } from "./segment-days";

/**
 * The `quiet_days` table: a small local day kept whole in one row, so that a hit on a quiet site
 * costs one row written at ingest and one more when its visitor ids are forgotten, where the
 * tables of a busy day took fourteen (a salt and its delete, a visitor bucket and its delete, an
 * hour's counter part per counter table, and at the close the aggregates, totals, marks, segment
 * counts and added dimensions, each a row of its own table).
 *
 * A day is kept here from its first write, when nothing of it is in the tables (every new day
 * of every site), until its row would pass QUIET_DAY_MAX_BYTES: then, in the same transaction,
 * its content is written into the tables (see `Materializer`) and its row deleted; from then on
 * the day lives in the tables like any other. Reads see both: the counter views and
 * `scanEntries` (packed-counters.ts) add a quiet day's counters, the day buckets, salts,
 * roll-up marks, segment counts and added dimensions look here for the days this holds.
 *
 * A quiet day's row holds its salt, visitor-days and event ids (until the day is forgotten, two
 * local days after it, like every salt and hash), its counter entries by hour (kept with their
 * hours for good: a quiet day is neither folded nor aggregated, it is read from here, a few
 * entries), and once forgotten its roll-up: segment counts and added-dimension sums. The roll-up
 * is made when the visitor-days are forgotten rather than at the day's close, so the row is
 * rewritten once instead of twice; until then the day is summed from its visitor-days, as
 * yesterday always is before its roll-up.
 */
export interface QuietDayBody {
  /** The day's salt, base64; gone with the visitor ids. */
  salt?: string;
  /** Visitor-days (vid → state) and event ids (id → 1), as in `day_buckets`; gone two days on. */
  visitor?: Record<string, unknown>;
  event?: Record<string, unknown>;
  /** Counter entries per table: hour, key columns, sums (counter-tables.ts HOURLY_TABLES order). */
  counters: Partial<Record<PackedTable, SqlStorageValue[][]>>;
  /** Set when the day is rolled up: its segment counts and added-dimension sums (entries per dimension). */
  segments?: SegmentCount[];
  dimensions?: [string, unknown[][]][];
}

/**
 * Writes a quiet day's content into the tables (inside the caller's transaction) when it outgrows
 * its row; returns the rows written. By then QuietDays no longer holds the day, so the modules
 * called write their own tables.
 */
export type Materializer = (day: number, body: QuietDayBody) => number;

/**
 * A row stays under this many UTF-8 bytes while its day is open (about 40 visitors and their
 * counters); past it, the day moves into the tables, where a busy day is cheaper per hit (the
 * write log and packed parts).
 */
const QUIET_DAY_MAX_BYTES = 32_000;

interface QuietDay {
  body: QuietDayBody;
  /** `table hour key` → the entry holding it, in `body.counters`. */
  index: Map<string, SqlStorageValue[]>;
  /** Whether the row exists in the table. */
  stored: boolean;
}

const KEY_SEPARATOR = "\u001f";
const counterId = (table: PackedTable, hour: number, key: readonly SqlStorageValue[]) =>
  `${table}${KEY_SEPARATOR}${hour}${KEY_SEPARATOR}${key.join(KEY_SEPARATOR)}`;

function decode(text: string): QuietDayBody {
  // Written only by QuietDays.flush, from a QuietDayBody.
  return JSON.parse(text) as QuietDayBody;
}

function indexOf(body: QuietDayBody, keyLength: (table: PackedTable) => number): Map<string, SqlStorageValue[]> {
  const index = new Map<string, SqlStorageValue[]>();
  for (const [table, entries] of Object.entries(body.counters) as [PackedTable, SqlStorageValue[][]][]) {
    for (const entry of entries) index.set(counterId(table, Number(entry[0]), entry.slice(1, 1 + keyLength(table))), entry);
  }
  return index;
}

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
/** A row's salt as bytes (for the salts table when the day moves there). */
export const saltOf = (body: QuietDayBody): Uint8Array | undefined => (body.salt === undefined ? undefined : fromBase64(body.salt));

/** Nothing of the day is left: no salt, visitor, event id, counter or roll-up. */
const isEmpty = (body: QuietDayBody) =>
  body.salt === undefined &&
  body.visitor === undefined &&
  body.event === undefined &&
  body.segments === undefined &&
  Object.values(body.counters).every((entries) => entries === undefined || entries.length === 0);

/**
 * The days held in `quiet_days`, decoded as they are written. Every write of a held day goes
 * through here and is written by `flush`, inside the caller's transaction; a caller whose
 * transaction failed calls `forget`.
 */
export class QuietDays {
  /** Decoded days; null for a day kept in the tables. */
  private readonly days = new Map<number, QuietDay | null>();
  private readonly dirty = new Set<number>();
  /**
   * Salts made for held days, until forgotten: a salt is stored by the next flush, and if that
   * transaction fails, `forget` must not lose a salt some queued hit was already hashed with.
   */
  private readonly madeSalts = new Map<number, string>();
  private enabledSetting: boolean | undefined;
  /** Days before this were forgotten: their decoded state leaves memory once written (read again if ever needed). */
  private forgottenBefore = Number.NEGATIVE_INFINITY;
  private materializer: Materializer = () => {
    throw new Error("quiet days: no materializer");
  };

  constructor(
    private readonly sql: SqlStorage,
    /** Key columns per counter table (counter-tables.ts). */
    private readonly keyLength: (table: PackedTable) => number,
  ) {}

  /** Set by the store once every module exists (the materializer writes through them). */
  materializeWith(materializer: Materializer): void {
    this.materializer = materializer;
  }

  /** Whether `day` is kept here: it has a row, or nothing of it is stored anywhere yet. */
  holds(day: number): boolean {
    return this.dayOf(day) !== null;
  }

  /** A held day's salt. */
  salt(day: number): Uint8Array | undefined {
    const held = this.dayOf(day);
    return held === null ? undefined : saltOf(held.body);
  }

  /** Stores a new salt for a held day (written by the next flush). */
  setSalt(day: number, salt: Uint8Array): void {
    const encoded = toBase64(salt);
    this.madeSalts.set(day, encoded);
    this.change(day).body.salt = encoded;
  }

  get(kind: BucketKind, day: number, key: string): unknown {
    const keys = this.dayOf(day)?.body[kind];
    // Own keys only: an event id may be "constructor" or "__proto__" (a Map in the buckets).
    return keys !== undefined && Object.hasOwn(keys, key) ? keys[key] : undefined;
  }

  put(kind: BucketKind, day: number, key: string, value: unknown): void {
    const { body } = this.change(day);
    body[kind] ??= {};
    // Defined, not assigned: assigning "__proto__" would set the object's prototype.
    Object.defineProperty(body[kind], key, { value, enumerable: true, writable: true, configurable: true });
  }

  entriesOf(kind: BucketKind, day: number): [string, unknown][] {
    return Object.entries(this.dayOf(day)?.body[kind] ?? {});
  }

  /** Held days that have keys of `kind`. */
  daysWith(kind: BucketKind): number[] {
    return this.daysHolding([kind]);
  }

  /** Held days (before `beforeDay`) whose body has any of `fields`: stored rows, with the days decoded here over them. */
  private daysHolding(fields: readonly (keyof QuietDayBody)[], beforeDay = Number.POSITIVE_INFINITY): number[] {
    const days = new Set<number>();
    const condition = fields.map((field) => `json_type(body, '$.${field}') IS NOT NULL`).join(" OR ");
    for (const { day } of this.sql.exec<{ day: number }>(`SELECT day FROM quiet_days WHERE day < ? AND (${condition})`, beforeDay)) {
      if (!this.days.has(day)) days.add(day);
    }
    for (const [day, held] of this.days) {
      if (day < beforeDay && fields.some((field) => held?.body[field] !== undefined)) days.add(day);
    }
    return [...days].sort((a, b) => a - b);
  }

  /** Adds counters to a held day's hour; returns how many keys were new to it. */
  addCounters(table: PackedTable, hour: number, additions: readonly CounterAddition[]): number {
    const held = this.change(dayOfHour(hour));
    let newKeys = 0;
    for (const { key, sums } of additions) {
      const id = counterId(table, hour, key);
      const entry = held.index.get(id);
      if (entry !== undefined) {
        sums.forEach((value, i) => {
          entry[1 + key.length + i] = Number(entry[1 + key.length + i] ?? 0) + value;
        });
        continue;
      }
      const added = [hour, ...key, ...sums];
      held.body.counters[table] ??= [];
      held.body.counters[table].push(added);
      held.index.set(id, added);
      newKeys += 1;
    }
    return newKeys;
  }

  /** Whether a held day is rolled up. */
  isRolledUp(day: number): boolean {
    return this.dayOf(day)?.body.segments !== undefined;
  }

  /** A held day's roll-up: its segment counts and added-dimension sums. */
  rollUp(day: number, segments: readonly SegmentCount[], dimensions: [string, unknown[][]][]): void {
    const { body } = this.change(day);
    body.segments = segments.map(storedSegmentCount);
    body.dimensions = dimensions;
  }

  /** Drops the salts, visitor-days and event ids of held days before `oldestKeptDay` (rolled up first by the caller). */
  forgetBefore(oldestKeptDay: number): void {
    for (const day of this.daysHolding(["salt", "visitor", "event"], oldestKeptDay)) {
      const { body } = this.change(day);
      delete body.salt;
      delete body.visitor;
      delete body.event;
    }
    for (const day of this.madeSalts.keys()) if (day < oldestKeptDay) this.madeSalts.delete(day);
    this.forgottenBefore = Math.max(this.forgottenBefore, oldestKeptDay);
  }

  /**
   * Writes every changed day (inside the caller's transaction): its row, or, past
   * QUIET_DAY_MAX_BYTES (MAX_PACKED_BYTES once rolled up), its content into the tables and the
   * row deleted. Returns the rows written.
   */
  flush(): number {
    let rowsWritten = 0;
    for (const day of [...this.dirty].sort((a, b) => a - b)) {
      const held = this.days.get(day);
      if (held === undefined || held === null) continue;
      if (isEmpty(held.body)) {
        // Nothing left (a salt whose hits were refused, forgotten): no row; decided again on next use.
        if (held.stored) rowsWritten += this.sql.exec("DELETE FROM quiet_days WHERE day = ?", day).rowsWritten;
        this.days.delete(day);
        continue;
      }
      const text = JSON.stringify(held.body);
      // A rolled-up day keeps no visitor-days: it may take a whole packed row.
      const limit = held.body.visitor === undefined ? MAX_PACKED_BYTES : QUIET_DAY_MAX_BYTES;
      if (bytesOf(text) > limit) {
        // From here on the day is in the tables: the modules the materializer calls write them.
        // A salt made here stays in madeSalts: should this transaction fail, the day is held
        // again (nothing of it in the tables) and the salt is written with the next flush.
        this.days.set(day, null);
        rowsWritten += this.materializer(day, held.body);
        if (held.stored) rowsWritten += this.sql.exec("DELETE FROM quiet_days WHERE day = ?", day).rowsWritten;
        continue;
      }
      rowsWritten += this.sql.exec(
        "INSERT INTO quiet_days (day, body) VALUES (?, ?) ON CONFLICT DO UPDATE SET body = excluded.body",
        day,
        text,
      ).rowsWritten;
      held.stored = true;
    }
    this.dirty.clear();
    for (const day of this.days.keys()) if (day < this.forgottenBefore) this.days.delete(day);
    return rowsWritten;
  }

  /** Forgets what is decoded (a transaction writing held days failed); salts made here are kept. */
  forget(): void {
    this.days.clear();
    this.dirty.clear();
  }

  /** A held day, to change: marked for the next flush. */
  private change(day: number): QuietDay {
    const held = this.dayOf(day);
    if (held === null) throw new Error(`quiet days: day ${day} is kept in the tables`);
    this.dirty.add(day);
    return held;
  }

  private dayOf(day: number): QuietDay | null {
    const known = this.days.get(day);
    if (known !== undefined) return known;
    const loaded = this.load(day);
    this.days.set(day, loaded);
    return loaded;
  }

  private load(day: number): QuietDay | null {
    const row = this.sql.exec<{ body: string }>("SELECT body FROM quiet_days WHERE day = ?", day).toArray()[0];
    let held: QuietDay | null = null;
    if (row !== undefined) {
      const body = decode(row.body);
      held = { body, index: indexOf(body, this.keyLength), stored: true };
    } else if (this.enabled() && !this.hasTableData(day)) {
      held = { body: { counters: {} }, index: new Map(), stored: false };
    }
    const salt = this.madeSalts.get(day);
    if (held !== null && salt !== undefined && held.body.salt === undefined) {
      // A salt made here whose write was rolled back: stored again by the next flush.
      held.body.salt = salt;
      this.dirty.add(day);
    }
    return held;
  }

  /**
   * Whether new days start here: unless the site setting `quiet_days` is `off`, which keeps every
   * day in the tables from its first write (tests of the layouts a busy day has use it).
   */
  private enabled(): boolean {
    this.enabledSetting ??=
      this.sql.exec<{ value: string }>("SELECT value FROM site_settings WHERE key = 'quiet_days'").toArray()[0]?.value !== "off";
    return this.enabledSetting;
  }

  /** Whether anything of `day` is in the tables (then the day stays there). */
  private hasTableData(day: number): boolean {
    const from = firstHourOfDay(day);
    const to = lastHourOfDay(day);
    return (
      this.sql
        .exec<{ found: number }>(
          `SELECT EXISTS (SELECT 1 FROM salts WHERE day = ?1)
               OR EXISTS (SELECT 1 FROM day_buckets WHERE kind IN ('visitor', 'event') AND day = ?1)
               OR EXISTS (SELECT 1 FROM hourly_counters_parts WHERE hour BETWEEN ?2 AND ?3)
               OR EXISTS (SELECT 1 FROM funnel_counters_parts WHERE hour BETWEEN ?2 AND ?3)
               OR EXISTS (SELECT 1 FROM lift_counters_parts WHERE hour BETWEEN ?2 AND ?3)
               OR EXISTS (SELECT 1 FROM rolled_up_days WHERE day = ?1)
               OR EXISTS (SELECT 1 FROM aggregated_days WHERE day = ?1) AS found`,
          day,
          from,
          to,
        )
        .one().found === 1
    );
  }
}

/** Stored quiet days in `[fromDay, toDay]`, decoded, by day. */
function* storedQuietDays(sql: SqlStorage, fromDay: number, toDay: number): Generator<{ day: number; body: QuietDayBody }> {
  for (const { day, body } of sql.exec<{ day: number; body: string }>(
    "SELECT day, body FROM quiet_days WHERE day BETWEEN ? AND ?",
    fromDay,
    toDay,
  )) {
    yield { day, body: decode(body) };
  }
}

/** The counter entries of quiet days in an hour range, with their hour (the packed parts' layout: key columns, then sums). */
export function* quietCounterEntries(
  sql: SqlStorage,
  table: PackedTable,
  fromHour: number,
  toHour: number,
): Generator<{ hour: number; entry: SqlStorageValue[] }> {
  for (const { body } of storedQuietDays(sql, dayOfHour(fromHour), dayOfHour(toHour))) {
    for (const entry of body.counters[table] ?? []) {
      const hour = Number(entry[0]);
      if (hour >= fromHour && hour <= toHour) yield { hour, entry: entry.slice(1) };
    }
  }
}

/** Rolled-up quiet days in range: their segment counts inside one membership. */
export function quietSegmentCounts(
  sql: SqlStorage,
  fromDay: number,
  toDay: number,
  membership: { filter: SegmentFilter; value: string },
): { rolledDays: number[]; counts: SegmentCount[] } {
  const rolledDays: number[] = [];
  const counts: SegmentCount[] = [];
  for (const { day, body } of storedQuietDays(sql, fromDay, toDay)) {
    if (body.segments === undefined) continue;
    rolledDays.push(day);
    for (const count of body.segments) if (count.filter === membership.filter && count.value === membership.value) counts.push(count);
  }
  return { rolledDays, counts };
}

/** Rolled-up quiet days in range: their added-dimension entries of `dimension`. */
export function* quietDimensionEntries(
  sql: SqlStorage,
  fromDay: number,
  toDay: number,
  dimension: string,
): Generator<{ day: number; entry: unknown[] }> {
  for (const { day, body } of storedQuietDays(sql, fromDay, toDay)) {
    const entries = body.dimensions?.find(([of]) => of === dimension)?.[1] ?? [];
    for (const entry of entries) yield { day, entry };
  }
}
