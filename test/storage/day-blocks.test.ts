import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getStats, postEventAt, readJson, type Sender, STATS_TOKEN } from "../support/collector";
import { alarmAt, DAY_MS, isoDay, keepDaysInTables, sqlRows, siteStore as store } from "../support/site-store";

/**
 * Blocks of closed days' aggregates (src/storage/day-blocks.ts): long reports read a few blocks
 * per dimension instead of every day, and must read exactly what the days (and the live
 * counters) give. The daily maintenance is driven by calling the object's alarm at a chosen time.
 */

afterEach(() => {
  vi.useRealTimers();
});

/** The page dimension's blocks, as [level, first day]. */
const pageBlocks = async (site: string) =>
  (await sqlRows(site, "SELECT DISTINCT level, start_day FROM day_block_parts WHERE dimension = 'page' ORDER BY start_day, level")).map(
    (row) => [row.level, row.start_day],
  );

interface Report {
  totals: { visitors: number; pageviews: number; events: number };
  timeseries: { t: string; visitors: number; pageviews: number }[];
  breakdowns: Record<string, { value: string; visitors: number; pageviews: number }[]>;
  [other: string]: unknown;
}
const report = async (site: string, query: string) => {
  const response = await getStats(site, query);
  expect(response.status, query).toBe(200);
  return readJson<Report>(response);
};
const pages = (read: Report) => read.breakdowns.page?.map((row) => [row.value, row.visitors, row.pageviews]);

/** Everything but the timeseries: what an hourly read (always live from the counters) must agree on. */
const sums = ({ timeseries: _timeseries, range: _range, ...rest }: Report) => rest;

// 16 days from a day number divisible by 32: the blocks of 4 and 16 days align with them, and
// every longer block holding them ends after them (it is not due when they close).
const D0 = Math.ceil(Date.parse("2032-07-01T00:00:00Z") / DAY_MS / 32) * 32;
const at = (day: number, time: string) => `${isoDay(day)}T${time}Z`;
/**
 * The page blocks worth building once the 16 days are closed (a read would otherwise open 4
 * pieces): of 4 days (from 4 days) and of 16 (from 4 blocks of 4); those of 2 and 8 days would
 * save opening 2 pieces and are left out.
 */
const EVERY_BLOCK = [
  [2, D0],
  [4, D0],
  [2, D0 + 4],
  [2, D0 + 8],
  [2, D0 + 12],
];

/**
 * Day D0 + d: visitor V_d views "/" then /p(d mod 3); visitor W_d views /p(d mod 3). Two visitors
 * and three pageviews a day; every visitor is new each day (daily uniques add up over days).
 */
async function sendDays(site: string): Promise<void> {
  const pageview = (path: string) => ({ n: "pageview", u: `https://${site}${path}`, d: site });
  for (let d = 0; d < 16; d++) {
    const v: Sender = { ip: `198.51.100.${100 + d}`, country: "DE" };
    const w: Sender = { ip: `198.51.100.${150 + d}`, country: "FR" };
    await postEventAt(at(D0 + d, "09:00:00"), pageview("/"), v);
    await postEventAt(at(D0 + d, "09:01:00"), pageview(`/p${d % 3}`), v);
    await postEventAt(at(D0 + d, "15:00:00"), pageview(`/p${d % 3}`), w);
  }
}

describe("day blocks", () => {
  it("cover long ranges with a few blocks that read exactly what the days give", { timeout: 90_000 }, async () => {
    const site = "blocks.test";
    await keepDaysInTables(site);
    await sendDays(site);
    const whole = `from=${isoDay(D0)}&to=${isoDay(D0 + 15)}`;
    const live = await report(site, whole);
    const inner = `from=${isoDay(D0 + 1)}&to=${isoDay(D0 + 14)}`;
    const sources = async () => readJson(await getStats(`${site}/channels`, `${inner}&by=source`));
    const liveSources = await sources();

    // Two days after the last: every block ending on D0 + 15 is due, those worth building built.
    await alarmAt(site, at(D0 + 17, "00:01:00"));
    expect(await pageBlocks(site)).toEqual(EVERY_BLOCK);

    // Each small day keeps its dimensions in one row ('*'), which the view of the old table reads
    // as rows per dimension: day 0 has "/" once and /p0 twice.
    expect(await sqlRows(site, "SELECT DISTINCT dimension FROM day_dimension_parts")).toEqual([{ dimension: "*" }]);
    expect(
      await sqlRows(site, `SELECT value, hits, visitors FROM day_dimensions WHERE dimension = 'page' AND day = ${D0} ORDER BY value`),
    ).toEqual([
      { value: "/", hits: 1, visitors: 1 },
      { value: "/p0", hits: 2, visitors: 2 },
    ]);

    // 16 days × 2 visitors and 3 pageviews; "/" once a day; /p0 on days 0, 3, 6, 9, 12, 15 (6 days
    // × 2 visitors), /p1 on 1, 4, 7, 10, 13 and /p2 on 2, 5, 8, 11, 14 (5 days × 2 each).
    const closed = await report(site, whole);
    expect(closed.totals).toEqual({ visitors: 32, pageviews: 48, events: 0 });
    expect(pages(closed)).toEqual([
      ["/", 16, 16],
      ["/p0", 12, 12],
      ["/p1", 10, 10],
      ["/p2", 10, 10],
    ]);
    expect(closed).toEqual(live);
    expect(sums(await report(site, `${whole}&interval=hour`))).toEqual(sums(closed));

    // A range cutting blocks: days 1-3, the block of days 4-7, the block of days 8-11, days 12-14.
    // "/" 14 days; /p0 on days 3, 6, 9, 12; /p1 on 1, 4, 7, 10, 13; /p2 on 2, 5, 8, 11, 14.
    const cut = await report(site, inner);
    expect(cut.totals).toEqual({ visitors: 28, pageviews: 42, events: 0 });
    expect(pages(cut)).toEqual([
      ["/", 14, 14],
      ["/p1", 10, 10],
      ["/p2", 10, 10],
      ["/p0", 8, 8],
    ]);
    expect(sums(await report(site, `${inner}&interval=hour`))).toEqual(sums(cut));
    // The channels endpoint reads the same blocks for its sources.
    expect(await sources()).toEqual(liveSources);
  });

  it("are dropped when a late hit lands in one of their days, and built again at the next close", { timeout: 90_000 }, async () => {
    const site = "blocks-late.test";
    await keepDaysInTables(site);
    await sendDays(site);
    await alarmAt(site, at(D0 + 17, "00:01:00"));
    const whole = `from=${isoDay(D0)}&to=${isoDay(D0 + 15)}`;

    // A server-side sender forwards, on the morning of day 6, a pageview of the evening of day 5.
    const late = await postEventAt(
      at(D0 + 6, "08:00:00"),
      { n: "pageview", u: `https://${site}/late`, d: site, ts: Date.parse(at(D0 + 5, "22:00:00")) },
      { ip: "203.0.113.250", headers: { "x-forwarded-for": "198.51.100.240", authorization: `Bearer ${STATS_TOKEN}` } },
    );
    expect(late.status).toBe(202);
    // The blocks holding day 5 (days 4-7, days 0-15) are gone; the others stay.
    expect(await pageBlocks(site)).toEqual([
      [2, D0],
      [2, D0 + 8],
      [2, D0 + 12],
    ]);
    const reopened = await report(site, whole);
    expect(reopened.totals).toEqual({ visitors: 33, pageviews: 49, events: 0 });
    expect(pages(reopened)?.find(([value]) => value === "/late")).toEqual(["/late", 1, 1]);

    await alarmAt(site, at(D0 + 17, "00:02:00"));
    expect(await pageBlocks(site)).toEqual(EVERY_BLOCK);
    expect(await report(site, whole)).toEqual(reopened);
  });

  it("are built for every closed day of an object upgraded from before them", { timeout: 90_000 }, async () => {
    const site = "blocks-upgrade.test";
    await keepDaysInTables(site);
    await sendDays(site);
    await alarmAt(site, at(D0 + 17, "00:01:00"));
    const whole = `from=${isoDay(D0)}&to=${isoDay(D0 + 15)}`;
    const before = await report(site, whole);
    // As the migration leaves an object that had aggregated days and no blocks.
    await runInDurableObject(store(site), (_instance, state) => {
      state.storage.sql.exec("DELETE FROM day_block_parts");
      state.storage.sql.exec("INSERT INTO site_settings (key, value) VALUES ('day_blocks_upgrade', '1')");
    });
    expect(await pageBlocks(site)).toEqual([]);
    expect(await report(site, whole)).toEqual(before);
    // A later close, with nothing new to aggregate, builds them all.
    await alarmAt(site, at(D0 + 30, "00:01:00"));
    expect((await pageBlocks(site)).length).toBe(5);
    expect(await report(site, whole)).toEqual(before);
    expect(await sqlRows(site, "SELECT value FROM site_settings WHERE key = 'day_blocks_upgrade'")).toEqual([]);
  });
});
