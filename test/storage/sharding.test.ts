import { listDurableObjectIds } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { getStats, postEventAt, readJson, USER_AGENTS } from "../support/collector";

/**
 * news.example has 8 shards and news-single.example 1, with the same goals and funnel (see
 * stepwise.config.json). The same stream goes to both; every endpoint must answer the same.
 */
const SHARDED = "news.example";
const SINGLE = "news-single.example";
const PAGES = ["/", "/articles/a", "/articles/b", "/about"];
const EVENTS = ["pageview", "pageview", "pageview", "newsletter_signup", "sign_up", "engagement", "share"];
const REFERRERS = [undefined, "https://www.google.com/", "https://t.co/x"];
const AGENTS = [USER_AGENTS.windowsChrome, USER_AGENTS.iPhoneSafari, USER_AGENTS.linuxFirefox];

/** A fixed pseudo-random stream: 40 visitors from 20:00 to past midnight, some of them across it. */
function stream(): { time: string; visitor: number; body: (site: string) => Record<string, unknown> }[] {
  // mulberry32: a small PRNG whose low bits are as random as its high ones.
  let seed = 42;
  const random = (n: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
  const hits: { time: string; visitor: number; body: (site: string) => Record<string, unknown> }[] = [];
  let clock = Date.parse("2031-10-01T20:00:00Z");
  for (let i = 0; i < 240; i++) {
    clock += 60_000 + random(90) * 1_000;
    const visitor = random(40);
    const name = EVENTS[random(EVENTS.length)] ?? "pageview";
    const path = PAGES[random(PAGES.length)] ?? "/";
    const referrer = REFERRERS[visitor % REFERRERS.length];
    const variant = visitor % 4 === 0 ? "B" : visitor % 4 === 1 ? "A" : undefined;
    // Drawn now, once: both sites must get the very same hit.
    const engagement = { sd: 50 + random(51), e: 1_000 * (1 + random(60)) };
    hits.push({
      time: new Date(clock).toISOString(),
      visitor,
      body: (site) => ({
        n: name,
        u: `https://${site}${path}`,
        d: site,
        ...(referrer ? { r: referrer } : {}),
        ...(variant ? { p: { variant } } : {}),
        ...(name === "sign_up" ? { $: { amount: 5, currency: "EUR" } } : {}),
        ...(name === "engagement" ? engagement : {}),
      }),
    });
  }
  return hits;
}

async function answers(site: string): Promise<unknown[]> {
  const range = "from=2031-10-01&to=2031-10-03";
  const queries = [
    ["", range],
    ["", `${range}&interval=hour&to=2031-10-02`],
    ["", `${range}&channel=organic_search`],
    ["", `${range}&page=/articles/a`],
    ["", `${range}&goal=newsletter`],
    ["", `${range}&variant=B`],
    ["/funnels", range],
    ["/funnels", `${range}&page=/about`],
    ["/funnels", `${range}&goal=signup&device=mobile`],
    ["/channels", range],
    ["/channels", `${range}&by=source`],
    ["/variants", range],
    ["/lift", range],
    ["/lift", `${range}&page=/`],
  ];
  const results: unknown[] = [];
  for (const [endpoint, query] of queries) {
    const response = await getStats(`${site}${endpoint}`, query);
    expect(response.status).toBe(200);
    const { site: _site, ...rest } = await readJson<Record<string, unknown>>(response);
    results.push(rest);
  }
  return results;
}

describe("sharding", () => {
  // The stream is posted hit by hit, to both sites: ~4.5 s idle, up to 9.1 s with both cores busy,
  // too close to the default 10 s hook budget.
  beforeAll(async () => {
    for (const hit of stream()) {
      for (const site of [SHARDED, SINGLE]) {
        const sender = {
          ip: `198.51.100.${hit.visitor + 10}`,
          userAgent: AGENTS[hit.visitor % AGENTS.length] ?? USER_AGENTS.windowsChrome,
        };
        expect((await postEventAt(hit.time, hit.body(site), sender)).status).toBe(202);
      }
    }
  }, 90_000);

  it("spreads a sharded site's visitors over several objects", async () => {
    // news-single.example is one object; news.example's 40 visitors land on most of its 8.
    const objects = (await listDurableObjectIds(env.SITE_STORE)).length;
    expect(objects).toBeGreaterThanOrEqual(1 + 5);
  });

  // Under 0.3 s idle, up to 0.9 s with both cores busy.
  it("gives exactly the same report with 8 shards as with 1, from every endpoint and filter", async () => {
    const single = await answers(SINGLE);
    expect(await answers(SHARDED)).toEqual(single);
    // The stream is not trivial: visitors, conversions and funnel progress were counted.
    expect(single[0]).toMatchObject({ totals: { visitors: expect.any(Number) } });
    expect((single[0] as { totals: { visitors: number } }).totals.visitors).toBeGreaterThan(40);
  }, 20_000);
});
