import { runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { shardName } from "../../src/domain/visitors/shard-routing";
import { getStats, postEventAt, readJson, type Sender, STATS_TOKEN, USER_AGENTS } from "../support/collector";

/**
 * The added dimensions on a designed stream: every figure below is worked out by hand from the
 * four visitors' hits, not read back from the code. The same stream goes to a site of one object
 * and to one of four shards; the answers must be the same, today (summed live) and after the day
 * closed (rolled up).
 *
 * V1 Chrome on Windows, Munich (DE-BY), from a newsletter (utm_medium=email, content hero, term shoes):
 *   09:00 / · 09:02 /pricing {plan: pro} · 09:03 signup {plan: pro} · 09:05 purchase 30 EUR {plan: pro}
 *   one visit, entered on /, ends on /pricing (its last pageview), not a bounce.
 * V2 Firefox on Linux, Berlin (DE-BE), direct:
 *   10:00 /blog {author: ann} · 10:40 / (a new visit: 40 minutes later) · 10:41 /pricing {plan: free}
 *   two visits: /blog to /blog (a bounce), / to /pricing.
 * V3 Safari on iOS, San Francisco (US-CA), from a Google ad (utm_medium=cpc):
 *   11:00 / · 11:01 purchase 20 USD {plan: pro}: one visit, / to / (the purchase is no pageview), not a bounce.
 * V4 Chrome on Windows, no geolocation: 12:00 /blog, a bounce.
 */
const DAY = "2031-05-06";
const NEXT_DAY_ALARM = "2031-05-07T00:01:30Z";

const V1: Sender = {
  ip: "198.51.100.11",
  userAgent: USER_AGENTS.windowsChrome,
  country: "DE",
  place: { regionCode: "BY", region: "Bavaria", city: "Munich" },
};
const V2: Sender = {
  ip: "198.51.100.12",
  userAgent: USER_AGENTS.linuxFirefox,
  country: "DE",
  place: { regionCode: "BE", region: "Berlin", city: "Berlin" },
};
const V3: Sender = {
  ip: "198.51.100.13",
  userAgent: USER_AGENTS.iPhoneSafari,
  country: "US",
  place: { regionCode: "CA", region: "California", city: "San Francisco" },
};
const V4: Sender = { ip: "198.51.100.14", userAgent: USER_AGENTS.windowsChrome };

async function sendStream(site: string): Promise<void> {
  const hit = (time: string, sender: Sender, name: string, path: string, extra: Record<string, unknown> = {}) =>
    postEventAt(`${DAY}T${time}:00Z`, { n: name, u: `https://${site}${path}`, d: site, ...extra }, sender);
  const sent = [
    await hit("09:00", V1, "pageview", "/?utm_source=news&utm_medium=email&utm_campaign=spring&utm_content=hero&utm_term=shoes"),
    await hit("09:02", V1, "pageview", "/pricing", { p: { plan: "pro" } }),
    await hit("09:03", V1, "signup", "/pricing", { p: { plan: "pro" } }),
    await hit("09:05", V1, "purchase", "/checkout", { p: { plan: "pro" }, $: { amount: 30, currency: "EUR" } }),
    await hit("10:00", V2, "pageview", "/blog", { p: { author: "ann" } }),
    await hit("10:40", V2, "pageview", "/"),
    await hit("10:41", V2, "pageview", "/pricing", { p: { plan: "free" } }),
    await hit("11:00", V3, "pageview", "/?utm_source=google&utm_medium=cpc"),
    await hit("11:01", V3, "purchase", "/checkout", { p: { plan: "pro" }, $: { amount: 20, currency: "USD" } }),
    await hit("12:00", V4, "pageview", "/blog"),
  ];
  expect(sent.map((response) => response.status)).toEqual(Array(10).fill(202));
}

async function stats<T = Record<string, unknown>>(site: string, query: string): Promise<{ status: number; body: T }> {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date(`${DAY}T23:00:00Z`));
  try {
    const response = await getStats(site, `from=${DAY}&to=${DAY}&${query}`);
    return { status: response.status, body: await readJson<T>(response) };
  } finally {
    vi.useRealTimers();
  }
}

interface Row {
  value: string;
  name?: string;
  visitors: number;
  pageviews?: number;
  visits?: number;
  bounce_rate?: number;
  micro?: { count: number; visitors: number };
  macro?: { count: number; visitors: number; revenue: Record<string, number> };
}
interface Report {
  totals: { visitors: number; pageviews: number; events: number };
  conversions: { macro: { count: number; visitors: number; revenue: Record<string, number> }; micro: { count: number; visitors: number } };
  goals: { name: string; count: number; visitors: number }[];
  engagement: { visits: number; bounce_rate: number };
  breakdowns: Record<string, Row[]>;
  timeseries: { t: string; visitors: number; pageviews: number }[];
}

const brief = (rows: Row[] | undefined) => rows?.map(({ value, visitors, pageviews }) => ({ value, visitors, pageviews }));

/** Everything a report says about the added dimensions, for one site. */
async function addedFigures(site: string) {
  const { body } = await stats<Report>(
    site,
    "limit=20&breakdowns=browser,os,utm_medium,utm_content,utm_term,region,city,entry_page,exit_page,props.plan,props.author",
  );
  expect(Object.keys(body.breakdowns)).toHaveLength(11);
  return body.breakdowns;
}

afterEach(() => {
  vi.useRealTimers();
});

describe.each(["dimensions.test", "dimensions-sharded.test"])("added dimensions on %s", (site) => {
  beforeAll(async () => {
    await sendStream(site);
  }, 30_000);

  it("breaks down by browser and operating system, with visits and conversions", async () => {
    const { body } = await stats<Report>(site, "breakdowns=browser,os");
    expect(Object.keys(body.breakdowns).sort()).toEqual(["browser", "os"]);
    expect(body.breakdowns.browser).toEqual([
      {
        value: "Chrome",
        visitors: 2,
        pageviews: 3,
        micro: { count: 1, visitors: 1, conversion_rate: 0.5 },
        macro: { count: 1, visitors: 1, conversion_rate: 0.5, revenue: { EUR: 30 } },
        visits: 2,
        bounce_rate: 0.5,
        // V1's visit lasted 300 s, V4's bounce 0 s.
        visit_duration_s: 150,
      },
      {
        value: "Firefox",
        visitors: 1,
        pageviews: 3,
        micro: { count: 0, visitors: 0, conversion_rate: 0 },
        macro: { count: 0, visitors: 0, conversion_rate: 0, revenue: {} },
        visits: 2,
        bounce_rate: 0.5,
        // 60 s between /  and /pricing in the second visit, over two visits.
        visit_duration_s: 30,
      },
      {
        value: "Safari",
        visitors: 1,
        pageviews: 1,
        micro: { count: 0, visitors: 0, conversion_rate: 0 },
        macro: { count: 1, visitors: 1, conversion_rate: 1, revenue: { USD: 20 } },
        visits: 1,
        bounce_rate: 0,
        visit_duration_s: 60,
      },
    ]);
    expect(brief(body.breakdowns.os)).toEqual([
      { value: "Windows", visitors: 2, pageviews: 3 },
      { value: "Linux", visitors: 1, pageviews: 3 },
      { value: "iOS", visitors: 1, pageviews: 1 },
    ]);
  });

  it("breaks down by UTM medium, content and term, (none) for visitors without them", async () => {
    const { body } = await stats<Report>(site, "breakdowns=utm_medium,utm_content,utm_term");
    expect(brief(body.breakdowns.utm_medium)).toEqual([
      { value: "(none)", visitors: 2, pageviews: 4 },
      { value: "email", visitors: 1, pageviews: 2 },
      { value: "cpc", visitors: 1, pageviews: 1 },
    ]);
    expect(brief(body.breakdowns.utm_content)).toEqual([
      { value: "(none)", visitors: 3, pageviews: 5 },
      { value: "hero", visitors: 1, pageviews: 2 },
    ]);
    expect(brief(body.breakdowns.utm_term)).toEqual([
      { value: "(none)", visitors: 3, pageviews: 5 },
      { value: "shoes", visitors: 1, pageviews: 2 },
    ]);
  });

  it("breaks down by region (ISO 3166-2 code and name) and city, (unknown) where Cloudflare gives none", async () => {
    const { body } = await stats<Report>(site, "breakdowns=region,city");
    expect(body.breakdowns.region?.map(({ value, name, visitors }) => ({ value, name, visitors }))).toEqual([
      // One visitor each: more pageviews first (Berlin 3, Bavaria 2), then by value.
      { value: "DE-BE", name: "Berlin", visitors: 1 },
      { value: "DE-BY", name: "Bavaria", visitors: 1 },
      { value: "(unknown)", name: undefined, visitors: 1 },
      { value: "US-CA", name: "California", visitors: 1 },
    ]);
    expect(brief(body.breakdowns.city)).toEqual([
      { value: "Berlin", visitors: 1, pageviews: 3 },
      { value: "Munich", visitors: 1, pageviews: 2 },
      { value: "(unknown)", visitors: 1, pageviews: 1 },
      { value: "San Francisco", visitors: 1, pageviews: 1 },
    ]);
  });

  it("breaks down by entry page (visits entered there) and exit page (visits ended there)", async () => {
    const { body } = await stats<Report>(site, "breakdowns=entry_page,exit_page");
    expect(body.breakdowns.entry_page).toEqual([
      {
        value: "/",
        visitors: 3,
        pageviews: 5,
        micro: { count: 1, visitors: 1, conversion_rate: 1 / 3 },
        macro: { count: 2, visitors: 2, conversion_rate: 2 / 3, revenue: { EUR: 30, USD: 20 } },
        visits: 3,
        bounce_rate: 0,
        // V1 300 s, V2's second visit 60 s, V3 60 s.
        visit_duration_s: 140,
      },
      {
        value: "/blog",
        visitors: 2,
        pageviews: 2,
        micro: { count: 0, visitors: 0, conversion_rate: 0 },
        macro: { count: 0, visitors: 0, conversion_rate: 0, revenue: {} },
        visits: 2,
        bounce_rate: 1,
        visit_duration_s: 0,
      },
    ]);
    expect(body.breakdowns.exit_page).toEqual([
      { value: "/blog", visitors: 2, visits: 2 },
      { value: "/pricing", visitors: 2, visits: 2 },
      { value: "/", visitors: 1, visits: 1 },
    ]);
  });

  it("breaks down by each allow-listed property, counting the hits that carried the value", async () => {
    const { body } = await stats<Report>(site, "breakdowns=props.plan,props.author");
    expect(body.breakdowns["props.plan"]).toEqual([
      {
        value: "pro",
        visitors: 2,
        pageviews: 1,
        micro: { count: 1, visitors: 1, conversion_rate: 0.5 },
        macro: { count: 2, visitors: 2, conversion_rate: 1, revenue: { EUR: 30, USD: 20 } },
      },
      {
        value: "free",
        visitors: 1,
        pageviews: 1,
        micro: { count: 0, visitors: 0, conversion_rate: 0 },
        macro: { count: 0, visitors: 0, conversion_rate: 0, revenue: {} },
      },
    ]);
    expect(brief(body.breakdowns["props.author"])).toEqual([{ value: "ann", visitors: 1, pageviews: 1 }]);
  });

  it("filters the report by an added dimension: totals, conversions, goals, timeseries, engagement", async () => {
    const { status, body } = await stats<Report>(site, "browser=Chrome");
    expect(status).toBe(200);
    expect(body.totals).toEqual({ visitors: 2, pageviews: 3, events: 2 });
    expect(body.conversions.macro).toMatchObject({ count: 1, visitors: 1, revenue: { EUR: 30 } });
    expect(body.conversions.micro).toMatchObject({ count: 1, visitors: 1 });
    expect(body.goals.map(({ name, count, visitors }) => ({ name, count, visitors }))).toEqual([
      { name: "purchase", count: 1, visitors: 1 },
      { name: "signup", count: 1, visitors: 1 },
    ]);
    expect(body.timeseries).toEqual([{ t: DAY, visitors: 2, pageviews: 3, micro: 1, macro: 1 }]);
    expect(body.engagement).toMatchObject({ visits: 2, bounce_rate: 0.5 });
    // Only the breakdown that is exact inside this filter: the dimension's own.
    expect(Object.keys(body.breakdowns)).toEqual(["browser"]);
    expect(brief(body.breakdowns.browser)).toEqual([{ value: "Chrome", visitors: 2, pageviews: 3 }]);
  });

  it("filters by every added dimension", async () => {
    const visitorsIn = async (query: string) => (await stats<Report>(site, query)).body.totals;
    expect(await visitorsIn("os=Linux")).toEqual({ visitors: 1, pageviews: 3, events: 0 });
    expect(await visitorsIn("utm_medium=cpc")).toEqual({ visitors: 1, pageviews: 1, events: 1 });
    expect(await visitorsIn("utm_content=hero")).toEqual({ visitors: 1, pageviews: 2, events: 2 });
    expect(await visitorsIn("utm_term=shoes")).toEqual({ visitors: 1, pageviews: 2, events: 2 });
    expect(await visitorsIn("region=US-CA")).toEqual({ visitors: 1, pageviews: 1, events: 1 });
    expect(await visitorsIn("city=Berlin")).toEqual({ visitors: 1, pageviews: 3, events: 0 });
    expect(await visitorsIn("entry_page=/blog")).toEqual({ visitors: 2, pageviews: 2, events: 0 });
    expect(await visitorsIn("props.author=ann")).toEqual({ visitors: 1, pageviews: 1, events: 0 });
    // With a goal: the visitors who reached it among the hits carrying plan=pro.
    const { body } = await stats<Report>(site, "props.plan=pro&goal=purchase");
    expect(body.totals.visitors).toBe(2);
    expect(body.conversions.macro).toMatchObject({ count: 2, visitors: 2, revenue: { EUR: 30, USD: 20 } });
  });

  it("answers 400 with the reason for every pair it does not count exactly", async () => {
    const refused = async (query: string, endpoint = "") => {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(new Date(`${DAY}T23:00:00Z`));
      const response = await getStats(`${site}${endpoint}`, `from=${DAY}&to=${DAY}&${query}`);
      vi.useRealTimers();
      const body = await readJson<{ error: { code: string; issues: { field: string; message: string }[] } }>(response);
      return { status: response.status, code: body.error.code, issue: body.error.issues[0] };
    };
    expect(await refused("browser=Chrome&country=DE")).toMatchObject({
      status: 400,
      code: "unsupported_filter",
      issue: { field: "country" },
    });
    expect(await refused("browser=Chrome&os=Windows")).toMatchObject({ status: 400, issue: { field: "os" } });
    expect(await refused("exit_page=/")).toMatchObject({ status: 400, issue: { field: "exit_page" } });
    expect(await refused("browser=Chrome&breakdowns=page")).toMatchObject({ status: 400, issue: { field: "breakdowns" } });
    expect(await refused("country=DE&breakdowns=city")).toMatchObject({ status: 400, issue: { field: "breakdowns" } });
    expect(await refused("browser=Chrome&interval=hour")).toMatchObject({ status: 400, issue: { field: "interval" } });
    for (const endpoint of ["/funnels", "/channels", "/variants", "/lift"]) {
      expect(await refused("city=Munich", endpoint)).toMatchObject({ status: 400, code: "unsupported_filter", issue: { field: "city" } });
    }
    expect(await refused("props.unknown=x")).toMatchObject({ status: 400, code: "invalid_query" });
    expect(await refused("breakdowns=props.unknown")).toMatchObject({ status: 400, code: "invalid_query" });
  });

  it("gives the same figures once the day is closed and rolled up", async () => {
    const live = await addedFigures(site);
    const filtered = await stats<Report>(site, "entry_page=/");
    const shards = site === "dimensions-sharded.test" ? 4 : 1;
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date(NEXT_DAY_ALARM));
    for (let shard = 0; shard < shards; shard++) {
      await runDurableObjectAlarm(env.SITE_STORE.getByName(shardName(site, shard)));
    }
    vi.useRealTimers();
    expect(await addedFigures(site)).toEqual(live);
    expect(await stats<Report>(site, "entry_page=/")).toEqual(filtered);
    expect(filtered.body.totals).toEqual({ visitors: 3, pageviews: 5, events: 3 });
  });
});

describe("a late hit into a closed day", () => {
  it("reopens the day's added counters, which are rolled up again, exactly, at the next close", async () => {
    const site = "sender.test";
    const trusted = (visitorIp: string, userAgent: string): Sender => ({
      ip: "192.0.2.1",
      userAgent,
      headers: { authorization: "Bearer sender-token-0001", "x-forwarded-for": visitorIp },
    });
    const browsers = async (time: string) => {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(new Date(time));
      const response = await getStats(site, "from=2031-07-01&to=2031-07-01&breakdowns=browser");
      vi.useRealTimers();
      return brief((await readJson<Report>(response)).breakdowns.browser);
    };
    const page = { n: "pageview", u: `https://${site}/`, d: site };
    expect((await postEventAt("2031-07-01T21:00:00Z", page, trusted("203.0.113.1", USER_AGENTS.windowsChrome))).status).toBe(202);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2031-07-02T00:01:30Z"));
    await runDurableObjectAlarm(env.SITE_STORE.getByName(site));
    vi.useRealTimers();
    expect(await browsers("2031-07-02T00:20:00Z")).toEqual([{ value: "Chrome", visitors: 1, pageviews: 1 }]);

    // 00:30 on the 2nd: a hit of 22:00 on the 1st, from another visitor, lands in the closed day.
    const late = { ...page, ts: Date.parse("2031-07-01T22:00:00Z") };
    expect((await postEventAt("2031-07-02T00:30:00Z", late, trusted("203.0.113.2", USER_AGENTS.linuxFirefox))).status).toBe(202);
    const reopened = [
      { value: "Chrome", visitors: 1, pageviews: 1 },
      { value: "Firefox", visitors: 1, pageviews: 1 },
    ];
    expect(await browsers("2031-07-02T00:40:00Z")).toEqual(reopened);

    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2031-07-03T00:01:30Z"));
    await runDurableObjectAlarm(env.SITE_STORE.getByName(site));
    vi.useRealTimers();
    expect(await browsers("2031-07-03T00:10:00Z")).toEqual(reopened);
  }, 20_000);
});

describe("CSV answers", () => {
  it("gives every stats endpoint's tables as CSV, by ?format=csv or Accept: text/csv", async () => {
    const site = "dimensions-csv.test";
    await sendStream(site);
    const csv = async (endpoint: string, query: string) => {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(new Date(`${DAY}T23:00:00Z`));
      const response = await getStats(`${site}${endpoint}`, `from=${DAY}&to=${DAY}&${query}`);
      vi.useRealTimers();
      return {
        status: response.status,
        type: response.headers.get("content-type"),
        disposition: response.headers.get("content-disposition"),
        text: await response.text(),
      };
    };
    const timeseries = await csv("", "format=csv");
    expect(timeseries).toMatchObject({ status: 200, type: "text/csv; charset=utf-8" });
    expect(timeseries.disposition).toBe(`attachment; filename="${site}-report-${DAY}-${DAY}.csv"`);
    // The stream above, by hand: 4 visitors, 7 pageviews, 1 micro (signup) and 2 macro (purchases).
    expect(timeseries.text).toBe(`t,visitors,pageviews,micro,macro\r\n${DAY},4,7,1,2\r\n`);

    const browsers = await csv("", "format=csv&table=browser");
    expect(browsers.text.split("\r\n")[0]).toBe(
      "value,visitors,pageviews,micro_count,micro_visitors,micro_conversion_rate,macro_count,macro_visitors,macro_conversion_rate,macro_revenue_EUR,visits,bounce_rate,visit_duration_s,macro_revenue_USD",
    );
    expect(browsers.text.split("\r\n")[1]).toBe("Chrome,2,3,1,1,0.5,1,1,0.5,30,2,0.5,150,");

    for (const [endpoint, table] of [
      ["/funnels", "steps"],
      ["/channels", "channel"],
      ["/variants", "goals"],
      ["/lift", "lift"],
    ] as const) {
      const answer = await csv(endpoint, `format=csv&table=${table}`);
      expect(answer.status, endpoint).toBe(200);
      expect(answer.type).toBe("text/csv; charset=utf-8");
    }
    expect((await csv("", "format=csv&table=nope")).status).toBe(400);
  });

  it("answers CSV to Accept: text/csv", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date(`${DAY}T23:00:00Z`));
    const response = await exports.default.fetch(
      new Request(`https://collector.test/api/stats/dimensions-csv.test?from=${DAY}&to=${DAY}`, {
        headers: { authorization: `Bearer ${STATS_TOKEN}`, accept: "text/csv" },
      }),
    );
    vi.useRealTimers();
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect((await response.text()).startsWith("t,visitors,pageviews,micro,macro\r\n")).toBe(true);
  });
});
