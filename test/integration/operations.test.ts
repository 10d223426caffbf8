import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { shardName } from "../../src/domain/visitors/shard-routing";
import { getStats, postEventAt, readJson, STATS_TOKEN, USER_AGENTS } from "../support/collector";
import { dumpTables } from "../support/storage-dump";

const get = (path: string, token: string | null = STATS_TOKEN, method = "GET") =>
  exports.default.fetch(
    new Request(`https://collector.test${path}`, { method, headers: token === null ? {} : { authorization: `Bearer ${token}` } }),
  );

/** Runs `read` with the clock at `iso`. */
async function at<T>(iso: string, read: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date(iso));
  try {
    return await read();
  } finally {
    vi.useRealTimers();
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe("operations", () => {
  it("answers GET /api/health without a token, uncached", async () => {
    const response = await get("/api/health", null);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    // The fixture config (test/fixtures/stepwise.config.json) has 22 sites.
    expect(await readJson(response)).toEqual({ status: "ok", sites: 22 });
  });

  it("lists the configured sites to the admin token only", async () => {
    const response = await get("/api/sites");
    expect(response.status).toBe(200);
    const { sites } = await readJson<{
      sites: { id: string; timezone: string; shards: number; properties: string[]; funnels: string[] }[];
    }>(response);
    expect(sites).toHaveLength(22);
    expect(sites.find((site) => site.id === "kolkata.test")).toMatchObject({ timezone: "Asia/Kolkata", shards: 1, funnels: ["signup"] });
    expect(sites.find((site) => site.id === "dimensions-sharded.test")).toMatchObject({ shards: 4, properties: ["plan", "author"] });

    expect((await get("/api/sites", null)).status).toBe(401);
    expect((await get("/api/sites", "wrong-token")).status).toBe(401);
    // shop.example's read token reads its reports, not the list of sites.
    expect((await get("/api/sites", "shop-example-read-token-for-the-docs")).status).toBe(401);
  });
});

describe("realtime visitors", () => {
  it("counts the visitors of the last five minutes, over every shard", async () => {
    const site = "dimensions-sharded.test";
    const page = { n: "pageview", u: `https://${site}/`, d: site };
    // Ten visitors at 10:00, three of them again at 10:04, one new at 10:05.
    for (let i = 0; i < 10; i++) await postEventAt("2031-09-09T10:00:00Z", page, { ip: `198.51.100.${i + 1}` });
    for (let i = 0; i < 3; i++) await postEventAt("2031-09-09T10:04:00Z", page, { ip: `198.51.100.${i + 1}` });
    await postEventAt("2031-09-09T10:05:00Z", page, { ip: "198.51.100.99", userAgent: USER_AGENTS.iPhoneSafari });
    const realtime = async (iso: string) => at(iso, async () => readJson(await get(`/api/stats/${site}/realtime`)));
    expect(await realtime("2031-09-09T10:05:00Z")).toEqual({ site, visitors: 11, window_s: 300 });
    // At 10:06 the 10:00 visitors are past the window: the three back at 10:04 and the new one remain.
    expect(await realtime("2031-09-09T10:06:00Z")).toEqual({ site, visitors: 4, window_s: 300 });
    expect(await realtime("2031-09-09T10:20:00Z")).toEqual({ site, visitors: 0, window_s: 300 });
    expect((await get(`/api/stats/${site}/realtime`, "wrong")).status).toBe(401);
  });
});

describe("erasing a site", () => {
  it("deletes every shard's stored data, with the admin token only, and the site counts again afterwards", async () => {
    const site = "dimensions-sharded.test";
    const page = { n: "pageview", u: `https://${site}/`, d: site };
    for (let i = 0; i < 12; i++) await postEventAt("2031-09-10T10:00:00Z", page, { ip: `203.0.113.${i + 1}` });
    const visitors = async () =>
      at(
        "2031-09-10T12:00:00Z",
        async () =>
          (await readJson<{ totals: { visitors: number } }>(await getStats(site, "from=2031-09-10&to=2031-09-10"))).totals.visitors,
      );
    expect(await visitors()).toBe(12);

    expect((await get(`/api/sites/${site}/data`, null, "DELETE")).status).toBe(401);
    expect((await get(`/api/sites/${site}/data`, "shop-example-read-token-for-the-docs", "DELETE")).status).toBe(401);
    const erased = await get(`/api/sites/${site}/data`, STATS_TOKEN, "DELETE");
    expect(erased.status).toBe(200);
    expect(await readJson(erased)).toEqual({ site, erased: true, shards: 4 });

    for (let shard = 0; shard < 4; shard++) {
      const tables = await dumpTables(env.SITE_STORE.getByName(shardName(site, shard)));
      for (const [table, rows] of Object.entries(tables)) if (table !== "schema_migrations") expect(rows, table).toEqual([]);
    }
    expect(await visitors()).toBe(0);
    await postEventAt("2031-09-10T10:30:00Z", page, { ip: "203.0.113.200" });
    expect(await visitors()).toBe(1);
  });
});
