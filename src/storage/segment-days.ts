import type { SegmentCount, SegmentDims, SegmentFilter, SegmentKind } from "../domain/visitors/segment-rollup";
import { packRows } from "./packed-rows";

/**
 * The `segment_days` table: a closed day's segment counts (domain/visitors/segment-rollup.ts),
 * packed per membership (a page or a goal) as JSON entries of [kind, key, step, source, channel,
 * campaign, country, device, variant, visitors].
 */
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

/** Writes a day's counts, one packed set of rows per membership; returns the rows written. */
export function writeSegmentDay(sql: SqlStorage, day: number, counts: readonly SegmentCount[]): number {
  const byMembership = new Map<string, { filter: SegmentFilter; value: string; entries: SegmentEntry[] }>();
  for (const count of counts) {
    const id = `${count.filter}\u001f${count.value}`;
    const group = byMembership.get(id) ?? { filter: count.filter, value: count.value, entries: [] };
    byMembership.set(id, group);
    group.entries.push(segmentEntry(count));
  }
  let rowsWritten = 0;
  for (const { filter, value, entries } of byMembership.values()) {
    packRows(entries).forEach((body, part) => {
      rowsWritten += sql.exec(
        "INSERT INTO segment_days (day, filter, value, part, body) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET body = excluded.body",
        day,
        filter,
        value,
        part,
        body,
      ).rowsWritten;
    });
  }
  return rowsWritten;
}

/** The counts of closed days in range inside one membership, with their visitor-level dimensions. */
export function readSegmentDays(
  sql: SqlStorage,
  fromDay: number,
  toDay: number,
  membership: { filter: SegmentFilter; value: string },
): (SegmentDims & { kind: SegmentKind; key: string; step: number; visitors: number })[] {
  return sql
    .exec<{ body: string }>(
      "SELECT body FROM segment_days WHERE day BETWEEN ? AND ? AND filter = ? AND value = ?",
      fromDay,
      toDay,
      membership.filter,
      membership.value,
    )
    .toArray()
    .flatMap(({ body }) =>
      // Written only by writeSegmentDay and the migration, from segmentEntry.
      (JSON.parse(body) as SegmentEntry[]).map(([kind, key, step, source, channel, campaign, country, device, variant, visitors]) => ({
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
      })),
    );
}
