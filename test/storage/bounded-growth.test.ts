import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PackedCounters } from "../../src/storage/packed-counters";
import { getStats, postEventAt, readJson } from "../support/collector";

/**
 * A hostile client sends values that never repeat. Per site and local day each capped dimension
 * keeps 1,000 pages, 300 sources and campaigns, 200 event names, 200 revenue goals and 100
 * variants (docs/capacity.md); later new values count under "(other)" and the report says how
 * many hits went there. Totals stay exact.
 */
interface Report {
  totals: { visitors: number; pageviews: number; events: number };
  goals: { name: string; count: number }[];
  breakdowns: { page: { value: string; pageviews: number }[]; campaign: { value: string; visitors: number }[] };
  other_hits: Record<string, number>;
}

const DAY = "2031-04-10";
const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

async function inWaves(count: number, send: (i: number) => Promise<Response>): Promise<void> {
  for (let first = 0; first < count; first += 100) {
    const statuses = await Promise.all(
      Array.from({ length: Math.min(100, count - first) }, (_, i) => send(first + i).then((r) => r.status)),
    );
    expect(statuses.every((status) => status === 202)).toBe(true);
  }
}

const distinct = (site: string, column: string) =>
  runInDurableObject(env.SITE_STORE.getByName(site), async (instance, state) => {
    // Acknowledged hits may still be in the write log: fold them into the tables first.
    await instance.checkpoint();
    return state.storage.sql.exec<{ n: number }>(`SELECT COUNT(DISTINCT ${column}) AS n FROM hourly_counters`).one().n;
  });

describe("bounded growth", () => {
  it("folds pages and campaigns past the day's caps into (other), exactly counted", { timeout: 120_000 }, async () => {
    const site = "flood.test";
    // 1,300 visitors, each on a page and from a campaign nobody else has.
    await inWaves(1_300, (i) =>
      postEventAt(
        `${DAY}T10:00:00Z`,
        { n: "pageview", u: `https://${site}/unique/${i}?utm_source=s${i}&utm_campaign=c${i}`, d: site },
        { ip: ip(i) },
      ),
    );
    const report = await readJson<Report>(await getStats(site, `from=${DAY}&to=${DAY}&limit=100`));
    expect(report.totals).toEqual({ visitors: 1_300, pageviews: 1_300, events: 0 });
    expect(report.other_hits).toMatchObject({ page: 300, source: 1_000, campaign: 1_000 });
    expect(report.breakdowns.page[0]).toMatchObject({ value: "(other)", pageviews: 300 });
    expect(report.breakdowns.campaign[0]).toMatchObject({ value: "(other)", visitors: 1_000 });
    // What is stored is bounded: 1,000 pages and (other), 300 campaigns and (other).
    expect(await distinct(site, "page")).toBe(1_001);
    expect(await distinct(site, "campaign")).toBe(301);

    // A page seen before the cap keeps counting as itself; the next day starts with fresh caps.
    await postEventAt(`${DAY}T11:00:00Z`, { n: "pageview", u: `https://${site}/unique/7`, d: site }, { ip: ip(7) });
    await postEventAt("2031-04-11T09:00:00Z", { n: "pageview", u: `https://${site}/unique/1299`, d: site }, { ip: ip(1) });
    const again = await readJson<Report>(await getStats(site, `from=${DAY}&to=2031-04-11&page=/unique/7`));
    expect(again.totals.pageviews).toBe(2);
    const nextDay = await readJson<Report>(await getStats(site, "from=2031-04-11&to=2031-04-11"));
    expect(nextDay.breakdowns.page.map((row) => row.value)).toEqual(["/unique/1299"]);
    expect(nextDay.other_hits.page).toBe(0);
  });

  it("folds event names past 200, never a configured goal", { timeout: 60_000 }, async () => {
    const site = "shop.example";
    await inWaves(250, (i) => postEventAt(`${DAY}T10:00:00Z`, { n: `Clicked thing ${i}`, u: `https://${site}/`, d: site }, { ip: ip(i) }));
    const purchase = await postEventAt(
      `${DAY}T10:30:00Z`,
      { n: "purchase", u: `https://${site}/checkout`, d: site, $: { amount: 10, currency: "EUR" } },
      { ip: ip(1) },
    );
    expect(purchase.status).toBe(202);
    const report = await readJson<Report>(await getStats(site, `from=${DAY}&to=${DAY}`));
    expect(report.totals.events).toBe(251);
    expect(report.other_hits.name).toBe(50);
    expect(report.goals.find((goal) => goal.name === "purchase")?.count).toBe(1);
    expect(await distinct(site, "name")).toBe(202); // 200 names, (other) and purchase
  });

  it("counts a day's later hits in coarse form once its counter rows reach the cap", { timeout: 60_000 }, async () => {
    const site = "rows.test";
    const hour = Date.parse(`${DAY}T00:00:00Z`) / 3_600_000;
    await postEventAt(`${DAY}T08:00:00Z`, { n: "pageview", u: `https://${site}/first`, d: site }, { ip: ip(1) });
    // Fill the day up to 25,000 counter rows, as distinct combinations within the caps would.
    await runInDurableObject(env.SITE_STORE.getByName(site), async (instance, state) => {
      await instance.checkpoint();
      // hour, then name, goal, class, page, source, channel, campaign, country, device, variant, currency; then the 13 sums.
      const additions = Array.from({ length: 24_999 }, (_, i) => ({
        key: ["pageview", "", "pageview", `/filler/${i + 1}`, "", "direct", "", "LT", "desktop", "(none)", ""],
        sums: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      }));
      new PackedCounters(state.storage.sql).add("hourly_counters", hour + 1, additions);
    });
    // A new object instance reads the day's row count afresh.
    await runInDurableObject(env.SITE_STORE.getByName(site), (_instance, state) => state.abort("reload")).catch(() => undefined);
    await postEventAt(`${DAY}T09:00:00Z`, { n: "pageview", u: `https://${site}/late?utm_campaign=x`, d: site }, { ip: ip(2) });
    const report = await readJson<Report>(await getStats(site, `from=${DAY}&to=${DAY}&limit=3`));
    expect(report.totals.pageviews).toBe(25_001);
    expect(report.other_hits).toMatchObject({ page: 1, campaign: 1 });
    const late = await readJson<Report>(await getStats(site, `from=${DAY}&to=${DAY}&page=/late`));
    expect(late.totals.pageviews).toBe(0);
  });
});
