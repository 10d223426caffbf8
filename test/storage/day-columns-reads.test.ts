import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buildRecordedHit } from "../../src/domain/ingest/recorded-hit";
import { unconfiguredSite } from "../../src/domain/site/site";
import { daysWithColumns, writeDayColumns } from "../../src/storage/day-columns";
import { getStats, postEventAt, readJson, type Sender } from "../support/collector";
import { incomingHit } from "../support/incoming-hit";
import { requestContext } from "../support/request-context";
import { alarmAt, DAY_MS, isoDay, siteStore as store } from "../support/site-store";

/**
 * Closed days' columns (src/storage/day-columns.ts) in the reads: filtered reports, variants and
 * filtered channels take closed days from them, and must answer exactly what the hours give.
 */

afterEach(() => {
  vi.useRealTimers();
});

const columnDays = (site: string, from: number, to: number) =>
  runInDurableObject(store(site), async (instance, state) => {
    await instance.checkpoint();
    return daysWithColumns(state.storage.sql, from, to);
  });

interface Report {
  totals: { visitors: number; pageviews: number; events: number };
  conversions: { macro: { count: number; visitors: number; revenue: Record<string, number> } };
  breakdowns: Record<string, { value: string; visitors: number; pageviews: number }[]>;
}
const read = async (path: string, query: string) => {
  const response = await getStats(path, query);
  expect(response.status, `${path}?${query}: ${response.status === 200 ? "" : await response.clone().text()}`).toBe(200);
  return readJson<Report>(response);
};

const D0 = Math.floor(Date.parse("2032-09-01T00:00:00Z") / DAY_MS);
const at = (day: number, time: string) => `${isoDay(day)}T${time}Z`;

describe("day columns in reads", () => {
  it("give filtered reports, variants and channels exactly what the hours give, and are what is read", { timeout: 90_000 }, async () => {
    const site = "columns.test";
    const hit = (name: string, path: string, extra: Record<string, unknown> = {}) => ({
      n: name,
      u: `https://${site}${path}`,
      d: site,
      ...extra,
    });
    // Days 0-2: each day a German visitor views /a (variant blue) then buys for 30 EUR, a French
    // visitor views /a and /b (variant green).
    for (let d = 0; d < 3; d++) {
      const de: Sender = { ip: `198.51.100.${10 + d}`, country: "DE" };
      const fr: Sender = { ip: `198.51.100.${20 + d}`, country: "FR" };
      await postEventAt(at(D0 + d, "10:00:00"), hit("pageview", "/a", { p: { variant: "blue" } }), de);
      await postEventAt(at(D0 + d, "10:05:00"), hit("purchase", "/checkout", { $: { amount: 30, currency: "EUR" } }), de);
      await postEventAt(at(D0 + d, "11:00:00"), hit("pageview", "/a", { p: { variant: "green" } }), fr);
      await postEventAt(at(D0 + d, "11:01:00"), hit("pageview", "/b"), fr);
    }
    await alarmAt(site, at(D0 + 4, "00:01:00"));
    // Small days: read from their hours, no column copy at the close.
    expect(await columnDays(site, D0, D0 + 2)).toEqual([]);

    const range = `from=${isoDay(D0)}&to=${isoDay(D0 + 2)}`;
    const reads = () =>
      Promise.all([
        read(site, `${range}&country=DE`),
        read(site, `${range}&page=/b`),
        read(site, `${range}&country=FR&page=/a`),
        read(`${site}/variants`, range),
        read(`${site}/channels`, `${range}&by=source&country=DE`),
      ]);
    const fromHours = await reads();
    // By hand: DE is one visitor a day (3), 3 pageviews of /a, 3 purchases of 30 EUR.
    expect(fromHours[0]?.totals).toEqual({ visitors: 3, pageviews: 3, events: 3 });
    expect(fromHours[0]?.conversions.macro.count).toBe(3);
    expect(fromHours[0]?.conversions.macro.revenue).toEqual({ EUR: 90 });
    // /b: the French visitor of each day.
    expect(fromHours[1]?.totals).toEqual({ visitors: 3, pageviews: 3, events: 0 });

    // Columns written for the closed days (as the close does for large days), then the hours of
    // days 0 and 1 are removed: their figures can now come only from the columns, unchanged.
    await runInDurableObject(store(site), (_instance, state) => {
      for (let d = 0; d < 3; d++) writeDayColumns(state.storage.sql, D0 + d);
    });
    expect(await columnDays(site, D0, D0 + 2)).toEqual([D0, D0 + 1, D0 + 2]);
    await runInDurableObject(store(site), (_instance, state) => {
      state.storage.sql.exec("DELETE FROM hourly_counters_parts WHERE hour BETWEEN ? AND ?", D0 * 24, (D0 + 2) * 24 - 1);
    });
    expect(await reads()).toEqual(fromHours);
  });

  it("are written at the close for a day of many counters, and dropped with the day's aggregates when it reopens", {
    timeout: 90_000,
  }, async () => {
    const name = "columns-big.test";
    const site = unconfiguredSite(name);
    // 1,200 pageviews of distinct pages by 40 visitors in one hour: about 1,200 counter entries,
    // well over the 100,000 packed bytes from which a day gets columns.
    await Promise.all(
      Array.from({ length: 1_200 }, (_, i) =>
        store(name).record(
          buildRecordedHit(
            site,
            { ...incomingHit("pageview", `https://${name}/products/item-${i}`), url: new URL(`https://${name}/products/item-${i}`) },
            requestContext(Date.parse(at(D0, "12:00:00")) + i, { country: "NL" }),
          ),
          { ip: `198.51.100.${i % 40}`, userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0" },
        ),
      ),
    );
    const range = `from=${isoDay(D0)}&to=${isoDay(D0)}&page=/products/item-7`;
    const before = await read(name, range);
    expect(before.totals).toEqual({ visitors: 1, pageviews: 1, events: 0 });
    await alarmAt(name, at(D0 + 1, "00:01:00"));
    expect(await columnDays(name, D0, D0)).toEqual([D0]);
    expect(await read(name, range)).toEqual(before);

    // A hit a trusted sender dated back reopens the day: its columns go with its aggregates.
    await runInDurableObject(store(name), async (instance) => {
      await instance.record(
        buildRecordedHit(
          site,
          { ...incomingHit("pageview", `https://${name}/products/item-7`), url: new URL(`https://${name}/products/item-7`) },
          requestContext(Date.parse(at(D0, "23:00:00")), { country: "NL" }),
        ),
        { ip: "198.51.100.200", userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0" },
      );
    });
    expect(await columnDays(name, D0, D0)).toEqual([]);
    expect((await read(name, range)).totals).toEqual({ visitors: 2, pageviews: 2, events: 0 });
    await alarmAt(name, at(D0 + 1, "00:02:00"));
    expect(await columnDays(name, D0, D0)).toEqual([D0]);
    expect((await read(name, range)).totals).toEqual({ visitors: 2, pageviews: 2, events: 0 });
  });
});
