import type { SegmentCount, SegmentDims, SegmentFilter, SegmentKind } from "../domain/visitors/segment-rollup";
import { fnv1a, packRows } from "./packed-rows";

/**
 * The `segment_day_parts` table: a closed day's segment counts (domain/visitors/segment-rollup.ts)
 * as JSON entries of [value, kind, key, step, source, channel, campaign, country, device, variant,
 * visitors], where value is the membership (a page or a goal), packed per day, filter (page or
 * goal) and one of SEGMENT_BUCKETS buckets of the value's hash: a row per page a day was more rows
 * than a day's hits on a site of many pages; this way a day writes a few dozen rows, and a
 * membership read decodes a sixteenth of its day.
 */
const SEGMENT_BUCKETS = 16;
const bucketOf = (value: string) => fnv1a(value) % SEGMENT_BUCKETS;
type SegmentEntry = [SegmentKind, string, number, string, string, string, string, string, string, number];

/** One count as a packed entry; also reads a row of the old `segment_rollups` table (migrations.ts). */
export function segmentEntry(count: Record<string, SqlStorageValue> | SegmentCount): SegmentEntry {
  const text = (name: string) => String((count as Record<string, unknown>)[name] ?? "");
  return [
    text("kind") as SegmentKind,
    text("key"),
    Number((count as Record<string, unknown>).step ?? 0),
    text("source"),
    text("channel"),
    text("campaign"),
    text("country"),
    text("device"),
    text("variant"),
    Number((count as Record<string, unknown>).visitors ?? 0),
  ];
}

/** Writes a day's counts, packed per filter and bucket; returns the rows written. */
export function writeSegmentDay(sql: SqlStorage, day: number, counts: readonly SegmentCount[]): number {
  const byBucket = new Map<string, { filter: SegmentFilter; bucket: number; entries: [string, ...SegmentEntry][] }>();
  for (const count of counts) {
    const bucket = bucketOf(count.value);
    const id = `${count.filter}\u001f${bucket}`;
    const group = byBucket.get(id) ?? { filter: count.filter, bucket, entries: [] };
    byBucket.set(id, group);
    group.entries.push([count.value, ...segmentEntry(count)]);
  }
  let rowsWritten = 0;
  for (const { filter, bucket, entries } of byBucket.values()) {
    packRows(entries).forEach((body, part) => {
      rowsWritten += sql.exec(
        `INSERT INTO segment_day_parts (day, filter, bucket, part, body) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET body = excluded.body`,
        day,
        filter,
        bucket,
        part,
        body,
      ).rowsWritten;
    });
  }
  return rowsWritten;
}

/** A stored entry's count, with its visitor-level dimensions. */
export type SegmentDayCount = SegmentDims & { kind: SegmentKind; key: string; step: number; visitors: number };

/** The count of a packed entry (after its value). */
export function segmentCountOf([
  kind,
  key,
  step,
  source,
  channel,
  campaign,
  country,
  device,
  variant,
  visitors,
]: SegmentEntry): SegmentDayCount {
  return { kind, key, step, source, channel, campaign, country, device, variant, visitors };
}

/**
 * A count with the fields a stored count keeps (those of its packed entry, and its membership):
 * a count made from a visitor-day also carries the rest of its attribution (region, city,
 * browser, UTM fields), which is never stored.
 */
export const storedSegmentCount = (count: SegmentCount): SegmentCount => ({
  filter: count.filter,
  value: count.value,
  ...segmentCountOf(segmentEntry(count)),
});

/** The counts of closed days in range inside one membership, with their visitor-level dimensions. */
export function readSegmentDays(
  sql: SqlStorage,
  fromDay: number,
  toDay: number,
  membership: { filter: SegmentFilter; value: string },
): SegmentDayCount[] {
  return sql
    .exec<{ body: string }>(
      "SELECT body FROM segment_day_parts WHERE day BETWEEN ? AND ? AND filter = ? AND bucket = ?",
      fromDay,
      toDay,
      membership.filter,
      bucketOf(membership.value),
    )
    .toArray()
    .flatMap(({ body }) =>
      // Written only by writeSegmentDay and the migrations, from segmentEntry.
      (JSON.parse(body) as [string, ...SegmentEntry][])
        .filter(([value]) => value === membership.value)
        .map(([, ...entry]) => segmentCountOf(entry)),
    );
}

/** Deletes a day's segment counts (a reopened day); returns the rows written. */
export function deleteSegmentDay(sql: SqlStorage, day: number): number {
  return sql.exec("DELETE FROM segment_day_parts WHERE day = ?", day).rowsWritten;
}
