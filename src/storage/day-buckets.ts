import { bytesOf, fnv1a } from "./packed-rows";
import type { QuietDays } from "./quiet-days";

/**
 * Per-day keyed state packed into bucket rows: the `day_buckets` table holds, per kind (visitor
 * days, event ids) and local day, a number of buckets fixed for that day (every row of the day
 * carries it, so it costs no row of its own), each
 * a JSON object of key → value split into parts of at most PART_FILL_BYTES. A key's bucket is a
 * hash of the key, so a lookup reads one bucket. Why: a row per visitor-day cost a write at
 * each checkpoint that saw the visitor and a delete two days later (0.44 rows per hit in
 * `npm run bench`); packed, a checkpoint writes the parts it changed and a day goes with a
 * delete of its few bucket rows.
 *
 * A day's bucket count is chosen when its first key is written: from the bytes the day before
 * held (about BUCKET_TARGET_BYTES per bucket), so a bucket of a site's usual day is a part or
 * two and lookups read little. A day far busier than the one before has larger buckets (more
 * parts each); the next day adapts.
 *
 * A quiet day's keys are in its one `quiet_days` row instead (quiet-days.ts): every method
 * passes the days `quiet` holds to it.
 */
export type BucketKind = "visitor" | "event";

const BUCKET_TARGET_BYTES = 16_000;
const MIN_BUCKETS = 16;
const MAX_BUCKETS = 4_096;
/** A part's body stays under this many UTF-8 bytes as keys are added; a part rewritten past MAX_PART_BYTES is split. */
const PART_FILL_BYTES = 56_000;
const MAX_PART_BYTES = 63_000;
/** Decoded buckets kept in memory, least recently used first out, by JSON bytes. */
const MAX_CACHED_BYTES = 24_000_000;

interface Bucket {
  parts: Map<string, unknown>[];
  partBytes: number[];
  /** Key → the part holding it. */
  partOf: Map<string, number>;
  bytes: number;
}

export class DayBuckets {
  private readonly bucketCounts = new Map<string, number>();
  private readonly cache = new Map<string, Bucket>();
  private cachedBytes = 0;
  /** Parts changed since the last `flush`, by bucket id. */
  private readonly dirty = new Map<string, { kind: BucketKind; day: number; bucket: number; parts: Set<number> }>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly quiet?: QuietDays,
  ) {}

  /** The stored value of `key` on `day`, or undefined. */
  get(kind: BucketKind, day: number, key: string): unknown {
    if (this.quiet?.holds(day)) return this.quiet.get(kind, day, key);
    const count = this.bucketCountOf(kind, day, false);
    if (count === 0) return undefined;
    const bucket = this.load(kind, day, fnv1a(key) % count);
    const part = bucket.partOf.get(key);
    return part === undefined ? undefined : bucket.parts[part]?.get(key);
  }

  /** Sets `key` on `day` (written by the next `flush`, inside the caller's transaction). */
  put(kind: BucketKind, day: number, key: string, value: unknown): void {
    if (this.quiet?.holds(day)) {
      this.quiet.put(kind, day, key, value);
      return;
    }
    const count = this.bucketCountOf(kind, day, true);
    const number = fnv1a(key) % count;
    const bucket = this.load(kind, day, number);
    const size = bytesOf(JSON.stringify(key)) + bytesOf(JSON.stringify(value)) + 2;
    let part = bucket.partOf.get(key);
    if (part === undefined) {
      part = bucket.parts.length - 1;
      if (part < 0 || (bucket.partBytes[part] ?? 0) + size > PART_FILL_BYTES) {
        part = bucket.parts.length;
        bucket.parts.push(new Map());
        bucket.partBytes.push(2);
      }
      bucket.partOf.set(key, part);
    }
    bucket.parts[part]?.set(key, value);
    // Growth is tracked loosely here (a replaced value's old size is not subtracted); the exact
    // size is taken again when the part is written.
    bucket.partBytes[part] = (bucket.partBytes[part] ?? 2) + size;
    const id = `${kind}:${day}:${number}`;
    const entry = this.dirty.get(id) ?? { kind, day, bucket: number, parts: new Set<number>() };
    entry.parts.add(part);
    this.dirty.set(id, entry);
  }

  /** Writes every changed part (inside the caller's transaction); returns the rows written. */
  flush(): number {
    let rowsWritten = 0;
    const statement = `INSERT INTO day_buckets (kind, day, bucket, part, buckets, body) VALUES (?, ?, ?, ?, ?, ?)
                       ON CONFLICT DO UPDATE SET body = excluded.body`;
    for (const [id, { kind, day, bucket: number, parts }] of this.dirty) {
      const bucket = this.cache.get(id);
      if (bucket === undefined) throw new Error("day buckets: a changed bucket left the cache");
      const queue = [...parts].sort((a, b) => a - b);
      while (queue.length > 0) {
        const part = queue.shift() ?? 0;
        const entries = bucket.parts[part] ?? new Map<string, unknown>();
        let body = JSON.stringify(Object.fromEntries(entries));
        if (bytesOf(body) > MAX_PART_BYTES && entries.size > 1) {
          // Values grew past the margin: the second half of the keys moves to a new part.
          const moved = new Map([...entries].slice(Math.ceil(entries.size / 2)));
          for (const key of moved.keys()) entries.delete(key);
          const to = bucket.parts.length;
          bucket.parts.push(moved);
          bucket.partBytes.push(bytesOf(JSON.stringify(Object.fromEntries(moved))));
          for (const key of moved.keys()) bucket.partOf.set(key, to);
          queue.push(to);
          body = JSON.stringify(Object.fromEntries(entries));
        }
        const bytes = bytesOf(body);
        this.cachedBytes += bytes - (bucket.partBytes[part] ?? 0);
        bucket.bytes += bytes - (bucket.partBytes[part] ?? 0);
        bucket.partBytes[part] = bytes;
        rowsWritten += this.sql.exec(statement, kind, day, number, part, this.bucketCountOf(kind, day, false), body).rowsWritten;
      }
    }
    this.dirty.clear();
    this.evict();
    return rowsWritten;
  }

  /** Every key and value of `day`. */
  entriesOf(kind: BucketKind, day: number): [string, unknown][] {
    if (this.quiet?.holds(day)) return this.quiet.entriesOf(kind, day);
    const entries: [string, unknown][] = [];
    for (const { body } of this.sql.exec<{ body: string }>("SELECT body FROM day_buckets WHERE kind = ? AND day = ?", kind, day)) {
      entries.push(...Object.entries(JSON.parse(body) as Record<string, unknown>));
    }
    return entries;
  }

  /** Days with stored keys. */
  days(kind: BucketKind): number[] {
    const stored = this.sql
      .exec<{ day: number }>("SELECT DISTINCT day FROM day_buckets WHERE kind = ?", kind)
      .toArray()
      .map((row) => row.day);
    return this.quiet === undefined ? stored : [...new Set([...stored, ...this.quiet.daysWith(kind)])].sort((a, b) => a - b);
  }

  /** Deletes every key of days before `oldestKeptDay`; returns the rows written. */
  forgetBefore(oldestKeptDay: number): number {
    const rowsWritten = this.sql.exec("DELETE FROM day_buckets WHERE day < ?", oldestKeptDay).rowsWritten;
    // Held days' keys go with their next flush.
    this.quiet?.forgetBefore(oldestKeptDay);
    this.forget();
    return rowsWritten;
  }

  /** Forgets what is decoded in memory (a transaction writing buckets failed, or the tables changed otherwise). */
  forget(): void {
    this.cache.clear();
    this.bucketCounts.clear();
    this.dirty.clear();
    this.cachedBytes = 0;
  }

  /** The day's bucket count; when it has none yet and `create`, chosen now (stored with the day's first part). */
  private bucketCountOf(kind: BucketKind, day: number, create: boolean): number {
    const id = `${kind}:${day}`;
    // 0 is remembered too: every event id is looked up on the day before as well, which often has
    // none, and only this instance writes buckets (a failed transaction makes it forget).
    let known = this.bucketCounts.get(id);
    if (known === undefined) {
      known =
        this.sql.exec<{ buckets: number }>("SELECT buckets FROM day_buckets WHERE kind = ? AND day = ? LIMIT 1", kind, day).toArray()[0]
          ?.buckets ?? 0;
      this.bucketCounts.set(id, known);
    }
    if (known > 0 || !create) return known;
    const before = this.sql
      .exec<{ bytes: number | null }>("SELECT SUM(length(body)) AS bytes FROM day_buckets WHERE kind = ? AND day = ?", kind, day - 1)
      .one().bytes;
    let buckets = MIN_BUCKETS;
    while (buckets < MAX_BUCKETS && buckets * BUCKET_TARGET_BYTES < (before ?? 0)) buckets *= 2;
    this.bucketCounts.set(id, buckets);
    return buckets;
  }

  private load(kind: BucketKind, day: number, number: number): Bucket {
    const id = `${kind}:${day}:${number}`;
    const cached = this.cache.get(id);
    if (cached !== undefined) {
      this.cache.delete(id);
      this.cache.set(id, cached);
      return cached;
    }
    const bucket: Bucket = { parts: [], partBytes: [], partOf: new Map(), bytes: 0 };
    for (const { part, body } of this.sql.exec<{ part: number; body: string }>(
      "SELECT part, body FROM day_buckets WHERE kind = ? AND day = ? AND bucket = ? ORDER BY part",
      kind,
      day,
      number,
    )) {
      const entries = new Map(Object.entries(JSON.parse(body) as Record<string, unknown>));
      bucket.parts[part] = entries;
      bucket.partBytes[part] = bytesOf(body);
      bucket.bytes += bucket.partBytes[part] ?? 0;
      for (const key of entries.keys()) bucket.partOf.set(key, part);
    }
    for (let part = 0; part < bucket.parts.length; part++) {
      bucket.parts[part] ??= new Map();
      bucket.partBytes[part] ??= 2;
    }
    this.cache.set(id, bucket);
    this.cachedBytes += bucket.bytes;
    return bucket;
  }

  /** Drops least recently used buckets past MAX_CACHED_BYTES; never one with unwritten changes. */
  private evict(): void {
    for (const [id, bucket] of this.cache) {
      if (this.cachedBytes <= MAX_CACHED_BYTES) return;
      if (this.dirty.has(id)) continue;
      this.cache.delete(id);
      this.cachedBytes -= bucket.bytes;
    }
  }
}
