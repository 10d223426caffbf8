import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { migrate } from "../../src/storage/migrations";
import { getStats, postEventAt, readJson, type Sender, STATS_TOKEN, USER_AGENTS } from "../support/collector";
import { alarmAt, keepDaysInTables, sqlRows, siteStore as store } from "../support/site-store";

/**
 * Per-day aggregates (src/storage/day-aggregates.ts): a closed day's report rows are summed from
 * them instead of the hourly counters, and every report must stay exactly what the counters give.
 * The daily maintenance is driven by calling the object's alarm at a chosen time.
 */

afterEach(() => {
  vi.useRealTimers();
});

/** Aggregated days of 2032 (the days this file's hits fall on). */
const aggregatedDays = async (site: string) =>
  (await sqlRows(site, `SELECT day FROM aggregated_days WHERE day >= ${dayNumber("2032-01-01")} ORDER BY day`)).map((row) => row.day);
const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000;

interface Rate {
  count: number;
  visitors: number;
  conversion_rate: number;
}
interface Report {
  totals: { visitors: number; pageviews: number; events: number };
  conversions: { macro: Rate & { revenue: Record<string, number> }; micro: Rate };
  goals: (Rate & { name: string; class: string; stage?: string; revenue: Record<string, number> })[];
  timeseries: { t: string; visitors: number; pageviews: number; micro: number; macro: number }[];
  breakdowns: Record<string, Record<string, unknown>[]>;
  engagement: { visits: number; pages_per_visit: number; visit_duration_s: number; bounce_rate: number };
  other_hits: Record<string, number>;
}
const report = async (site: string, query: string) => {
  const response = await getStats(site, query);
  expect(response.status, query).toBe(200);
  return readJson<Report>(response);
};

/**
 * shop.example's goals (test/fixtures): purchase (macro), product_page (micro milestone, any
 * /products/* page), add_to_cart (milestone), newsletter_signup (secondary).
 * Visitors: A desktop DE, B mobile FR, C desktop DE.
 */
const SHOP = "shop.example";
const A: Sender = { ip: "198.51.100.21", userAgent: USER_AGENTS.windowsChrome, country: "DE" };
const B: Sender = { ip: "198.51.100.22", userAgent: USER_AGENTS.iPhoneSafari, country: "FR" };
const C: Sender = { ip: "198.51.100.23", userAgent: USER_AGENTS.linuxFirefox, country: "DE" };
const hit = (name: string, path: string, extra: Record<string, unknown> = {}) => ({
  n: name,
  u: `https://${SHOP}${path}`,
  d: SHOP,
  ...extra,
});

// D1 = 2032-04-01, D2 = 2032-04-02, D3 = 2032-04-03 (UTC, the site's zone).
const STREAM: [string, unknown, Sender][] = [
  ["2032-04-01T09:00:00Z", hit("pageview", "/", { r: "https://www.google.com/" }), A], //  1 A: organic_search, google.com
  ["2032-04-01T09:02:00Z", hit("pageview", "/products/shoe"), A], //                       2 A: product_page (micro)
  ["2032-04-01T09:03:00Z", hit("purchase", "/checkout", { $: { amount: 40, currency: "EUR" } }), A], // 3 A: macro 40 EUR
  ["2032-04-01T09:04:00Z", hit("engagement", "/checkout", { sd: 60, e: 20_000 }), A], //   4 A: engagement report
  ["2032-04-01T14:00:00Z", hit("pageview", "/?utm_source=newsletter&utm_medium=email&utm_campaign=spring"), B], // 5 B: email
  ["2032-04-01T14:01:00Z", hit("newsletter_signup", "/"), B], //                           6 B: micro secondary
  ["2032-04-02T10:00:00Z", hit("pageview", "/products/hat", { r: "https://t.co/x" }), C], // 7 C: organic_social, micro
  ["2032-04-02T10:01:00Z", hit("add_to_cart", "/products/hat"), C], //                     8 C: micro
  ["2032-04-02T10:02:00Z", hit("purchase", "/checkout", { $: { amount: 25, currency: "USD" } }), C], // 9 C: macro 25 USD
  ["2032-04-02T18:00:00Z", hit("pageview", "/"), A], //                                    10 A: direct, a bounce
  ["2032-04-03T08:00:00Z", hit("pageview", "/products/shoe"), B], //                       11 B: direct, micro
  ["2032-04-03T08:01:00Z", hit("purchase", "/checkout", { $: { amount: 15, currency: "EUR" } }), B], // 12 B: macro 15 EUR
  ["2032-04-03T08:30:00Z", hit("pageview", "/products/shoe"), C], //                       13 C: direct, micro, a bounce
];
const RANGE = "from=2032-04-01&to=2032-04-03";

/** Reports that must not change when days close: ranges over open and closed days, top-N cuts, endpoints. */
const QUERIES = ["", "&limit=1", "&limit=2", "&interval=hour", "&country=DE", "&page=/checkout"].map((extra) => `${RANGE}${extra}`);
const DAY_QUERIES = ["from=2032-04-01&to=2032-04-01", "from=2032-04-02&to=2032-04-03&limit=1", "from=2032-03-25&to=2032-04-10"];
const ENDPOINTS = ["/channels?by=channel", "/channels?by=source&limit=1", "/channels?by=campaign", "/variants?", "/lift?", "/funnels?"];

async function everyReport(site: string): Promise<unknown[]> {
  const reads = [
    ...[...QUERIES, ...DAY_QUERIES].map((query) => getStats(site, query)),
    ...ENDPOINTS.map((endpoint) => {
      const [path, query] = endpoint.split("?");
      return getStats(`${site}${path}`, [query, RANGE].filter(Boolean).join("&"));
    }),
  ];
  return Promise.all(reads.map(async (read) => readJson(await read)));
}

const rate = (count: number, visitors: number, conversion_rate: number) => ({ count, visitors, conversion_rate });
const row = (value: string, visitors: number, pageviews: number, micro: Rate, macro: Rate, revenue: Record<string, number> = {}) => ({
  value,
  visitors,
  pageviews,
  micro,
  macro: { ...macro, revenue },
});

describe("day aggregates", () => {
  it("give exactly the report worked out by hand, before, while and after the days close", { timeout: 60_000 }, async () => {
    // Small days stay in quiet-day rows unless told otherwise: these must close into aggregates.
    await keepDaysInTables(SHOP);
    for (const [time, body, sender] of STREAM) expect((await postEventAt(time, body, sender)).status).toBe(202);

    const expectHandWorked = async () => {
      const whole = await report(SHOP, RANGE);
      // Daily uniques: A B (D1), C A (D2), B C (D3). Pageviews 1 2 5 | 7 10 | 11 13; events 3 6 | 8 9 | 12.
      expect(whole.totals).toEqual({ visitors: 6, pageviews: 7, events: 5 });
      expect(whole.timeseries).toEqual([
        { t: "2032-04-01", visitors: 2, pageviews: 3, micro: 2, macro: 1 },
        { t: "2032-04-02", visitors: 2, pageviews: 2, micro: 2, macro: 1 },
        { t: "2032-04-03", visitors: 2, pageviews: 2, micro: 2, macro: 1 },
      ]);
      // Macro: 3 9 12 by A (D1), C (D2), B (D3). Micro: 2 6 7 8 11 13 by A B (D1), C (D2), B C (D3).
      expect(whole.conversions).toEqual({
        macro: { count: 3, visitors: 3, conversion_rate: 0.5, revenue: { EUR: 55, USD: 25 } },
        micro: { count: 6, visitors: 5, conversion_rate: 5 / 6 },
      });
      expect(whole.goals.slice(0, 4)).toEqual([
        { name: "purchase", class: "macro", count: 3, visitors: 3, conversion_rate: 0.5, revenue: { EUR: 55, USD: 25 } },
        // 2 7 11 13 by A (D1), C (D2), B C (D3).
        { name: "product_page", class: "micro", stage: "milestone", count: 4, visitors: 4, conversion_rate: 4 / 6, revenue: {} },
        { name: "add_to_cart", class: "micro", stage: "milestone", count: 1, visitors: 1, conversion_rate: 1 / 6, revenue: {} },
        { name: "newsletter_signup", class: "micro", stage: "secondary", count: 1, visitors: 1, conversion_rate: 1 / 6, revenue: {} },
      ]);
      // Six visits; durations A 240 s (to its engagement report), B 60 s (D1), C 120 s (D2), B 60 s (D3);
      // bounces A (D2) and C (D3), one pageview and nothing else.
      expect(whole.engagement).toEqual({ visits: 6, pages_per_visit: 7 / 6, visit_duration_s: 80, bounce_rate: 2 / 6 });
      expect(whole.breakdowns.channel).toEqual([
        row("direct", 3, 3, rate(2, 2, 2 / 3), rate(1, 1, 1 / 3), { EUR: 15 }), // A (D2), B C (D3)
        row("organic_search", 1, 2, rate(1, 1, 1), rate(1, 1, 1), { EUR: 40 }),
        row("email", 1, 1, rate(1, 1, 1), rate(0, 0, 0)),
        row("organic_social", 1, 1, rate(2, 1, 1), rate(1, 1, 1), { USD: 25 }),
      ]);
      const noEngagement = { scroll_depth: null, engaged_s: null };
      const pages = [
        { ...row("/", 3, 3, rate(1, 1, 1 / 3), rate(0, 0, 0)), ...noEngagement }, // A B (D1), A (D2)
        { ...row("/products/shoe", 3, 3, rate(3, 3, 1), rate(0, 0, 0)), ...noEngagement }, // A (D1), B C (D3)
        { ...row("/checkout", 3, 0, rate(0, 0, 0), rate(3, 3, 1), { EUR: 55, USD: 25 }), scroll_depth: 60, engaged_s: 20 },
        { ...row("/products/hat", 1, 1, rate(2, 1, 1), rate(0, 0, 0)), ...noEngagement },
      ];
      expect(whole.breakdowns.page).toEqual(pages);
      // Top two pages: "/products/shoe" ranks third on D1 and D2 alone (1 visitor against the
      // checkout's 2) and is second only with D3's two visitors added.
      expect((await report(SHOP, `${RANGE}&limit=2`)).breakdowns.page).toEqual(pages.slice(0, 2));
      expect(whole.breakdowns.country).toEqual([
        row("DE", 4, 5, rate(4, 3, 3 / 4), rate(2, 2, 2 / 4), { EUR: 40, USD: 25 }),
        row("FR", 2, 2, rate(2, 2, 1), rate(1, 1, 1 / 2), { EUR: 15 }),
      ]);
      // Event names (the Plausible engine's event:name): hits 1 2 5 7 10 11 13 are pageviews, four
      // of them product_page (micro); 3 9 12 purchase (macro); 6 newsletter_signup and 8
      // add_to_cart (micro); the engagement report 4 is left out.
      const byName = await runInDurableObject(store(SHOP), (instance) =>
        instance.readReport({ fromDay: dayNumber("2032-04-01"), toDay: dayNumber("2032-04-03"), interval: "day" }, {}, 100, ["name"]),
      );
      expect(byName.breakdowns.name?.rows.map((r) => [r.value, r.pageviews, r.microHits, r.macroHits]).sort()).toEqual([
        ["add_to_cart", 0, 1, 0],
        ["newsletter_signup", 0, 1, 0],
        ["pageview", 7, 4, 0],
        ["purchase", 0, 0, 3],
      ]);
    };

    await expectHandWorked();
    const live = await everyReport(SHOP);
    expect(await aggregatedDays(SHOP)).toEqual([]);

    // Just after D3's midnight: D1 and D2 close, D3 is still today (read live, merged).
    await alarmAt(SHOP, "2032-04-03T00:01:00Z");
    expect(await aggregatedDays(SHOP)).toEqual([dayNumber("2032-04-01"), dayNumber("2032-04-02")]);
    await expectHandWorked();
    expect(await everyReport(SHOP)).toEqual(live);

    // A day later all three are closed; a repeated alarm changes nothing.
    await alarmAt(SHOP, "2032-04-04T00:01:00Z");
    const closed = await sqlRows(SHOP, "SELECT * FROM day_dimensions ORDER BY dimension, day, value, kind, class, currency");
    await alarmAt(SHOP, "2032-04-04T00:02:00Z");
    expect(await sqlRows(SHOP, "SELECT * FROM day_dimensions ORDER BY dimension, day, value, kind, class, currency")).toEqual(closed);
    expect(await aggregatedDays(SHOP)).toEqual([dayNumber("2032-04-01"), dayNumber("2032-04-02"), dayNumber("2032-04-03")]);
    await expectHandWorked();
    expect(await everyReport(SHOP)).toEqual(live);

    // The closed days are read from the aggregates, not the counters: without their counters the
    // unfiltered report is the same; a filtered one (read live) now finds nothing.
    await runInDurableObject(store(SHOP), (_instance, state) => {
      state.storage.sql.exec("DELETE FROM hourly_counters_parts");
    });
    await expectHandWorked();
    expect((await report(SHOP, `${RANGE}&country=DE`)).totals).toEqual({ visitors: 0, pageviews: 0, events: 0 });
  });

  it("cuts a breakdown to its top rows only after summing closed and open days", { timeout: 30_000 }, async () => {
    const site = "top-rows.test";
    await keepDaysInTables(site);
    const pageview = (path: string) => ({ n: "pageview", u: `https://${site}${path}`, d: site });
    const visit = (iso: string, path: string, n: number) => postEventAt(iso, pageview(path), { ip: `198.51.100.${60 + n}` });
    // D1 (closed below): /a by three visitors, /b by two, /c by one. D2 (today, live): /c by three more.
    for (const n of [1, 2, 3]) await visit("2032-05-10T10:00:00Z", "/a", n);
    for (const n of [1, 2]) await visit("2032-05-10T11:00:00Z", "/b", n);
    await visit("2032-05-10T12:00:00Z", "/c", 1);
    for (const n of [4, 5, 6]) await visit("2032-05-11T10:00:00Z", "/c", n);
    const query = "from=2032-05-10&to=2032-05-11&limit=1";
    const top = async () => (await report(site, query)).breakdowns.page?.map((entry) => [entry.value, entry.visitors, entry.pageviews]);
    expect(await top()).toEqual([["/c", 4, 4]]);
    await alarmAt(site, "2032-05-11T00:01:00Z");
    expect(await aggregatedDays(site)).toEqual([dayNumber("2032-05-10")]);
    // /c ranks last on the closed day alone: only its closed-day row summed with the live one puts it first.
    expect(await top()).toEqual([["/c", 4, 4]]);
  });

  it("reopens a closed day for a hit a trusted sender dated back into it, and closes it again", { timeout: 30_000 }, async () => {
    const site = "late.test";
    await keepDaysInTables(site);
    const D: Sender = { ip: "198.51.100.31" };
    const visitor = (ip: string) => ({ ip: "203.0.113.250", headers: { "x-forwarded-for": ip, authorization: `Bearer ${STATS_TOKEN}` } });
    const pageview = (path: string, extra: Record<string, unknown> = {}) => ({
      n: "pageview",
      u: `https://${site}${path}`,
      d: site,
      ...extra,
    });
    await postEventAt("2032-05-01T10:00:00Z", pageview("/a"), D);
    await postEventAt("2032-05-01T11:00:00Z", pageview("/b"), D);
    await postEventAt("2032-05-02T09:00:00Z", pageview("/a"), D);
    await alarmAt(site, "2032-05-02T00:01:00Z");
    expect(await aggregatedDays(site)).toEqual([dayNumber("2032-05-01")]);
    const range = "from=2032-05-01&to=2032-05-02";
    const before = await report(site, range);
    expect(before.totals).toEqual({ visitors: 2, pageviews: 3, events: 0 });

    // Next morning, a server-side sender forwards a visitor's pageview that happened the evening before.
    const late = await postEventAt(
      "2032-05-02T09:30:00Z",
      pageview("/b", { ts: Date.parse("2032-05-01T22:00:00Z") }),
      visitor("198.51.100.32"),
    );
    expect(late.status).toBe(202);
    const reopened = await report(site, range);
    expect(await aggregatedDays(site)).toEqual([]);
    expect(reopened.totals).toEqual({ visitors: 3, pageviews: 4, events: 0 });
    expect(reopened.timeseries).toEqual([
      { t: "2032-05-01", visitors: 2, pageviews: 3, micro: 0, macro: 0 },
      { t: "2032-05-02", visitors: 1, pageviews: 1, micro: 0, macro: 0 },
    ]);
    expect(reopened.breakdowns.page?.map((entry) => [entry.value, entry.visitors])).toEqual([
      ["/a", 2],
      ["/b", 2],
    ]);

    // The next maintenance aggregates the day again, with the late hit.
    await alarmAt(site, "2032-05-03T00:01:00Z");
    expect(await aggregatedDays(site)).toEqual([dayNumber("2032-05-01"), dayNumber("2032-05-02")]);
    expect(await report(site, range)).toEqual(reopened);
  });

  it("closes the site's local days, not UTC days", { timeout: 30_000 }, async () => {
    // Kathmandu is UTC+05:45: 18:00 UTC is 23:45 on the 1st there, 18:30 UTC 00:15 on the 2nd.
    const site = "kathmandu.test";
    await keepDaysInTables(site);
    const pageview = { n: "pageview", u: `https://${site}/`, d: site };
    await postEventAt("2032-06-01T18:00:00Z", pageview, { ip: "198.51.100.41" });
    await postEventAt("2032-06-01T18:30:00Z", pageview, { ip: "198.51.100.42" });
    const range = "from=2032-06-01&to=2032-06-02";
    const before = await report(site, range);
    expect(before.timeseries.map((point) => point.pageviews)).toEqual([1, 1]);
    // 00:01 on the 2nd in Kathmandu: only the 1st is over.
    await alarmAt(site, "2032-06-01T18:16:00Z");
    expect(await aggregatedDays(site)).toEqual([dayNumber("2032-06-01")]);
    expect(await report(site, range)).toEqual(before);
  });

  it("aggregates every past day of an object written before aggregates existed, exactly", { timeout: 30_000 }, async () => {
    const site = "old-layout.test";
    const day = (date: string) => dayNumber(date) * 24;
    await runInDurableObject(store(site), async (instance, state) => {
      await instance.checkpoint();
      const sql = state.storage.sql;
      for (const { name, type } of sql
        .exec<{ name: string; type: string }>(
          "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE '_cf_%'",
        )
        .toArray()) {
        sql.exec(`DROP ${type === "view" ? "VIEW" : "TABLE"} "${name}"`);
      }
      // The layout before the aggregates (schema version 8), with counters of three past days.
      migrate(sql, 8);
      // hour, name, goal, class, page, source, channel, campaign, country, device, variant, currency; then
      // hits, visitors, hour_visitors, page/goal/class/variant visitors, visits, bounces, duration, revenue, scroll, engaged.
      const insert = (hour: number, key: string[], sums: number[]) =>
        sql.exec(`INSERT INTO hourly_counters VALUES (${Array.from({ length: 25 }, () => "?").join(", ")})`, hour, ...key, ...sums);
      const first = day("2032-07-01");
      // Day 1: two visitors' pageviews on "/", one on a page past the day's cap ("(other)").
      insert(
        first + 9,
        ["pageview", "", "pageview", "/", "(none)", "direct", "(none)", "NL", "desktop", "(none)", ""],
        [2, 2, 2, 2, 0, 0, 0, 2, 2, 0, 0, 0, 0],
      );
      insert(
        first + 10,
        ["pageview", "", "pageview", "(other)", "(none)", "direct", "(none)", "NL", "desktop", "(none)", ""],
        [1, 1, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0],
      );
      // An engagement report reaching an engagement goal (micro secondary), on the "(other)" page.
      insert(
        first + 10,
        ["engagement", "Engaged", "micro_secondary", "(other)", "(none)", "direct", "(none)", "NL", "desktop", "(none)", ""],
        [1, 0, 0, 0, 1, 1, 0, 0, 0, 30_000, 0, 80, 40_000],
      );
      // Day 2 (already folded into its first hour): a purchase in two currencies.
      const second = day("2032-07-02");
      insert(
        second,
        ["purchase", "purchase", "macro", "/checkout", "google.com", "organic_search", "(none)", "DE", "mobile", "b", "EUR"],
        [2, 1, 1, 1, 1, 1, 1, 1, 0, 60_000, 1_250, 0, 0],
      );
      insert(
        second,
        ["purchase", "purchase", "macro", "/checkout", "google.com", "organic_search", "(none)", "DE", "mobile", "b", "USD"],
        [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 999, 0, 0],
      );
      // Day 3: a custom event past the cap of names.
      const third = day("2032-07-03");
      insert(
        third + 23,
        ["(other)", "", "unclassified", "/", "(none)", "direct", "(none)", "NL", "tablet", "(none)", ""],
        [3, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0],
      );
      migrate(sql);
    });
    const range = "from=2032-07-01&to=2032-07-03";
    const queries = [range, `${range}&limit=1`, "from=2032-07-02&to=2032-07-02"];
    const before = await Promise.all(queries.map((query) => report(site, query)));
    const whole = before[0];
    expect(whole?.totals).toEqual({ visitors: 5, pageviews: 3, events: 6 });
    expect(whole?.conversions.macro).toEqual({ count: 3, visitors: 1, conversion_rate: 0.2, revenue: { EUR: 12.5, USD: 9.99 } });
    expect(whole?.conversions.micro).toEqual({ count: 1, visitors: 1, conversion_rate: 0.2 });
    expect(whole?.other_hits).toMatchObject({ page: 2, name: 3, goal: 0 });
    expect(whole?.breakdowns.page?.find((entry) => entry.value === "(other)")).toMatchObject({
      visitors: 1,
      scroll_depth: 80,
      engaged_s: 40,
    });

    // The first maintenance after the upgrade aggregates every past day, and no report changes.
    await alarmAt(site, "2032-07-10T00:01:00Z");
    expect(await aggregatedDays(site)).toEqual(["2032-07-01", "2032-07-02", "2032-07-03"].map(dayNumber));
    expect(await Promise.all(queries.map((query) => report(site, query)))).toEqual(before);
  });

  it("stay exact when a closed day's hours are folded into one bucket, and rebuild the same from folded hours", {
    timeout: 30_000,
  }, async () => {
    const site = "fold-aggregates.test";
    await keepDaysInTables(site);
    const visitors = ["198.51.100.51", "198.51.100.52"];
    for (const [index, ip] of visitors.entries()) {
      for (const hour of ["08", "13", "21"]) {
        const time = `2032-08-01T${hour}:0${index}:00Z`;
        // The same page each time: the day's keys repeat across hours, so folding pays (site-store.ts).
        await postEventAt(time, { n: "pageview", u: `https://${site}/p`, d: site }, { ip });
        await postEventAt(time, { n: "purchase", u: `https://${site}/checkout`, d: site, $: { amount: 5, currency: "EUR" } }, { ip });
      }
    }
    await alarmAt(site, "2032-08-02T00:01:00Z");
    const range = "from=2032-08-01&to=2032-08-01";
    const before = await report(site, range);
    const aggregates = async () => ({
      dimensions: await sqlRows(site, "SELECT * FROM day_dimensions ORDER BY dimension, day, value, kind, class, currency"),
      totals: await sqlRows(site, "SELECT * FROM day_totals ORDER BY day, kind, class"),
    });
    const built = await aggregates();
    expect(built.totals.length).toBeGreaterThan(0);

    // Forty days later the day's hours are folded (HOURLY_DETAIL_DAYS is 31 in wrangler.toml).
    await alarmAt(site, "2032-09-10T00:01:00Z");
    expect((await sqlRows(site, "SELECT DISTINCT hour % 24 AS h FROM hourly_counters")).map((r) => r.h)).toEqual([0]);
    expect(await aggregates()).toEqual(built);
    expect(await report(site, range)).toEqual(before);

    // Aggregated again from the folded bucket (its mark gone, as after a reopen), the rows are the same.
    await runInDurableObject(store(site), (_instance, state) => {
      state.storage.sql.exec("DELETE FROM aggregated_days");
    });
    await alarmAt(site, "2032-09-10T00:02:00Z");
    expect(await aggregates()).toEqual(built);
    expect(await report(site, range)).toEqual(before);
  });
});
