import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readJson, STATS_TOKEN } from "../support/collector";

const get = (path: string, token: string | null = STATS_TOKEN) =>
  exports.default.fetch(
    new Request(`https://collector.test${path}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } }),
  );

describe("operations", () => {
  it("answers GET /api/health without a token, uncached", async () => {
    const response = await get("/api/health", null);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    // The fixture config (test/fixtures/stepwise.config.json) has 17 sites.
    expect(await readJson(response)).toEqual({ status: "ok", sites: 17 });
  });

  it("lists the configured sites to the admin token only", async () => {
    const response = await get("/api/sites");
    expect(response.status).toBe(200);
    const { sites } = await readJson<{
      sites: { id: string; timezone: string; shards: number; properties: string[]; funnels: string[] }[];
    }>(response);
    expect(sites).toHaveLength(17);
    expect(sites.find((site) => site.id === "kolkata.test")).toMatchObject({ timezone: "Asia/Kolkata", shards: 1, funnels: ["signup"] });
    expect(sites.find((site) => site.id === "dimensions-sharded.test")).toMatchObject({ shards: 4, properties: ["plan", "author"] });

    expect((await get("/api/sites", null)).status).toBe(401);
    expect((await get("/api/sites", "wrong-token")).status).toBe(401);
    // shop.example's read token reads its reports, not the list of sites.
    expect((await get("/api/sites", "shop-example-read-token-for-the-docs")).status).toBe(401);
  });
});
