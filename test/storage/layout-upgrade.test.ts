import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DayBuckets } from "../../src/storage/day-buckets";
import { migrate } from "../../src/storage/migrations";
import { readSegmentDays } from "../../src/storage/segment-days";
import { getStats, readJson } from "../support/collector";

/**
 * A deployed object keeps the layout it was written in until its next start; then `migrate` runs
 * in the constructor. Rows written in an old layout must give the same reports after the upgrade.
 */
const SITE = "upgrade.test";
const DAY = "2031-07-01";
const HOUR = Date.parse(`${DAY}T09:00:00Z`) / 3_600_000;

describe("an object written in an older layout", () => {
  it("keeps its revenue when sums move from millionths to minor units (schema version 3 to the latest)", async () => {
    await runInDurableObject(env.SITE_STORE.getByName(SITE), async (instance, state) => {
      // Nothing may be pending in the write log when the tables are dropped below.
      await instance.checkpoint();
      const sql = state.storage.sql;
      // Start over in the layout of version 3, as an object deployed before the change holds it.
      for (const { name, type } of sql
        .exec<{ name: string; type: string }>(
          "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE '_cf_%'",
        )
        .toArray()) {
        sql.exec(`DROP ${type === "view" ? "VIEW" : "TABLE"} "${name}"`);
      }
      migrate(sql, 3);
      const purchase = (page: string, currency: string, micros: number) =>
        sql.exec(
          `INSERT INTO hourly_counters VALUES (?, 'purchase', 'purchase', 'macro', ?, '', 'direct', '', 'NL', 'desktop', '(none)', ?,
             1, 1, 1, 1, 1, 1, 0, 1, 0, 0, ?, 0, 0)`,
          HOUR,
          page,
          currency,
          micros,
        );
      purchase("/a", "EUR", 12_500_000); // 12.50 EUR
      purchase("/b", "EUR", 7_990_000); // 7.99 EUR
      purchase("/c", "JPY", 1_500_000_000); // 1,500 JPY
      purchase("/d", "BHD", 12_345_000); // 12.345 BHD
      migrate(sql);
      const columns = sql
        .exec<{ name: string }>("SELECT name FROM pragma_table_info('hourly_counters')")
        .toArray()
        .map((row) => row.name);
      expect(columns).toContain("revenue_minor");
      expect(columns).not.toContain("revenue_micros");
    });
    const report = await readJson<{ conversions: { macro: { count: number; revenue: Record<string, number> } } }>(
      await getStats(SITE, `from=${DAY}&to=${DAY}`),
    );
    expect(report.conversions.macro).toMatchObject({ count: 4, revenue: { BHD: 12.345, EUR: 20.49, JPY: 1_500 } });
  });

  it("keeps visitor-days, event ids, day aggregates and segment counts when they move into packed rows (schema version 12 to the latest)", async () => {
    await runInDurableObject(env.SITE_STORE.getByName("packing-upgrade.test"), async (instance, state) => {
      await instance.checkpoint();
      const sql = state.storage.sql;
      for (const { name, type } of sql
        .exec<{ name: string; type: string }>(
          "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE '_cf_%'",
        )
        .toArray()) {
        sql.exec(`DROP ${type === "view" ? "VIEW" : "TABLE"} "${name}"`);
      }
      // Version 12: counters packed; visitor-days, event ids and day aggregates still a row each.
      migrate(sql, 12);
      const day = 22_000;
      const visitorState = { pages: ["/a", "/b"], goals: [], source: "(none)", channel: "direct", lastSeen: 1 };
      sql.exec("INSERT INTO visitors (vid, day, state) VALUES ('0123456789abcdef', ?, ?)", day, JSON.stringify(visitorState));
      sql.exec("INSERT INTO visitors (vid, day, state) VALUES ('fedcba9876543210', ?, ?)", day - 1, JSON.stringify(visitorState));
      sql.exec("INSERT INTO seen_events (id, day) VALUES ('evt-7', ?)", day);
      // kind, key, step, source, channel, campaign, country, device, variant, visitors
      sql.exec(
        "INSERT INTO segment_days (day, filter, value, part, body) VALUES (?, 'page', '/a', 0, ?), (?, 'page', '/b', 0, ?)",
        day - 2,
        JSON.stringify([["funnel", "checkout", 1, "(none)", "direct", "(none)", "LT", "desktop", "(none)", 4]]),
        day - 2,
        JSON.stringify([["funnel", "checkout", 1, "(none)", "direct", "(none)", "LT", "desktop", "(none)", 9]]),
      );
      sql.exec(
        `INSERT INTO day_dimensions VALUES ('page', ?, '/a', 'pageview', 'pageview', '', 3, 2, 0, 0, 0, 0),
                                          ('page', ?, '/b', 'event', 'macro', 'EUR', 1, 1, 1, 1250, 0, 0)`,
        day,
        day,
      );
      migrate(sql);
      expect(sql.exec("SELECT vid, day FROM visitors ORDER BY vid").toArray()).toEqual([
        { vid: "0123456789abcdef", day },
        { vid: "fedcba9876543210", day: day - 1 },
      ]);
      const buckets = new DayBuckets(sql);
      expect(buckets.get("visitor", day, "0123456789abcdef")).toEqual(visitorState);
      expect(buckets.get("visitor", day, "fedcba9876543210")).toBeUndefined();
      expect(buckets.get("event", day, "evt-7")).toBe(1);
      expect(readSegmentDays(sql, day - 2, day - 2, { filter: "page", value: "/a" })).toEqual([
        {
          kind: "funnel",
          key: "checkout",
          step: 1,
          source: "(none)",
          channel: "direct",
          campaign: "(none)",
          country: "LT",
          device: "desktop",
          variant: "(none)",
          visitors: 4,
        },
      ]);
      expect(sql.exec("SELECT * FROM day_dimensions ORDER BY value").toArray()).toEqual([
        {
          dimension: "page",
          day,
          value: "/a",
          kind: "pageview",
          class: "pageview",
          currency: "",
          hits: 3,
          visitors: 2,
          class_visitors: 0,
          revenue_minor: 0,
          scroll_depth_sum: 0,
          engaged_ms: 0,
        },
        {
          dimension: "page",
          day,
          value: "/b",
          kind: "event",
          class: "macro",
          currency: "EUR",
          hits: 1,
          visitors: 1,
          class_visitors: 1,
          revenue_minor: 1250,
          scroll_depth_sum: 0,
          engaged_ms: 0,
        },
      ]);
      expect(
        sql
          .exec(
            "SELECT name FROM sqlite_master WHERE name IN ('visitors', 'seen_events', 'day_dimensions', 'segment_days') AND type = 'table'",
          )
          .toArray(),
      ).toEqual([]);
    });
  });
});
