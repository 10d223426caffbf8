import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PackedCounters } from "../../src/storage/packed-counters";

/**
 * The packed counter store on its own, in a real object's SQLite: parts stay under 64 KB (in
 * UTF-8 bytes, with non-ASCII values and sums that grow), additions merge with what is stored
 * whether or not the hour is in memory, and the view reads the same rows a plain table held.
 */
const inObject = <T>(name: string, run: (sql: SqlStorage) => T) =>
  runInDurableObject(env.SITE_STORE.getByName(name), (_instance, state) => run(state.storage.sql));

// name, goal, class, page, source, channel, campaign, country, device, variant, currency
const keyFor = (page: string) => ["pageview", "", "pageview", page, "(none)", "direct", "(none)", "LT", "desktop", "(none)", ""];
// hits, visitors, hour_visitors, page/goal/class/variant visitors, visits, bounces, duration, revenue, scroll, engaged
const sums = (n: number) => [n, n, n, n, 0, 0, 0, n, 0, 0, 0, 0, 0];
const HOUR = 500_000;

const partSizes = (sql: SqlStorage, hour: number) =>
  sql
    .exec<{ bytes: number }>("SELECT length(CAST(body AS BLOB)) AS bytes FROM hourly_counters_parts WHERE hour = ? ORDER BY part", hour)
    .toArray()
    .map((row) => row.bytes);

const totals = (sql: SqlStorage, hour: number) =>
  sql
    .exec<{ keys: number; hits: number; visits: number }>(
      "SELECT COUNT(*) AS keys, SUM(hits) AS hits, SUM(visits) AS visits FROM hourly_counters WHERE hour = ?",
      hour,
    )
    .one();

describe("packed counters", () => {
  it("keep every part under 64 KB of UTF-8, with non-ASCII pages and sums that grow", { timeout: 60_000 }, async () => {
    await inObject("packed-sizes.test", (sql) => {
      const counters = new PackedCounters(sql);
      // 3,000 pages of 3-byte characters: about 1 MB of entries.
      const pages = Array.from({ length: 3_000 }, (_, i) => `/日本語のページ/${"語".repeat(40)}/${i}`);
      const first = counters.add(
        "hourly_counters",
        HOUR,
        pages.map((page) => ({ key: keyFor(page), sums: sums(1) })),
      );
      expect(first.newKeys).toBe(3_000);
      const parts = partSizes(sql, HOUR);
      expect(parts.length).toBeGreaterThan(10);
      expect(first.rowsWritten).toBe(parts.length);
      expect(Math.max(...parts)).toBeLessThanOrEqual(64_000);
      // Every sum of every entry grows by nine digits: parts are split as they are written.
      const grown = counters.add(
        "hourly_counters",
        HOUR,
        pages.map((page) => ({ key: keyFor(page), sums: sums(1_000_000_000) })),
      );
      expect(grown.newKeys).toBe(0);
      expect(Math.max(...partSizes(sql, HOUR))).toBeLessThanOrEqual(64_000);
      expect(partSizes(sql, HOUR).length).toBeGreaterThan(parts.length);
      expect(totals(sql, HOUR)).toEqual({ keys: 3_000, hits: 3_000 * 1_000_000_001, visits: 3_000 * 1_000_000_001 });
    });
  });

  it("merge additions with what is stored, whether the hour is in memory, evicted, or read by a new instance", async () => {
    await inObject("packed-merge.test", (sql) => {
      // Room for about one hour of 80 keys in memory: the others are evicted and read back.
      const counters = new PackedCounters(sql, { maxCachedEntries: 100 });
      for (const hour of [HOUR, HOUR + 1, HOUR + 2]) {
        counters.add(
          "hourly_counters",
          hour,
          Array.from({ length: 80 }, (_, i) => ({ key: keyFor(`/p/${i}`), sums: sums(1) })),
        );
      }
      // The first hour was evicted; half its keys again, and 10 new ones.
      const again = counters.add(
        "hourly_counters",
        HOUR,
        Array.from({ length: 50 }, (_, i) => ({ key: keyFor(`/p/${i + 40}`), sums: sums(2) })),
      );
      expect(again.newKeys).toBe(10);
      // keys 0-89; hits 80 × 1 + 50 × 2.
      expect(totals(sql, HOUR)).toEqual({ keys: 90, hits: 180, visits: 180 });
      // A new instance (a restarted object) merges with the stored parts too.
      const restarted = new PackedCounters(sql);
      expect(restarted.add("hourly_counters", HOUR + 1, [{ key: keyFor("/p/0"), sums: sums(5) }]).newKeys).toBe(0);
      expect(totals(sql, HOUR + 1)).toEqual({ keys: 80, hits: 85, visits: 85 });
      expect(sql.exec("SELECT hits FROM hourly_counters WHERE hour = ? AND page = '/p/0'", HOUR + 1).one().hits).toBe(6);
    });
  });

  it("fold a day's hours into its first hour, same keys summed, and delete their parts", async () => {
    await inObject("packed-fold.test", (sql) => {
      const counters = new PackedCounters(sql);
      const day = 24 * 20_000;
      counters.add("funnel_counters", day + 3, [
        { key: ["checkout", 1, "(none)", "direct", "(none)", "LT", "desktop", "(none)"], sums: [2] },
      ]);
      counters.add("funnel_counters", day + 9, [
        { key: ["checkout", 1, "(none)", "direct", "(none)", "LT", "desktop", "(none)"], sums: [3] },
        { key: ["checkout", 2, "(none)", "direct", "(none)", "LT", "desktop", "(none)"], sums: [1] },
      ]);
      counters.foldInto("funnel_counters", day, day + 23);
      const rows = sql.exec("SELECT hour, funnel, step, visitors FROM funnel_counters ORDER BY step").toArray();
      expect(rows).toEqual([
        { hour: day, funnel: "checkout", step: 1, visitors: 5 },
        { hour: day, funnel: "checkout", step: 2, visitors: 1 },
      ]);
      expect(sql.exec("SELECT DISTINCT hour FROM funnel_counters_parts").toArray()).toEqual([{ hour: day }]);
    });
  });
});
