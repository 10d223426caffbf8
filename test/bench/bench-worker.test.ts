import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { isbot } from "isbot";
import { describe, expect, it } from "vitest";
import type { BenchEnv } from "../../bench/bench-env";
import benchConfig, { BENCH_SITES } from "../../bench/bench-shop";
import type { StoreUsage } from "../../bench/bench-site-store";
import { encodeGeolocation, GEO_HEADER, TrafficMix, USER_AGENTS } from "../../bench/simulated-traffic";
import { loadSiteDirectory } from "../../src/config/site-directory";
import { deviceClass } from "../../src/domain/ingest/device";
import { postEvent } from "../support/collector";

/** The bench worker (bench/wrangler.toml): the production worker behind the /__bench/ routes. */
const bench = (path: string, method = "POST") => exports.default.fetch(new Request(`https://collector.test${path}`, { method }));
const benchEnv = env as unknown as BenchEnv;
const DAY_MS = 86_400_000;

describe("the bench worker of npm run bench", () => {
  it("answers the no-op and bumps the bare counter", async () => {
    expect((await bench("/__bench/noop")).status).toBe(204);
    expect((await bench("/__bench/counter")).status).toBe(204);
    expect(await benchEnv.BENCH_COUNTER.getByName("bench").increment()).toBe(2);
  });

  it("serves the production routes and reports every row a hit and its day's closing wrote, by table and phase", async () => {
    expect((await postEvent({ n: "pageview", u: "https://usage.test/", d: "usage.test" })).status).toBe(202);
    const usage = (await (await bench("/__bench/usage/usage.test", "GET")).json()) as StoreUsage;
    // A new visitor's pageview on a quiet site writes one row: its day's quiet-day row, holding
    // the day's salt, the visitor-day and the hour's counters (its page, a value of the day for the
    // caps, costs no row). Nothing is left in the write log for a checkpoint; migrations are not counted.
    expect(usage).toMatchObject({
      hitsRecorded: 1,
      rowsWritten: 1,
      rowsWrittenByPhase: { ingest: 1, checkpoint: 0, maintenance: 0, other: 0 },
      rowsWrittenByTable: { quiet_days: { ingest: 1 } },
      rows: { visitors: 1, hourly_counters: 1, salts: 0, day_values: 0 },
    });
    expect(usage.rowsWrittenByTable.schema_migrations).toBeUndefined();
    expect(await (await bench("/__bench/checkpoint/usage.test")).json()).toEqual({ rowsWritten: 0 });

    // Two midnights later the day is rolled up and its salt and visitor-day are gone: the same row
    // rewritten once, the one maintenance row; the counter stays.
    const day = Math.floor(Date.now() / DAY_MS);
    const closed = (await (await bench(`/__bench/maintain/usage.test?at=${(day + 2) * DAY_MS + 60_000}`)).json()) as StoreUsage;
    expect(closed.rows).toMatchObject({ visitors: 0, hourly_counters: 1, day_values: 0 });
    expect(closed.rowsWrittenByTable).toEqual({ quiet_days: { ingest: 1, checkpoint: 0, maintenance: 1, other: 0 } });
    expect(closed.rowsWrittenByPhase.maintenance).toBe(1);
  });

  it("times a report inside the store next to the live sums it replaced, after checking both agree", async () => {
    const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    expect((await bench(`/__bench/simulate/timed.test?day=${Math.floor(Date.now() / 86_400_000) - 1}&hits=40`)).status).toBe(200);
    const response = await bench(`/__bench/report-time/timed.test?from=${day}&to=${day}&liveFirst=1`, "GET");
    expect(response.status).toBe(200);
    const timing = (await response.json()) as { ms: number; liveMs: number };
    expect(timing.ms).toBeGreaterThanOrEqual(0);
    expect(timing.liveMs).toBeGreaterThanOrEqual(0);
    expect((await bench("/__bench/report-time/timed.test?from=not-a-day", "GET")).status).toBe(400);
  });

  it("takes a hit's geolocation from the bench header as request.cf", async () => {
    const geo = { country: "FR", region: "Île-de-France", regionCode: "IDF", city: "Paris", timezone: "Europe/Paris" };
    const response = await exports.default.fetch(
      new Request("https://collector.test/api/event", {
        method: "POST",
        headers: {
          "content-type": "text/plain",
          "user-agent": USER_AGENTS[0] ?? "",
          "cf-connecting-ip": "198.18.0.9",
          [GEO_HEADER]: encodeGeolocation(geo),
        },
        body: JSON.stringify({ n: "pageview", u: "https://geo.test/", d: "geo.test" }),
      }),
    );
    expect(response.status).toBe(202);
    const countries = await runInDurableObject(benchEnv.SITE_STORE.getByName("geo.test"), (_instance, state) =>
      state.storage.sql.exec<{ country: string }>("SELECT country FROM hourly_counters").toArray(),
    );
    expect(countries).toEqual([{ country: "FR" }]);
  });

  it("records simulated days of each mix on the bench shop", async () => {
    const day = Math.floor(Date.now() / DAY_MS) - 3;
    for (const mix of ["normal", "flood-unique", "flood-combos"]) {
      const usage = (await (await bench(`/__bench/simulate/big.example?day=${day}&hits=200&mix=${mix}`)).json()) as StoreUsage;
      expect(usage.rowsWrittenByPhase.maintenance).toBeGreaterThan(0);
    }
    const usage = (await (await bench("/__bench/usage/big.example", "GET")).json()) as StoreUsage;
    expect(usage.hitsRecorded).toBe(600);
    // The bench shop's funnel counts.
    expect(usage.rows.funnel_counters).toBeGreaterThan(0);
  });

  it("refuses a simulated day without whole numbers or with an unknown mix", async () => {
    expect((await bench("/__bench/simulate/x.test?day=1&hits=0")).status).toBe(400);
    expect((await bench("/__bench/simulate/x.test?day=1&hits=1&mix=other")).status).toBe(400);
    expect((await bench("/__bench/maintain/x.test?at=soon")).status).toBe(400);
  });
});

describe("the bench's shop and traffic", () => {
  it("configures every bench site as the shop, as the worker's own loader accepts it", () => {
    const sites = loadSiteDirectory(benchConfig);
    expect(sites.siteIds).toEqual([...BENCH_SITES]);
    expect(sites.get("bench.example")?.funnels.map((funnel) => funnel.name)).toEqual(["checkout"]);
  });

  it("sends browsers of every device class and no bot", () => {
    expect(USER_AGENTS.filter((userAgent) => isbot(userAgent))).toEqual([]);
    expect(new Set(USER_AGENTS.map(deviceClass))).toEqual(new Set(["desktop", "mobile", "tablet"]));
  });

  it("sends a few hits per visitor, engagement, events with ids and props, thousands of pages", () => {
    const mix = new TrafficMix("bench.example", { openVisits: 400 });
    const hits = Array.from({ length: 20_000 }, () => mix.next());
    const share = (test: (hit: (typeof hits)[number]) => boolean) => hits.filter(test).length / hits.length;
    expect(hits.length / mix.visitors).toBeGreaterThan(3);
    expect(hits.length / mix.visitors).toBeLessThan(7);
    expect(share((hit) => hit.body.n === "engagement")).toBeGreaterThan(0.3);
    expect(share((hit) => hit.body.id !== undefined)).toBeGreaterThan(0.04);
    expect(share((hit) => hit.body.$ !== undefined)).toBeGreaterThan(0.002);
    expect(share((hit) => /utm_term=/.test(hit.body.u))).toBeGreaterThan(0.01);
    expect(new Set(hits.map((hit) => new URL(hit.body.u).pathname)).size).toBeGreaterThan(1_500);
    expect(new Set(hits.map((hit) => hit.geo.country)).size).toBeGreaterThan(30);
  });
});
