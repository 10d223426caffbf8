import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { migrate } from "../../src/storage/migrations";
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
});
