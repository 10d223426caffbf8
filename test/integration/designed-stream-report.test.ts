import { beforeAll, describe, expect, it } from "vitest";
import { getStats, postEventAt, readJson, type Sender, STATS_TOKEN, USER_AGENTS } from "../support/collector";

/**
 * A designed stream of hits on shop.example over two UTC days, and the report it must give.
 * Goals come from the repository's example config: purchase (macro), product_page (micro
 * milestone, any /products/* page), add_to_cart (milestone), newsletter_signup (secondary).
 * Every expected figure below is worked out by hand from the stream, in the comments.
 *
 * Visitors (IP + User-Agent): A desktop DE, B mobile FR, C desktop DE, D tablet US.
 */
const A: Sender = { ip: "198.51.100.1", userAgent: USER_AGENTS.windowsChrome, country: "DE" };
const B: Sender = { ip: "198.51.100.2", userAgent: USER_AGENTS.iPhoneSafari, country: "FR" };
const C: Sender = { ip: "198.51.100.3", userAgent: USER_AGENTS.linuxFirefox, country: "DE" };
const D: Sender = { ip: "198.51.100.4", userAgent: USER_AGENTS.androidTablet, country: "US" };

const SITE = "shop.example";
const page = (path: string, referrer?: string) => ({
  n: "pageview",
  u: `https://${SITE}${path}`,
  d: SITE,
  ...(referrer ? { r: referrer } : {}),
});
const event = (name: string, path: string, extra: Record<string, unknown> = {}) => ({
  n: name,
  u: `https://${SITE}${path}`,
  d: SITE,
  ...extra,
});

// D1 = 2031-03-10, D2 = 2031-03-11 (future dates: no alarm fires while the test runs).
const STREAM: [string, unknown, Sender][] = [
  ["2031-03-10T10:00:00Z", page("/", "https://www.google.com/"), A], //               1 A: google.com, organic_search
  ["2031-03-10T10:05:00Z", page("/products/shoe"), A], //                             2 A: product_page (micro)
  ["2031-03-10T10:06:00Z", event("add_to_cart", "/products/shoe"), A], //             3 A: add_to_cart (micro)
  ["2031-03-10T10:10:00Z", event("purchase", "/checkout", { $: { amount: 100, currency: "EUR" } }), A], // 4 A: macro 100 EUR
  ["2031-03-10T10:11:00Z", event("engagement", "/checkout", { sd: 80, e: 30_000 }), A], // 17 A: engagement, not an event
  ["2031-03-10T11:00:00Z", page("/?utm_source=newsletter&utm_medium=email&utm_campaign=nov"), B], // 5 B: email
  ["2031-03-10T11:02:00Z", event("newsletter_signup", "/"), B], //                    6 B: secondary micro
  ["2031-03-10T11:03:00Z", event("purchase", "/checkout", { revenue: { amount: "20.00", currency: "USD" } }), B], // 7 B: 20 USD
  ["2031-03-10T11:04:00Z", event("purchase", "/checkout", { revenue: { amount: 30, currency: "usd" } }), B], // 8 B: 30 USD
  ["2031-03-10T12:00:00Z", page("/products/hat", "https://t.co/abc"), C], //           9 C: t.co, organic_social
  ["2031-03-10T12:01:00Z", page("/products/shoe"), C], //                             10 C
  ["2031-03-10T13:00:00Z", page("/"), { ...C, userAgent: USER_AGENTS.googlebot }], // dropped: bot
  ["2031-03-10T13:05:00Z", { ...page("/"), u: "https://evil.example/" }, C], //      dropped: hostname mismatch
  ["2031-03-10T23:50:00Z", page("/"), D], //                                          11 D: direct
  ["2031-03-11T00:10:00Z", page("/products/shoe"), D], //                             12 D: visit continues over midnight
  ["2031-03-11T00:15:00Z", event("purchase", "/checkout", { $: { amount: 50, currency: "eur" } }), D], // 13 D: 50 EUR
  ["2031-03-11T09:00:00Z", page("/", "https://www.bing.com/search?q=shoes"), A], //   14 A: new day, bing.com
];

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
  breakdowns: Record<
    string,
    { value: string; visitors: number; pageviews: number; micro: Rate; macro: Rate & { revenue: Record<string, number> } }[]
  >;
  engagement: { visits: number; pages_per_visit: number; visit_duration_s: number; bounce_rate: number };
  dropped: Record<string, number>;
}

const rate = (count: number, visitors: number, conversion_rate: number) => ({ count, visitors, conversion_rate });
const row = (value: string, visitors: number, pageviews: number, micro: Rate, macro: Rate, revenue: Record<string, number> = {}) => ({
  value,
  visitors,
  pageviews,
  micro,
  macro: { ...macro, revenue },
});

describe("a designed stream gives exactly the report worked out by hand", () => {
  let report: Report;
  beforeAll(async () => {
    for (const [time, body, sender] of STREAM) expect((await postEventAt(time, body, sender)).status).toBe(202);
    const response = await getStats(SITE, "from=2031-03-10&to=2031-03-11");
    expect(response.status).toBe(200);
    report = await readJson<Report>(response);
  });

  it("totals: visitors are summed daily uniques (D1: A B C D, D2: D A)", () => {
    // pageviews: 1 2 5 9 10 11 on D1, 12 14 on D2; events: 3 4 6 7 8, 13 (engagement is neither).
    expect(report.totals).toEqual({ visitors: 6, pageviews: 8, events: 6 });
  });

  it("conversions: macro and micro counts, converting visitors, rates and revenue per currency", () => {
    // macro: hits 4 7 8 13; converting visitor-days A B (D1), D (D2) = 3 of 6.
    expect(report.conversions.macro).toEqual({ count: 4, visitors: 3, conversion_rate: 0.5, revenue: { EUR: 150, USD: 50 } });
    // micro: hits 2 3 6 9 10 12; converting visitor-days A B C (D1), D (D2) = 4 of 6.
    expect(report.conversions.micro).toEqual({ count: 6, visitors: 4, conversion_rate: 4 / 6 });
  });

  it("goals: a row per goal, configured goals listed at zero, macro first then by count", () => {
    const zero = (name: string, stage: string) => ({ name, class: "micro", stage, count: 0, visitors: 0, conversion_rate: 0, revenue: {} });
    expect(report.goals).toEqual([
      { name: "purchase", class: "macro", count: 4, visitors: 3, conversion_rate: 0.5, revenue: { EUR: 150, USD: 50 } },
      // product_page: hits 2 9 10 12; visitor-days A C (D1), D (D2).
      { name: "product_page", class: "micro", stage: "milestone", count: 4, visitors: 3, conversion_rate: 0.5, revenue: {} },
      { name: "add_to_cart", class: "micro", stage: "milestone", count: 1, visitors: 1, conversion_rate: 1 / 6, revenue: {} },
      { name: "newsletter_signup", class: "micro", stage: "secondary", count: 1, visitors: 1, conversion_rate: 1 / 6, revenue: {} },
      zero("begin_checkout", "milestone"),
      zero("file_download", "secondary"),
      zero("login", "milestone"),
      zero("outbound_link_click", "secondary"),
      zero("search", "milestone"),
      zero("sign_up", "milestone"),
    ]);
  });

  it("timeseries by day", () => {
    expect(report.timeseries).toEqual([
      { t: "2031-03-10", visitors: 4, pageviews: 6, micro: 5, macro: 3 },
      { t: "2031-03-11", visitors: 2, pageviews: 2, micro: 1, macro: 1 },
    ]);
  });

  it("timeseries by hour counts hourly uniques and fills empty hours", async () => {
    const hourly = await readJson<Report>(await getStats(SITE, "from=2031-03-10&to=2031-03-10&interval=hour"));
    expect(hourly.timeseries).toHaveLength(24);
    const nonEmpty = hourly.timeseries.filter((point) => point.visitors + point.pageviews + point.micro + point.macro > 0);
    expect(nonEmpty).toEqual([
      { t: "2031-03-10T10:00:00+00:00", visitors: 1, pageviews: 2, micro: 2, macro: 1 },
      { t: "2031-03-10T11:00:00+00:00", visitors: 1, pageviews: 1, micro: 1, macro: 2 },
      { t: "2031-03-10T12:00:00+00:00", visitors: 1, pageviews: 2, micro: 2, macro: 0 },
      { t: "2031-03-10T23:00:00+00:00", visitors: 1, pageviews: 1, micro: 0, macro: 0 },
    ]);
  });

  it("channel breakdown: attribution is the visitor-day's first hit, and a visit over midnight keeps it", () => {
    expect(report.breakdowns.channel).toEqual([
      // A on D1 (google) and on D2 (bing): pageviews 1 2 14; micro 2 3; macro 4.
      row("organic_search", 2, 3, rate(2, 1, 0.5), rate(1, 1, 0.5), { EUR: 100 }),
      // D on D1 and, continuing its visit, on D2: pageviews 11 12; micro 12; macro 13.
      row("direct", 2, 2, rate(1, 1, 0.5), rate(1, 1, 0.5), { EUR: 50 }),
      row("organic_social", 1, 2, rate(2, 1, 1), rate(0, 0, 0)),
      row("email", 1, 1, rate(1, 1, 1), rate(2, 1, 1), { USD: 50 }),
    ]);
  });

  it("source breakdown uses the referrer host without www, or utm_source", () => {
    expect(report.breakdowns.source).toEqual([
      row("(none)", 2, 2, rate(1, 1, 0.5), rate(1, 1, 0.5), { EUR: 50 }),
      row("google.com", 1, 2, rate(2, 1, 1), rate(1, 1, 1), { EUR: 100 }),
      row("t.co", 1, 2, rate(2, 1, 1), rate(0, 0, 0)),
      row("bing.com", 1, 1, rate(0, 0, 0), rate(0, 0, 0)),
      row("newsletter", 1, 1, rate(1, 1, 1), rate(2, 1, 1), { USD: 50 }),
    ]);
  });

  it("page breakdown counts visitors with a hit on the page and conversions where they happened", () => {
    expect(report.breakdowns.page).toEqual([
      // "/": A B D on D1, A on D2; the newsletter signup (B's first micro) happened here.
      { ...row("/", 4, 4, rate(1, 1, 0.25), rate(0, 0, 0)), scroll_depth: null, engaged_s: null },
      // shoe: A C (D1), D (D2); micro hits 2 3 10 12; first micro here for A (hit 2) and D (hit 12).
      { ...row("/products/shoe", 3, 3, rate(4, 2, 2 / 3), rate(0, 0, 0)), scroll_depth: null, engaged_s: null },
      // checkout: A B (D1), D (D2), all purchases; the engagement hit adds no visitor.
      // The one engagement report on checkout: scrolled 80 %, engaged 30 s.
      { ...row("/checkout", 3, 0, rate(0, 0, 0), rate(4, 3, 1), { EUR: 150, USD: 50 }), scroll_depth: 80, engaged_s: 30 },
      { ...row("/products/hat", 1, 1, rate(1, 1, 1), rate(0, 0, 0)), scroll_depth: null, engaged_s: null },
    ]);
  });

  it("country, device and campaign breakdowns", () => {
    expect(report.breakdowns.country).toEqual([
      row("DE", 3, 5, rate(4, 2, 2 / 3), rate(1, 1, 1 / 3), { EUR: 100 }),
      row("US", 2, 2, rate(1, 1, 0.5), rate(1, 1, 0.5), { EUR: 50 }),
      row("FR", 1, 1, rate(1, 1, 1), rate(2, 1, 1), { USD: 50 }),
    ]);
    expect(report.breakdowns.device).toEqual([
      row("desktop", 3, 5, rate(4, 2, 2 / 3), rate(1, 1, 1 / 3), { EUR: 100 }),
      row("tablet", 2, 2, rate(1, 1, 0.5), rate(1, 1, 0.5), { EUR: 50 }),
      row("mobile", 1, 1, rate(1, 1, 1), rate(2, 1, 1), { USD: 50 }),
    ]);
    expect(report.breakdowns.campaign).toEqual([
      row("(none)", 5, 7, rate(5, 3, 3 / 5), rate(2, 2, 2 / 5), { EUR: 150 }),
      row("nov", 1, 1, rate(1, 1, 1), rate(2, 1, 1), { USD: 50 }),
    ]);
  });

  it("engagement: visits split at midnight, pages per visit, duration and bounce rate", async () => {
    // Visits: A, B, C, D on D1; D (its visit's part after midnight) and A on D2 = 6.
    // Durations: A 5+1+4+1 min (the engagement beacon counts) = 660 s, B 240 s, C 60 s, D 0 on D1;
    // D 300 s (00:10 to 00:15), A 0 on D2: 1,260 s. Bounces: D on D1 (one pageview), A on D2.
    expect(report.engagement).toEqual({ visits: 6, pages_per_visit: 8 / 6, visit_duration_s: 210, bounce_rate: 2 / 6 });
    const second = await readJson<Report>(await getStats(SITE, "from=2031-03-11&to=2031-03-11"));
    expect(second.engagement).toEqual({ visits: 2, pages_per_visit: 1, visit_duration_s: 150, bounce_rate: 0.5 });
  });

  it("dropped hits by reason", () => {
    expect(report.dropped).toEqual({ bot: 1, hostname_mismatch: 1, do_not_track: 0, global_privacy_control: 0, rate_limited: 0 });
  });

  it("a range with only the second day reports only its hits", async () => {
    const second = await readJson<Report>(await getStats(SITE, "from=2031-03-11&to=2031-03-11"));
    expect(second.totals).toEqual({ visitors: 2, pageviews: 2, events: 1 });
    expect(second.conversions.macro).toEqual({ count: 1, visitors: 1, conversion_rate: 0.5, revenue: { EUR: 50 } });
  });
});

describe("visitor identity from a trusted server-side sender", () => {
  it("takes the visitor's IP from the first X-Forwarded-For entry, so two visitors behind one sender stay two", async () => {
    const site = "server-side.test";
    const send = (forwardedFor: string) =>
      postEventAt(
        "2031-03-12T10:00:00Z",
        { name: "pageview", url: `https://${site}/`, domain: site },
        // Trusted by the admin token (docs/api.md, "Server-side senders"); untrusted, it would be one visitor.
        { ip: "203.0.113.200", headers: { "x-forwarded-for": forwardedFor, authorization: `Bearer ${STATS_TOKEN}` } },
      );
    await send("198.51.100.61, 10.0.0.1");
    await send("198.51.100.62");
    await send("198.51.100.61");
    const report = await readJson<Report>(await getStats(site, "from=2031-03-12&to=2031-03-12"));
    expect(report.totals).toEqual({ visitors: 2, pageviews: 3, events: 0 });
  });
});
