import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { firstHourOfDay, lastHourOfDay } from "../../src/domain/time/utc-time";
import { daysWithColumns, deleteDayColumns, scanDayColumns, writeDayColumns } from "../../src/storage/day-columns";
import { PackedCounters, scanEntries } from "../../src/storage/packed-counters";

/**
 * Writing, rewriting and deleting a day's column parts, in a real object's SQLite: rows written
 * are the parts deleted and inserted, a rewrite leaves no part of the old copy, and a day of more
 * distinct pages than 16-bit codes count stays in parts under 60,000 bytes and reads back whole.
 */
const inObject = <T>(name: string, run: (sql: SqlStorage) => T) =>
  runInDurableObject(env.SITE_STORE.getByName(name), (_instance, state) => run(state.storage.sql));

const DAY = 20_500;
// name, goal, class, page, source, channel, campaign, country, device, variant, currency
const keyFor = (page: string, country = "DE") => [
  "pageview",
  "",
  "pageview",
  page,
  "(none)",
  "direct",
  "(none)",
  country,
  "desktop",
  "(none)",
  "",
];
// hits, visitors, hour_visitors, page/goal/class/variant visitors, visits, bounces, duration, revenue, scroll, engaged
const sums = (n: number) => [n, n, n, n, 0, 0, 0, n, 0, 0, 0, 0, 0];

const partsOf = (sql: SqlStorage, day: number) =>
  sql
    .exec<{ part: number; bytes: number }>("SELECT part, length(body) AS bytes FROM day_column_parts WHERE day = ? ORDER BY part", day)
    .toArray();
const sorted = (entries: Iterable<{ hour: number; entry: readonly SqlStorageValue[] }>) =>
  [...entries].map(({ hour, entry }) => JSON.stringify([hour, ...entry])).sort();
const packedDay = (sql: SqlStorage, day: number, equal: [string, SqlStorageValue][] = []) =>
  sorted(scanEntries(sql, "hourly_counters", firstHourOfDay(day), lastHourOfDay(day), equal));

function addPages(sql: SqlStorage, day: number, pages: readonly string[], hourOf = (index: number) => index % 24): void {
  const counters = new PackedCounters(sql);
  const byHour = new Map<number, string[]>();
  pages.forEach((page, index) => {
    const list = byHour.get(hourOf(index)) ?? [];
    byHour.set(hourOf(index), list);
    list.push(page);
  });
  for (const [hour, list] of byHour)
    counters.add(
      "hourly_counters",
      firstHourOfDay(day) + hour,
      list.map((page, index) => ({ key: keyFor(page, index % 7 === 0 ? "FR" : "DE"), sums: sums(index + 1) })),
    );
}

describe("day columns", () => {
  it("return the parts written as rows written, and read back the day's entries", async () => {
    await inObject("day-columns-write.test", (sql) => {
      addPages(
        sql,
        DAY,
        Array.from({ length: 4_000 }, (_, i) => `/products/${"ü".repeat(i % 50)}/${i}`),
      );
      const rowsWritten = writeDayColumns(sql, DAY);
      const parts = partsOf(sql, DAY);
      expect(parts.length).toBeGreaterThan(1);
      expect(rowsWritten).toBe(parts.length);
      expect(parts.map(({ part }) => part)).toEqual(parts.map((_, index) => index));
      expect(Math.max(...parts.map(({ bytes }) => bytes))).toBeLessThanOrEqual(60_000);
      expect(daysWithColumns(sql, DAY - 5, DAY + 5)).toEqual([DAY]);
      expect(sorted(scanDayColumns(sql, DAY, DAY))).toEqual(packedDay(sql, DAY));
      expect(sorted(scanDayColumns(sql, DAY, DAY, [["country", "FR"]]))).toEqual(packedDay(sql, DAY, [["country", "FR"]]));
      // The day before and after have no columns, and a range of them yields nothing.
      expect([...scanDayColumns(sql, DAY + 1, DAY + 9)]).toEqual([]);
    });
  });

  it("replace a day's parts when written again, and delete them", async () => {
    await inObject("day-columns-rewrite.test", (sql) => {
      addPages(
        sql,
        DAY,
        Array.from({ length: 3_000 }, (_, i) => `/${"長い".repeat(30)}/${i}`),
      );
      expect(writeDayColumns(sql, DAY)).toBeGreaterThan(2);
      // The day shrinks to its first hour's entries: the rewrite deletes every old part.
      sql.exec("DELETE FROM hourly_counters_parts WHERE hour > ?", firstHourOfDay(DAY));
      const before = partsOf(sql, DAY).length;
      const rewritten = writeDayColumns(sql, DAY);
      const after = partsOf(sql, DAY).length;
      expect(after).toBeLessThan(before);
      expect(rewritten).toBe(before + after);
      expect(sorted(scanDayColumns(sql, DAY, DAY))).toEqual(packedDay(sql, DAY));
      expect(deleteDayColumns(sql, DAY)).toBe(after);
      expect(partsOf(sql, DAY)).toEqual([]);
      expect(daysWithColumns(sql, DAY, DAY)).toEqual([]);
      expect([...scanDayColumns(sql, DAY, DAY)]).toEqual([]);
      expect(deleteDayColumns(sql, DAY)).toBe(0);
    });
  });

  it("write nothing for a day without entries, and remove its old parts", async () => {
    await inObject("day-columns-empty.test", (sql) => {
      expect(writeDayColumns(sql, DAY)).toBe(0);
      addPages(sql, DAY, ["/a", "/b"]);
      expect(writeDayColumns(sql, DAY)).toBe(1);
      sql.exec("DELETE FROM hourly_counters_parts");
      expect(writeDayColumns(sql, DAY)).toBe(1);
      expect(daysWithColumns(sql, DAY, DAY)).toEqual([]);
    });
  });

  it("hold a day of more distinct pages than 16-bit codes count, in parts under 60,000 bytes", { timeout: 120_000 }, async () => {
    await inObject("day-columns-distinct.test", (sql) => {
      const pages = Array.from({ length: 70_000 }, (_, i) => `/p/${i}`);
      addPages(sql, DAY, pages);
      writeDayColumns(sql, DAY);
      const parts = partsOf(sql, DAY);
      expect(Math.max(...parts.map(({ bytes }) => bytes))).toBeLessThanOrEqual(60_000);
      expect(sorted(scanDayColumns(sql, DAY, DAY))).toEqual(packedDay(sql, DAY));
      // One page of the 70,000: found in its part, the others skipped on their dictionaries.
      expect(sorted(scanDayColumns(sql, DAY, DAY, [["page", "/p/65537"]]))).toEqual(packedDay(sql, DAY, [["page", "/p/65537"]]));
      expect([...scanDayColumns(sql, DAY, DAY, [["page", "/p/65537"]])]).toHaveLength(1);
    });
  });

  it("leave a day out when an entry cannot fit a part, so it is read from its hours", async () => {
    await inObject("day-columns-oversized.test", (sql) => {
      addPages(sql, DAY, ["/a"]);
      writeDayColumns(sql, DAY);
      expect(daysWithColumns(sql, DAY, DAY)).toEqual([DAY]);
      // Longer than ingestion lets a page be: the day can no longer be held in columns.
      addPages(sql, DAY, [`/${"x".repeat(61_000)}`]);
      expect(writeDayColumns(sql, DAY)).toBe(1);
      expect(daysWithColumns(sql, DAY, DAY)).toEqual([]);
    });
  });
});
