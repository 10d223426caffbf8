import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { postEventAt, type Sender, STATS_TOKEN, USER_AGENTS } from "../support/collector";

/**
 * Plausible's Stats API v2 (POST /api/v2/query) and v1 (GET /api/v1/stats/...) on a designed
 * stream. plausible.test is in Europe/Tallinn (UTC+3 in June); the same stream goes to
 * plausible-sharded.test (three shards), whose answers must be the same. Every figure below is
 * worked out by hand from these hits, not read back from the code.
 *
 * All on 2031-06-10 (times UTC; local = +3 h):
 * A Chrome/Windows, DE Berlin, from google (organic search), is_customer=true on every hit:
 *   06:00 / · 06:01 /pricing (goal Visit /pricing) · 06:02 Signup on /pricing · 06:03 Purchase 50 EUR on /checkout
 *   one visit entered on /, 180 s, not a bounce.
 * B Firefox/Linux, FR Paris, direct, is_customer=false on every hit:
 *   07:00 /blog/post-1 · 07:10 /blog/post-2: one visit, 600 s, not a bounce.
 * C Safari/iPhone, DE Munich, utm_source=newsletter utm_medium=email utm_campaign=spring (channel Email):
 *   08:00 /pricing (Visit /pricing) · 08:01 Newsletter on /pricing · 08:04 Donation 5 USD on /pricing
 *   · 08:05 Purchase 20 EUR on /checkout: one visit entered on /pricing, 300 s, not a bounce.
 * D Chrome/Windows, US San Francisco, direct: 09:00 /blog/post-1: one visit, a bounce.
 * E Chrome/Android tablet, EE Tallinn, from t.co (organic social): 10:00 /docs · 10:50 /DOCS/intro
 *   (50 minutes later: a second visit): two visits, both bounces.
 *
 * So: visitors 5; pageviews A2 B2 C1 D1 E2 = 8; custom events Signup, Purchase (A), Newsletter,
 * Donation, Purchase (C) = 5, so Plausible's events (pageviews + custom events) = 13; visits 6; bounces D, E, E = 3 (50 %); durations 180 + 600 + 300 + 0 + 0 + 0 = 1,080 s
 * over 6 visits = 180 s; 8 pageviews / 6 visits = 1.33 views per visit.
 * Goals: Visit /pricing 2 visitors (A, C) and 2 conversions; Signup 1; Newsletter 1; Purchase 2
 * (A, C), 70 EUR; Donation 1 (C), 5 USD. Macro: visitors A, C = 2, conversions 3; micro: visitors
 * A, C = 2, conversions Visit /pricing ×2 + Signup + Newsletter = 4.
 */
const DAY = "2031-06-10";
/** The clock while querying: the next day, local noon. "7d" is then 2031-06-04..2031-06-10. */
const NOW = "2031-06-11T09:00:00Z";
const SITES = ["plausible.test", "plausible-sharded.test"] as const;

const A: Sender = {
  ip: "198.51.100.21",
  userAgent: USER_AGENTS.windowsChrome,
  country: "DE",
  place: { regionCode: "BE", region: "Berlin", city: "Berlin" },
};
const B: Sender = {
  ip: "198.51.100.22",
  userAgent: USER_AGENTS.linuxFirefox,
  country: "FR",
  place: { regionCode: "IDF", region: "Île-de-France", city: "Paris" },
};
const C: Sender = {
  ip: "198.51.100.23",
  userAgent: USER_AGENTS.iPhoneSafari,
  country: "DE",
  place: { regionCode: "BY", region: "Bavaria", city: "Munich" },
};
const D: Sender = {
  ip: "198.51.100.24",
  userAgent: USER_AGENTS.windowsChrome,
  country: "US",
  place: { regionCode: "CA", region: "California", city: "San Francisco" },
};
const E: Sender = {
  ip: "198.51.100.25",
  userAgent: USER_AGENTS.androidTablet,
  country: "EE",
  place: { regionCode: "37", region: "Harju", city: "Tallinn" },
};

async function sendStream(site: string): Promise<void> {
  const hit = (time: string, sender: Sender, name: string, path: string, extra: Record<string, unknown> = {}) =>
    postEventAt(`${DAY}T${time}:00Z`, { n: name, u: `https://${site}${path}`, d: site, ...extra }, sender);
  const customer = { p: { is_customer: "true" } };
  const visitor = { p: { is_customer: "false" } };
  const sent = [
    await hit("06:00", A, "pageview", "/", { ...customer, r: "https://www.google.com/" }),
    await hit("06:01", A, "pageview", "/pricing", customer),
    await hit("06:02", A, "Signup", "/pricing", customer),
    await hit("06:03", A, "Purchase", "/checkout", { ...customer, $: { amount: 50, currency: "EUR" } }),
    await hit("07:00", B, "pageview", "/blog/post-1", visitor),
    await hit("07:10", B, "pageview", "/blog/post-2", visitor),
    await hit("08:00", C, "pageview", "/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=spring"),
    await hit("08:01", C, "Newsletter", "/pricing"),
    await hit("08:04", C, "Donation", "/pricing", { $: { amount: 5, currency: "USD" } }),
    await hit("08:05", C, "Purchase", "/checkout", { $: { amount: 20, currency: "EUR" } }),
    await hit("09:00", D, "pageview", "/blog/post-1"),
    await hit("10:00", E, "pageview", "/docs", { r: "https://t.co/abc" }),
    await hit("10:50", E, "pageview", "/DOCS/intro"),
  ];
  expect(sent.map((response) => response.status)).toEqual(Array(13).fill(202));
}

async function at<T>(iso: string, run: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date(iso));
  try {
    return await run();
  } finally {
    vi.useRealTimers();
  }
}

type Json = Record<string, unknown>;
interface Answer {
  results: { dimensions: string[]; metrics: unknown[] }[];
  meta: Json;
  query: Json;
}

function post(body: unknown, headers: Record<string, string> = {}, token: string | null = STATS_TOKEN, path = "/api/v2/query") {
  return at(NOW, () =>
    exports.default.fetch(
      new Request(`https://collector.test${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
    ),
  );
}

/** Runs a v2 query on both sites; expects 200 and the same answer from both (site_id aside); returns plausible.test's. */
async function query(body: Json): Promise<Answer> {
  const answers: Answer[] = [];
  for (const site of SITES) {
    const response = await post({ ...body, site_id: site });
    const json = (await response.json()) as Answer;
    expect(response.status, JSON.stringify(json)).toBe(200);
    answers.push(json);
  }
  const [single, sharded] = answers;
  expect({ ...sharded, query: { ...sharded?.query, site_id: SITES[0] } }).toEqual(single);
  return single as Answer;
}

/** A v2 query that must be refused: 400 `{"error": "..."}` matching `reason`. */
async function refused(body: Json, reason: RegExp): Promise<void> {
  const response = await post({ site_id: SITES[0], ...body });
  const json = (await response.json()) as Json;
  expect(response.status, JSON.stringify(json)).toBe(400);
  expect(Object.keys(json)).toEqual(["error"]);
  expect(json.error).toMatch(reason);
}

const rows = (answer: Answer) => answer.results.map((row) => [...row.dimensions, ...row.metrics]);
const DAY_RANGE = [DAY, DAY];

beforeAll(async () => {
  for (const site of SITES) await sendStream(site);
}, 60_000);

describe("POST /api/v2/query: Plausible's documented examples", () => {
  it("a simple aggregate (7d), with the query echoed as Plausible does", async () => {
    const answer = await query({ metrics: ["visitors", "events"], date_range: "7d" });
    expect(answer).toEqual({
      results: [{ metrics: [5, 13], dimensions: [] }],
      meta: {},
      query: {
        site_id: "plausible.test",
        metrics: ["visitors", "events"],
        // 7d: the seven local days before today (2031-06-11), in Tallinn's summer offset.
        date_range: ["2031-06-04T00:00:00+03:00", "2031-06-10T23:59:59+03:00"],
        filters: [],
        dimensions: [],
        order_by: [["visitors", "desc"]],
        include: {},
        pagination: { offset: 0, limit: 10000 },
      },
    });
  }, 30_000);

  it("a custom date range", async () => {
    const answer = await query({ metrics: ["visitors"], date_range: ["2031-06-01", "2031-06-15"] });
    expect(rows(answer)).toEqual([[5]]);
    expect(answer.query.date_range).toEqual(["2031-06-01T00:00:00+03:00", "2031-06-15T23:59:59+03:00"]);
  }, 30_000);

  it("a timeseries filtered by operating system (GNU/Linux or Mac): visitor B only", async () => {
    const answer = await query({
      metrics: ["visitors", "events"],
      date_range: "7d",
      filters: [["is", "visit:os", ["GNU/Linux", "Mac"]]],
      dimensions: ["time:day"],
    });
    expect(rows(answer)).toEqual([["2031-06-10", 1, 2]]);
    expect(answer.query.order_by).toEqual([
      ["time:day", "asc"],
      ["visitors", "desc"],
    ]);
  }, 30_000);

  it("by hour with time labels: one visitor in each of five local hours", async () => {
    const answer = await query({ metrics: ["visitors"], date_range: DAY_RANGE, dimensions: ["time:hour"], include: { time_labels: true } });
    expect(rows(answer)).toEqual([
      ["2031-06-10 09:00:00", 1],
      ["2031-06-10 10:00:00", 1],
      ["2031-06-10 11:00:00", 1],
      ["2031-06-10 12:00:00", 1],
      ["2031-06-10 13:00:00", 1],
    ]);
    const labels = answer.meta.time_labels as string[];
    expect(labels).toHaveLength(24);
    expect(labels[0]).toBe("2031-06-10 00:00:00");
    expect(labels[23]).toBe("2031-06-10 23:00:00");
  }, 30_000);

  it("custom properties by day, ordered as asked", async () => {
    const answer = await query({
      metrics: ["visitors"],
      date_range: "7d",
      dimensions: ["time:day", "event:props:is_customer"],
      order_by: [
        ["time:day", "asc"],
        ["event:props:is_customer", "desc"],
      ],
    });
    expect(rows(answer)).toEqual([
      ["2031-06-10", "true", 1],
      ["2031-06-10", "false", 1],
    ]);
  }, 30_000);

  it("case-insensitive page filter: /docs and /DOCS/intro, visitors an upper bound flagged in meta", async () => {
    const answer = await query({
      metrics: ["visitors", "pageviews"],
      date_range: "7d",
      filters: [["contains", "event:page", ["docs"], { case_sensitive: false }]],
    });
    // E viewed both pages: summed per page that is 2, an upper bound of the 1 real visitor.
    expect(rows(answer)).toEqual([[2, 2]]);
    expect(answer.meta.estimated).toEqual(["visitors"]);
    expect(answer.meta.metric_warnings).toMatchObject({ visitors: { code: "estimated_upper_bound" } });
  }, 30_000);

  it("total revenue by goal: money for the revenue goals, null for the others", async () => {
    const answer = await query({ metrics: ["total_revenue"], date_range: "all", dimensions: ["event:goal"] });
    expect(answer.results).toEqual([
      { dimensions: ["Purchase"], metrics: [{ value: 70, currency: "EUR", short: "€70", long: "€70.00" }] },
      { dimensions: ["Donation"], metrics: [{ value: 5, currency: "USD", short: "$5", long: "$5.00" }] },
      { dimensions: ["Newsletter"], metrics: [null] },
      { dimensions: ["Signup"], metrics: [null] },
      { dimensions: ["Visit /pricing"], metrics: [null] },
    ]);
    expect(answer.meta).toEqual({});
    // `all` starts on the first day with data.
    expect(answer.query.date_range).toEqual(["2031-06-10T00:00:00+03:00", "2031-06-11T23:59:59+03:00"]);
  }, 30_000);

  it("revenue of goals in two currencies is null with Plausible's warning", async () => {
    const answer = await query({
      metrics: ["total_revenue"],
      date_range: "all",
      filters: [["is", "event:goal", ["Purchase", "Donation"]]],
    });
    expect(answer.results).toEqual([{ dimensions: [], metrics: [null] }]);
    expect(answer.meta.metric_warnings).toEqual({
      total_revenue: {
        code: "no_single_revenue_currency",
        warning: "Revenue metrics are null as there are multiple currencies for the selected event:goals.",
      },
    });
  }, 30_000);

  it("refuses the examples stepwise cannot answer, each with the reason", async () => {
    // Country and city: the city is an added dimension, not counted per country.
    await refused(
      {
        metrics: ["visitors", "pageviews", "bounce_rate"],
        date_range: "7d",
        filters: [["is_not", "visit:country_name", [""]]],
        dimensions: ["visit:country_name", "visit:city_name"],
      },
      /not supported.*visit:city.*visit:country/,
    );
    // UTM medium and source, and the pagination example built on it: utm_source is the visit's source.
    await refused(
      { metrics: ["visitors"], date_range: "7d", dimensions: ["visit:utm_medium", "visit:utm_source"] },
      /utm_source.*visit:source/,
    );
    // Filtering basics: an `or` across two dimensions.
    await refused(
      {
        metrics: ["visitors"],
        date_range: "7d",
        filters: [
          ["contains", "event:page", ["/docs", "/pricing"]],
          [
            "or",
            [
              ["not", ["is", "visit:utm_campaign", ["Referral"]]],
              ["is", "visit:country_name", ["Estonia", "United States of America"]],
            ],
          ],
        ],
      },
      /`or` across different dimensions/,
    );
    await refused({ metrics: ["visitors", "events"], date_range: "7d", filters: [["is", "segment", [2]]] }, /segments/i);
    await refused({ metrics: ["visitors"], date_range: "all", dimensions: ["visit:source"], include: { imports: true } }, /Imported data/);
    await refused(
      {
        metrics: ["visitors"],
        date_range: "all",
        filters: [
          ["is", "event:goal", ["Signup"]],
          ["has_done", ["is", "event:page", ["/pricing"]]],
        ],
      },
      /Behavioural filters/,
    );
  }, 30_000);
});

describe("POST /api/v2/query: metrics, filters and dimensions on the designed stream", () => {
  it("every visit metric of the day", async () => {
    const answer = await query({
      metrics: ["visitors", "visits", "pageviews", "events", "views_per_visit", "bounce_rate", "visit_duration"],
      date_range: DAY_RANGE,
    });
    expect(rows(answer)).toEqual([[5, 6, 8, 13, 1.33, 50, 180]]);
  }, 30_000);

  it("goals with conversions, conversion rates and average revenue", async () => {
    const answer = await query({
      metrics: ["visitors", "events", "conversion_rate", "average_revenue"],
      date_range: DAY_RANGE,
      dimensions: ["event:goal"],
    });
    expect(answer.results).toEqual([
      { dimensions: ["Purchase"], metrics: [2, 2, 40, { value: 35, currency: "EUR", short: "€35", long: "€35.00" }] },
      { dimensions: ["Visit /pricing"], metrics: [2, 2, 40, null] },
      { dimensions: ["Donation"], metrics: [1, 1, 20, { value: 5, currency: "USD", short: "$5", long: "$5.00" }] },
      { dimensions: ["Newsletter"], metrics: [1, 1, 20, null] },
      { dimensions: ["Signup"], metrics: [1, 1, 20, null] },
    ]);
  }, 30_000);

  it("pageviews of a pageview goal, by goal", async () => {
    const answer = await query({
      metrics: ["visitors", "pageviews"],
      date_range: DAY_RANGE,
      dimensions: ["event:goal"],
      filters: [["contains", "event:goal", ["Visit"]]],
    });
    // Visit /pricing: A and C each viewed /pricing once.
    expect(rows(answer)).toEqual([["Visit /pricing", 2, 2]]);
  }, 30_000);

  it("a goal by source: conversion rate over all visitors, group conversion rate within the source", async () => {
    const answer = await query({
      metrics: ["visitors", "conversion_rate", "group_conversion_rate"],
      date_range: DAY_RANGE,
      filters: [["is", "event:goal", ["Purchase"]]],
      dimensions: ["visit:source"],
    });
    expect(rows(answer)).toEqual([
      ["google.com", 1, 20, 100],
      ["newsletter", 1, 20, 100],
    ]);
  }, 30_000);

  it("event:class as a dimension and as a filter", async () => {
    const byClass = await query({ metrics: ["visitors", "events"], date_range: DAY_RANGE, dimensions: ["event:class"] });
    expect(rows(byClass)).toEqual([
      ["macro", 2, 3],
      ["micro", 2, 4],
    ]);
    const micro = await query({
      metrics: ["visitors", "events", "conversion_rate"],
      date_range: DAY_RANGE,
      filters: [["is", "event:class", ["micro"]]],
      dimensions: ["visit:country"],
    });
    // A and C are German; micro conversions: Visit /pricing ×2, Signup, Newsletter.
    expect(rows(micro)).toEqual([["DE", 2, 4, 40]]);
    // Milestones are two goals (Visit /pricing: A, C; Signup: A): A counts in both, so 3 is an upper bound of 2.
    const milestone = await query({
      metrics: ["visitors", "events"],
      date_range: DAY_RANGE,
      filters: [["is", "event:class", ["milestone"]]],
    });
    expect(rows(milestone)).toEqual([[3, 3]]);
    expect(milestone.meta.estimated).toEqual(["visitors"]);
  }, 30_000);

  it("countries by name, channels and devices as Plausible names them, with percentages", async () => {
    const countries = await query({ metrics: ["visitors", "percentage"], date_range: DAY_RANGE, dimensions: ["visit:country_name"] });
    expect(rows(countries)).toEqual([
      ["Germany", 2, 40],
      ["Estonia", 1, 20],
      ["France", 1, 20],
      ["United States", 1, 20],
    ]);
    const channels = await query({ metrics: ["visitors"], date_range: DAY_RANGE, dimensions: ["visit:channel"] });
    expect(rows(channels)).toEqual([
      ["Direct", 2],
      ["Email", 1],
      ["Organic Search", 1],
      ["Organic Social", 1],
    ]);
    const devices = await query({ metrics: ["visitors"], date_range: DAY_RANGE, dimensions: ["visit:device"] });
    expect(rows(devices)).toEqual([
      ["Desktop", 3],
      ["Mobile", 1],
      ["Tablet", 1],
    ]);
  }, 30_000);

  it("several values of a dimension that partitions visitors add up exactly, also as `is_not`", async () => {
    const two = await query({
      metrics: ["visitors", "pageviews", "visits", "bounce_rate"],
      date_range: DAY_RANGE,
      filters: [["is", "visit:country", ["DE", "FR"]]],
    });
    // A, C (DE) and B (FR): pageviews A 2, C 1, B 2 = 5; three visits, none a bounce.
    expect(rows(two)).toEqual([[3, 5, 3, 0]]);
    expect(two.meta).toEqual({});
    const notUs = await query({
      metrics: ["visitors", "pageviews"],
      date_range: DAY_RANGE,
      filters: [["is_not", "visit:country", ["US"]]],
    });
    expect(rows(notUs)).toEqual([[4, 7]]);
    expect(notUs.meta).toEqual({});
  }, 30_000);

  it("several pages: pageviews exact, visitors an upper bound flagged in meta", async () => {
    const answer = await query({
      metrics: ["visitors", "pageviews", "events"],
      date_range: DAY_RANGE,
      filters: [["matches", "event:page", ["^/blog/"]]],
    });
    // /blog/post-1 (B, D) + /blog/post-2 (B): 3 per page, 2 real visitors; 3 pageviews.
    expect(rows(answer)).toEqual([[3, 3, 3]]);
    expect(answer.meta.estimated).toEqual(["visitors"]);
  }, 30_000);

  it("entry pages with visit metrics, ordered by visits", async () => {
    const answer = await query({
      metrics: ["visits", "bounce_rate", "visit_duration"],
      date_range: DAY_RANGE,
      dimensions: ["visit:entry_page"],
    });
    expect(rows(answer)).toEqual([
      ["/blog/post-1", 2, 50, 300],
      ["/", 1, 0, 180],
      ["/DOCS/intro", 1, 100, 0],
      ["/docs", 1, 100, 0],
      ["/pricing", 1, 0, 300],
    ]);
  }, 30_000);

  it("pages paginated, with the total number of rows", async () => {
    const answer = await query({
      metrics: ["visitors", "pageviews"],
      date_range: DAY_RANGE,
      dimensions: ["event:page"],
      include: { total_rows: true },
      pagination: { limit: 2, offset: 1 },
    });
    // Pages by visitors: /blog/post-1 2, /checkout 2 (A, C purchased there), /pricing 2, then four with 1.
    expect(rows(answer)).toEqual([
      ["/checkout", 2, 0],
      ["/pricing", 2, 2],
    ]);
    expect(answer.meta.total_rows).toBe(7);
  }, 30_000);

  it("weeks and months are labelled by their first day (within the range)", async () => {
    const weeks = await query({ metrics: ["visitors"], date_range: ["2031-06-01", "2031-06-30"], dimensions: ["time:week"] });
    expect(rows(weeks)).toEqual([["2031-06-09", 5]]);
    const months = await query({ metrics: ["pageviews"], date_range: "year", dimensions: ["time:month"], include: { time_labels: true } });
    expect(rows(months)).toEqual([["2031-06-01", 8]]);
    expect(months.meta.time_labels).toHaveLength(12);
  }, 30_000);

  it("a date-time range covering whole local days is those days", async () => {
    const answer = await query({ metrics: ["visitors"], date_range: ["2031-06-10T00:00:00+03:00", "2031-06-10T23:59:59+03:00"] });
    expect(rows(answer)).toEqual([[5]]);
  }, 30_000);
});

describe("POST /api/v2/query: event names and campaigns", () => {
  // Names in the stream: pageview ×8; Purchase ×2 (A 09:03 local, C 11:05 local); Signup (A),
  // Newsletter and Donation (C) ×1 each. Plausible's events count pageviews too.
  it("event:name as a dimension: events and pageviews per name, exact", async () => {
    const answer = await query({ metrics: ["events", "pageviews"], date_range: "7d", dimensions: ["event:name"] });
    expect(rows(answer)).toEqual([
      ["pageview", 8, 8],
      ["Purchase", 2, 0],
      ["Donation", 1, 0],
      ["Newsletter", 1, 0],
      ["Signup", 1, 0],
    ]);
    expect(answer.meta).toEqual({});
  }, 30_000);

  it("event:name as a filter, with other dimensions, time buckets and other filters", async () => {
    const purchases = await query({
      metrics: ["events"],
      date_range: DAY_RANGE,
      filters: [["is", "event:name", ["Purchase"]]],
      dimensions: ["visit:country", "time:hour"],
    });
    // A (DE) at 06:03 UTC = 09:00 local, C (DE) at 08:05 UTC = 11:00 local.
    expect(rows(purchases)).toEqual([
      ["DE", "2031-06-10 09:00:00", 1],
      ["DE", "2031-06-10 11:00:00", 1],
    ]);
    const custom = await query({
      metrics: ["events", "pageviews"],
      date_range: "7d",
      filters: [["is_not", "event:name", ["pageview"]]],
      dimensions: ["visit:source"],
    });
    // A from google.com: Signup, Purchase; C from newsletter: Newsletter, Donation, Purchase.
    expect(rows(custom)).toEqual([
      ["newsletter", 3, 0],
      ["google.com", 2, 0],
    ]);
    const contains = await query({
      metrics: ["events"],
      date_range: "7d",
      filters: [
        ["contains", "event:name", ["u"]],
        ["is", "event:page", ["/checkout"]],
      ],
    });
    // Names with a "u" (case-sensitive): Purchase, Signup; on /checkout only the two Purchases.
    expect(rows(contains)).toEqual([[2]]);
    const goal = await query({
      metrics: ["events"],
      date_range: "7d",
      filters: [["is", "event:name", ["pageview"]]],
      dimensions: ["event:goal"],
    });
    // Pageviews reaching a goal: the two views of /pricing (A, C).
    expect(rows(goal)).toEqual([["Visit /pricing", 2]]);
  }, 60_000);

  it("refuses visitors, visit metrics and added dimensions with event:name, saying why", async () => {
    await refused(
      { metrics: ["visitors", "events"], date_range: "7d", filters: [["is", "event:name", ["Signup"]]] },
      /Metric `visitors` cannot be queried with `event:name`/,
    );
    await refused(
      { metrics: ["events", "percentage"], date_range: "7d", dimensions: ["event:name"] },
      /Metric `percentage` cannot be queried with `event:name`/,
    );
    await refused({ metrics: ["visits"], date_range: "7d", filters: [["is", "event:name", ["Signup"]]] }, /Session metric/);
    await refused(
      { metrics: ["events"], date_range: "7d", dimensions: ["event:name", "visit:browser"] },
      /`event:name` with `visit:browser` is not supported/,
    );
  }, 30_000);

  it("visit:utm_campaign as a filter: visitor C's spring campaign, and everything else", async () => {
    const spring = await query({
      metrics: ["visitors", "pageviews", "events", "visits"],
      date_range: "7d",
      filters: [["is", "visit:utm_campaign", ["spring"]]],
    });
    // C: one pageview and three custom events, one visit.
    expect(rows(spring)).toEqual([[1, 1, 4, 1]]);
    const others = await query({
      metrics: ["visitors", "pageviews", "events"],
      date_range: "7d",
      filters: [["is_not", "visit:utm_campaign", ["spring"]]],
      dimensions: ["visit:source"],
    });
    expect(rows(others)).toEqual([
      ["Direct / None", 2, 3, 3],
      ["google.com", 1, 2, 4],
      ["t.co", 1, 2, 2],
    ]);
    await refused(
      { metrics: ["visitors"], date_range: "7d", filters: [["is", "visit:utm_campaign", ["spring"]]], dimensions: ["visit:browser"] },
      /visit:utm_campaign/,
    );
  }, 30_000);
});

describe("POST /api/v2/query: date-time ranges of whole local hours", () => {
  // Local hours (UTC+3): A 09:00-09:03 (/, /pricing, Signup, Purchase 50 EUR); B 10:00, 10:10 (two
  // pageviews); C 11:00-11:05 (/pricing, Newsletter, Donation, Purchase 20 EUR); D 12:00 (one
  // pageview); E 13:00, 13:50 (two pageviews).
  it("answers hits over a span of hours, echoed as those hours", async () => {
    const answer = await query({
      metrics: ["pageviews", "events"],
      date_range: ["2031-06-10T10:00:00+03:00", "2031-06-10T12:59:59+03:00"],
    });
    // B 2, C 1, D 1 pageviews; C's three custom events.
    expect(rows(answer)).toEqual([[4, 7]]);
    expect(answer.query.date_range).toEqual(["2031-06-10T10:00:00+03:00", "2031-06-10T12:59:59+03:00"]);
  }, 30_000);

  it("answers each hour's unique visitors by time:hour, and one hour's visitors", async () => {
    const byHour = await query({
      metrics: ["visitors", "pageviews"],
      date_range: ["2031-06-10T10:00:00+03:00", "2031-06-10T12:59:59+03:00"],
      dimensions: ["time:hour"],
      include: { time_labels: true },
    });
    expect(rows(byHour)).toEqual([
      ["2031-06-10 10:00:00", 1, 2],
      ["2031-06-10 11:00:00", 1, 1],
      ["2031-06-10 12:00:00", 1, 1],
    ]);
    expect(byHour.meta.time_labels).toEqual(["2031-06-10 10:00:00", "2031-06-10 11:00:00", "2031-06-10 12:00:00"]);
    // One hour, its end given as the next hour's start: E, with two pageviews.
    const oneHour = await query({
      metrics: ["visitors", "pageviews"],
      date_range: ["2031-06-10T13:00:00+03:00", "2031-06-10T14:00:00+03:00"],
    });
    expect(rows(oneHour)).toEqual([[1, 2]]);
    const germany = await query({
      metrics: ["visitors"],
      date_range: ["2031-06-10T09:00:00+03:00", "2031-06-10T11:59:59+03:00"],
      filters: [["is", "visit:country", ["DE"]]],
      dimensions: ["time:hour"],
    });
    expect(rows(germany)).toEqual([
      ["2031-06-10 09:00:00", 1],
      ["2031-06-10 11:00:00", 1],
    ]);
  }, 30_000);

  it("answers sources, goals and revenue within the hours", async () => {
    const sources = await query({
      metrics: ["pageviews"],
      date_range: ["2031-06-10T09:00:00+03:00", "2031-06-10T11:59:59+03:00"],
      dimensions: ["visit:source"],
    });
    expect(rows(sources)).toEqual([
      ["Direct / None", 2],
      ["google.com", 2],
      ["newsletter", 1],
    ]);
    const goals = await query({
      metrics: ["events", "total_revenue"],
      date_range: ["2031-06-10T09:00:00+03:00", "2031-06-10T10:59:59+03:00"],
      dimensions: ["event:goal"],
    });
    // A's conversions only: C's Purchase (20 EUR) is at 11:05.
    expect(rows(goals)).toEqual([
      ["Purchase", 1, { value: 50, currency: "EUR", short: "€50", long: "€50.00" }],
      ["Signup", 1, null],
      ["Visit /pricing", 1, null],
    ]);
  }, 30_000);

  it("counts a visitor in every hour they were active, not only the hour of their first hit", async () => {
    // A site of its own (UTC): X views pages at 08:10, 09:20 and 10:05; Y at 09:40.
    const site = "plausible-hours.test";
    const X: Sender = { ip: "198.51.100.31", userAgent: USER_AGENTS.windowsChrome, country: "DE" };
    const Y: Sender = { ip: "198.51.100.32", userAgent: USER_AGENTS.linuxFirefox, country: "FR" };
    for (const [time, sender] of [
      ["08:10", X],
      ["09:20", X],
      ["10:05", X],
      ["09:40", Y],
    ] as const) {
      const sent = await postEventAt(`${DAY}T${time}:00Z`, { n: "pageview", u: `https://${site}/`, d: site }, sender);
      expect(sent.status).toBe(202);
    }
    const ask = async (body: Json) => {
      const response = await post({ site_id: site, ...body });
      const json = (await response.json()) as Answer;
      expect(response.status, JSON.stringify(json)).toBe(200);
      return rows(json);
    };
    // 09:00 to 09:59: X (first seen at 08:10) and Y.
    expect(await ask({ metrics: ["visitors", "pageviews"], date_range: [`${DAY}T09:00:00Z`, `${DAY}T09:59:59Z`] })).toEqual([[2, 2]]);
    expect(await ask({ metrics: ["visitors"], date_range: [`${DAY}T08:00:00Z`, `${DAY}T10:59:59Z`], dimensions: ["time"] })).toEqual([
      ["2031-06-10 08:00:00", 1],
      ["2031-06-10 09:00:00", 2],
      ["2031-06-10 10:00:00", 1],
    ]);
  }, 30_000);

  it("refuses what the hourly counters do not keep, saying why", async () => {
    const hours = ["2031-06-10T10:00:00+03:00", "2031-06-10T12:59:59+03:00"];
    await refused({ metrics: ["visitors"], date_range: hours }, /several hours is not supported/);
    await refused({ metrics: ["visitors"], date_range: hours, dimensions: ["time:day"] }, /several hours is not supported/);
    await refused({ metrics: ["bounce_rate"], date_range: hours }, /do not split by the hour/);
    await refused({ metrics: ["pageviews"], date_range: hours, dimensions: ["visit:browser"] }, /per local day/);
    await refused(
      { metrics: ["visitors"], date_range: hours, dimensions: ["time:hour"], filters: [["is", "event:page", ["/pricing"]]] },
      /first matching hit of the day/,
    );
    await refused({ metrics: ["pageviews"], date_range: ["2031-05-01T08:00:00+03:00", "2031-05-01T09:59:59+03:00"] }, /hourly figures/);
  }, 30_000);
});

describe("POST /api/v2/query: event:hostname on a site that counts one hostname", () => {
  // plausible-host.test (UTC) lists one hostname, www.plausible-host.test. P views / and /about,
  // Q views /; a view from the bare plausible-host.test is dropped (hostname_mismatch).
  it("answers every figure under that hostname, and zero for a filter on another", async () => {
    const site = "plausible-host.test";
    const P: Sender = { ip: "198.51.100.41", userAgent: USER_AGENTS.windowsChrome, country: "DE" };
    const Q: Sender = { ip: "198.51.100.42", userAgent: USER_AGENTS.linuxFirefox, country: "FR" };
    for (const [time, host, path, sender] of [
      ["08:00", "www.plausible-host.test", "/", P],
      ["08:05", "www.plausible-host.test", "/about", P],
      ["09:00", "www.plausible-host.test", "/", Q],
      ["09:30", "plausible-host.test", "/", Q],
    ] as const) {
      const sent = await postEventAt(`${DAY}T${time}:00Z`, { n: "pageview", u: `https://${host}${path}`, d: site }, sender);
      expect(sent.status).toBe(202);
    }
    const ask = async (body: Json) => {
      const response = await post({ site_id: site, date_range: DAY_RANGE, ...body });
      const json = (await response.json()) as Answer;
      expect(response.status, JSON.stringify(json)).toBe(200);
      return rows(json);
    };
    expect(await ask({ metrics: ["visitors", "pageviews", "visits"], dimensions: ["event:hostname"] })).toEqual([
      ["www.plausible-host.test", 2, 3, 2],
    ]);
    expect(await ask({ metrics: ["pageviews"], dimensions: ["event:page", "event:hostname"] })).toEqual([
      ["/", "www.plausible-host.test", 2],
      ["/about", "www.plausible-host.test", 1],
    ]);
    expect(await ask({ metrics: ["visitors"], filters: [["is", "event:hostname", ["www.plausible-host.test"]]] })).toEqual([[2]]);
    expect(await ask({ metrics: ["visitors", "pageviews"], filters: [["is", "event:hostname", ["plausible-host.test"]]] })).toEqual([
      [0, 0],
    ]);
  }, 30_000);
});

describe("POST /api/v2/query: refusals, in Plausible's error shape", () => {
  it("answers 400 {error} for what stepwise does not keep, saying why", async () => {
    await refused({ metrics: ["visitors"], date_range: "7d", dimensions: ["visit:city"] }, /GeoName/);
    await refused({ metrics: ["visitors"], date_range: "7d", filters: [["is", "visit:city", [588409]]] }, /GeoName/);
    await refused({ metrics: ["visitors"], date_range: "7d", dimensions: ["event:name"] }, /no unique visitors of an event/);
    await refused({ metrics: ["visitors"], date_range: "7d", dimensions: ["event:hostname"] }, /plausible\.test and its subdomains/);
    await refused({ metrics: ["visitors"], date_range: "7d", dimensions: ["visit:referrer"] }, /referrer/);
    await refused(
      { metrics: ["visitors"], date_range: "7d", dimensions: ["event:props:plan"] },
      /`plan` is not in the site's `properties`/,
    );
    await refused({ metrics: ["time_on_page"], date_range: "7d", filters: [["is", "event:page", ["/"]]] }, /time_on_page/);
    await refused({ metrics: ["bounce_rate"], date_range: "7d", filters: [["is", "event:page", ["/"]]] }, /entry page/);
    await refused({ metrics: ["conversion_rate"], date_range: "7d" }, /event:goal filters or dimensions/);
    await refused({ metrics: ["visitors"], date_range: ["2031-06-10T12:30:00+03:00", "2031-06-10T15:59:59+03:00"] }, /whole hours/);
    await refused({ metrics: ["visitors"], date_range: "24h" }, /whole days/);
    await refused(
      {
        metrics: ["visitors"],
        date_range: "7d",
        filters: [
          ["is", "visit:browser", ["Chrome"]],
          ["is", "visit:country", ["DE"]],
        ],
      },
      /not supported/,
    );
    await refused({ metrics: ["visitors"], date_range: "7d", order_by: [["pageviews", "desc"]] }, /not a queried metric/);
    await refused({ metrics: ["visitors", "bogus"], date_range: "7d" }, /Unknown metric 'bogus'/);
    await refused({ metrics: ["pageviews"], date_range: "7d", dimensions: ["event:class"] }, /not kept per class/);
    await refused({ metrics: ["visitors"], date_range: "7d", dimensions: ["visit:utm_source"] }, /referrer's host/);
    await refused({ metrics: ["visitors"], date_range: "7d", filters: [["is", "visit:country", ["Germany"]]] }, /2-letter country code/);
  }, 60_000);

  it("answers 401 and 404 in the same shape", async () => {
    const noToken = await post({ site_id: SITES[0], metrics: ["visitors"], date_range: "7d" }, {}, null);
    expect(noToken.status).toBe(401);
    expect(Object.keys((await noToken.json()) as Json)).toEqual(["error"]);
    const unknown = await post({ site_id: "no-such-site.test", metrics: ["visitors"], date_range: "7d" });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: "Site 'no-such-site.test' not found." });
  }, 30_000);

  it("answers CSV when asked", async () => {
    const response = await post(
      { site_id: SITES[0], metrics: ["visitors", "pageviews"], date_range: DAY_RANGE, dimensions: ["visit:device"] },
      { accept: "text/csv" },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(await response.text()).toBe("visit:device,visitors,pageviews\r\nDesktop,3,5\r\nMobile,1,1\r\nTablet,1,2\r\n");
  }, 30_000);
});

function v1(path: string, query: string, token: string | null = STATS_TOKEN, now = NOW) {
  return at(now, () =>
    exports.default.fetch(
      new Request(`https://collector.test/api/v1/stats/${path}?${query}`, {
        headers: token === null ? {} : { authorization: `Bearer ${token}` },
      }),
    ),
  );
}

async function v1Json(path: string, query: string): Promise<Json> {
  const response = await v1(path, query);
  const json = (await response.json()) as Json;
  expect(response.status, JSON.stringify(json)).toBe(200);
  return json;
}

describe("Plausible's Stats API v1", () => {
  it("realtime visitors: those with a hit in the last five minutes", async () => {
    // At 10:52 only E (10:50) was seen within five minutes.
    const response = await v1("realtime/visitors", `site_id=${SITES[0]}`, STATS_TOKEN, `${DAY}T10:52:00Z`);
    expect(response.status).toBe(200);
    expect(await response.json()).toBe(1);
  }, 30_000);

  it("aggregate: the day's top row", async () => {
    expect(
      await v1Json("aggregate", `site_id=${SITES[0]}&period=day&date=${DAY}&metrics=visitors,pageviews,bounce_rate,visit_duration`),
    ).toEqual({
      results: { visitors: { value: 5 }, pageviews: { value: 8 }, bounce_rate: { value: 50 }, visit_duration: { value: 180 } },
    });
  }, 30_000);

  it("aggregate with v1 filters: IN values, and a wildcard whose visitors are flagged as an upper bound", async () => {
    expect(
      await v1Json("aggregate", `site_id=${SITES[0]}&period=day&date=${DAY}&filters=${encodeURIComponent("visit:country==DE|FR")}`),
    ).toEqual({
      results: { visitors: { value: 3 } },
    });
    const blog = await v1Json(
      "aggregate",
      `site_id=${SITES[0]}&period=day&date=${DAY}&metrics=visitors,pageviews&filters=${encodeURIComponent("event:page==/blog/**")}`,
    );
    expect(blog.results).toEqual({ visitors: { value: 3 }, pageviews: { value: 3 } });
    expect(blog.warning).toMatch(/upper bound/);
  }, 30_000);

  it("timeseries: every day of the period, zeros included", async () => {
    const answer = await v1Json("timeseries", `site_id=${SITES[0]}&period=7d&date=${DAY}`);
    expect(answer).toEqual({
      results: [
        { date: "2031-06-04", visitors: 0 },
        { date: "2031-06-05", visitors: 0 },
        { date: "2031-06-06", visitors: 0 },
        { date: "2031-06-07", visitors: 0 },
        { date: "2031-06-08", visitors: 0 },
        { date: "2031-06-09", visitors: 0 },
        { date: "2031-06-10", visitors: 5 },
      ],
    });
  }, 30_000);

  it("breakdown by source with bounce rates, and pages by page number", async () => {
    const sources = await v1Json(
      "breakdown",
      `site_id=${SITES[0]}&period=day&date=${DAY}&property=visit:source&metrics=visitors,bounce_rate`,
    );
    expect(sources).toEqual({
      results: [
        { source: "Direct / None", visitors: 2, bounce_rate: 50 },
        { source: "google.com", visitors: 1, bounce_rate: 0 },
        { source: "newsletter", visitors: 1, bounce_rate: 0 },
        { source: "t.co", visitors: 1, bounce_rate: 100 },
      ],
    });
    const pages = await v1Json("breakdown", `site_id=${SITES[0]}&period=day&date=${DAY}&property=event:page&limit=3&page=2`);
    // Seven pages: three with 2 visitors (/blog/post-1, /checkout, /pricing), then /, /DOCS/intro, /blog/post-2, /docs.
    expect(pages).toEqual({
      results: [
        { page: "/", visitors: 1 },
        { page: "/DOCS/intro", visitors: 1 },
        { page: "/blog/post-2", visitors: 1 },
      ],
    });
  }, 30_000);

  it("breakdown of a goal's converting visitors by custom property", async () => {
    const answer = await v1Json(
      "breakdown",
      `site_id=${SITES[0]}&period=day&date=${DAY}&property=event:props:is_customer&filters=${encodeURIComponent("event:goal==Purchase")}`,
    );
    expect(answer).toEqual({ results: [{ is_customer: "true", visitors: 1 }] });
  }, 30_000);

  it("breakdown by event name and a filter on it, in events", async () => {
    const names = await v1Json("breakdown", `site_id=${SITES[0]}&period=day&date=${DAY}&property=event:name&metrics=events&limit=2`);
    expect(names).toEqual({
      results: [
        { name: "pageview", events: 8 },
        { name: "Purchase", events: 2 },
      ],
    });
    const filtered = await v1Json(
      "aggregate",
      `site_id=${SITES[0]}&period=day&date=${DAY}&metrics=events&filters=${encodeURIComponent("event:name==Signup|Newsletter")}`,
    );
    expect(filtered).toEqual({ results: { events: { value: 2 } } });
  }, 30_000);

  it("refuses compare, imported stats and a missing property with Plausible's error shape", async () => {
    for (const [path, query, reason] of [
      ["aggregate", "period=7d&compare=previous_period", /compare/],
      ["aggregate", "period=7d&with_imported=true", /Imported/],
      ["breakdown", "period=7d", /property/],
      ["aggregate", "period=fortnight", /Invalid period/],
    ] as const) {
      const response = await v1(path, `site_id=${SITES[0]}&${query}`);
      const json = (await response.json()) as Json;
      expect(response.status, JSON.stringify(json)).toBe(400);
      expect(json.error).toMatch(reason);
    }
  }, 30_000);
});
