import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DayBuckets } from "../../src/storage/day-buckets";

/**
 * Visitor-days and event ids packed per day in bucket rows, in a real object's SQLite: every key
 * is found again (by this instance, after a flush, and by a new one), no row passes 64 KB, a
 * day's bucket count follows the day before's size, and old days go with their rows.
 */
const inObject = <T>(name: string, run: (sql: SqlStorage) => T) =>
  runInDurableObject(env.SITE_STORE.getByName(name), (_instance, state) => run(state.storage.sql));

const DAY = 21_000;
const stateOf = (i: number) => ({ pages: [`/ページ/${i}`], hits: i % 7, note: "x".repeat(200) });

describe("day buckets", () => {
  it("find every key again, in memory and from a new instance, with no row over 64 KB", { timeout: 60_000 }, async () => {
    await inObject("buckets-keys.test", (sql) => {
      const buckets = new DayBuckets(sql);
      for (let i = 0; i < 5_000; i++) buckets.put("visitor", DAY, `v${i}`, stateOf(i));
      const rows = buckets.flush();
      const stored = sql
        .exec<{ rows: number; largest: number; buckets: number }>(
          "SELECT COUNT(*) AS rows, MAX(length(CAST(body AS BLOB))) AS largest, MAX(buckets) AS buckets FROM day_buckets WHERE day = ?",
          DAY,
        )
        .one();
      expect(rows).toBe(stored.rows);
      // 5,000 states of about 260 bytes in the first day's 16 buckets: parts split at 56 KB.
      expect(stored.buckets).toBe(16);
      expect(stored.rows).toBeGreaterThan(16);
      expect(stored.largest).toBeLessThanOrEqual(64_000);
      expect(buckets.get("visitor", DAY, "v4321")).toEqual(stateOf(4321));
      const fresh = new DayBuckets(sql);
      expect(fresh.get("visitor", DAY, "v17")).toEqual(stateOf(17));
      expect(fresh.get("visitor", DAY, "nobody")).toBeUndefined();
      expect(fresh.get("event", DAY, "v17")).toBeUndefined();
      expect(fresh.entriesOf("visitor", DAY)).toHaveLength(5_000);
      // An update rewrites only the part holding the key.
      fresh.put("visitor", DAY, "v17", { ...stateOf(17), hits: 99 });
      expect(fresh.flush()).toBe(1);
      expect(new DayBuckets(sql).get("visitor", DAY, "v17")).toEqual({ ...stateOf(17), hits: 99 });
    });
  });

  it("size a day's buckets from the day before, and forget old days with their rows", { timeout: 60_000 }, async () => {
    await inObject("buckets-days.test", (sql) => {
      const buckets = new DayBuckets(sql);
      for (let i = 0; i < 5_000; i++) buckets.put("visitor", DAY, `v${i}`, stateOf(i));
      buckets.put("event", DAY, "evt-1", 1);
      buckets.flush();
      buckets.put("visitor", DAY + 1, "w1", stateOf(1));
      buckets.flush();
      // About 1.3 MB the day before: 128 buckets of at most ~16 KB (the smallest power of two).
      expect(sql.exec("SELECT DISTINCT buckets FROM day_buckets WHERE day = ?", DAY + 1).one().buckets).toBe(128);
      expect(buckets.days("visitor").sort()).toEqual([DAY, DAY + 1]);
      expect(buckets.forgetBefore(DAY + 1)).toBeGreaterThan(16);
      expect(buckets.days("visitor")).toEqual([DAY + 1]);
      expect(buckets.get("event", DAY, "evt-1")).toBeUndefined();
      expect(buckets.get("visitor", DAY + 1, "w1")).toEqual(stateOf(1));
    });
  });

  it("leave nothing in memory that a failed transaction rolled back, once told to forget", async () => {
    await runInDurableObject(env.SITE_STORE.getByName("buckets-rollback.test"), (_instance, state) => {
      const buckets = new DayBuckets(state.storage.sql);
      buckets.put("event", DAY, "kept", 1);
      buckets.flush();
      expect(() =>
        state.storage.transactionSync(() => {
          buckets.put("event", DAY, "rolled-back", 1);
          buckets.flush();
          throw new Error("the rest of the checkpoint failed");
        }),
      ).toThrow("the rest of the checkpoint failed");
      buckets.forget();
      expect(buckets.get("event", DAY, "rolled-back")).toBeUndefined();
      expect(buckets.get("event", DAY, "kept")).toBe(1);
    });
  });
});
