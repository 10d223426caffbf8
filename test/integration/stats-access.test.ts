import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fetchWithSettings, getStats, postEvent, readJson } from "../support/collector";

interface ErrorBody {
  error: { code: string; message: string; issues?: { field: string; message: string }[] };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("GET /api/stats/:site access", () => {
  it("answers 401 without a token, with a wrong token or another scheme, the same for known and unknown sites", async () => {
    const bodies = new Set<string>();
    for (const site of ["shop.example", "no-such-site.test"]) {
      for (const token of [null, "wrong-token", "test-token-and-more"]) {
        const response = await getStats(site, "", token);
        expect(response.status).toBe(401);
        expect(response.headers.get("www-authenticate")).toBe('Bearer realm="stepwise"');
        bodies.add(await response.text());
      }
      const basic = await exports.default.fetch(`https://collector.test/api/stats/${site}`, {
        headers: { authorization: "Basic dGVzdC10b2tlbg==" },
      });
      expect(basic.status).toBe(401);
      bodies.add(await basic.text());
    }
    // Nothing in the answer tells a configured site from an unknown one.
    expect(bodies.size).toBe(1);
    expect(JSON.parse([...bodies][0] ?? "{}")).toMatchObject({ error: { code: "unauthorized" } });
  });

  it("lets a site's read token read that site only, answering other sites as if unknown", async () => {
    // shop.example's config holds the SHA-256 of this example token.
    const siteToken = "shop-example-read-token-for-the-docs";
    expect((await getStats("shop.example", "", siteToken)).status).toBe(200);
    const other = await getStats("consulting.example", "", siteToken);
    const unknown = await getStats("no-such-site.test", "", siteToken);
    expect([other.status, unknown.status]).toEqual([404, 404]);
    expect(await other.text()).toBe(await unknown.text());
    // The admin token reads every site; a near miss of the site token reads none.
    expect((await getStats("consulting.example")).status).toBe(200);
    expect((await getStats("shop.example", "", `${siteToken}x`)).status).toBe(401);
  });

  it("without an admin token, still serves sites to their read tokens and nothing else", async () => {
    const noAdmin = (token: string) =>
      fetchWithSettings(new Request("https://collector.test/api/stats/shop.example", { headers: { authorization: `Bearer ${token}` } }), {
        STATS_TOKEN: "",
      });
    expect((await noAdmin("shop-example-read-token-for-the-docs")).status).toBe(200);
    expect((await noAdmin("test-token")).status).toBe(401);
  });

  it("answers 404 for a site that is neither configured nor has data, 200 for a configured site without data", async () => {
    const unknown = await getStats("never-seen.test");
    expect(unknown.status).toBe(404);
    expect((await readJson<ErrorBody>(unknown)).error.code).toBe("not_found");
    expect((await getStats("Not_A_Site!")).status).toBe(404);
    const configured = await getStats("consulting.example");
    expect(configured.status).toBe(200);
  });

  it("serves an unconfigured site once it has data, where unknown sites are accepted", async () => {
    expect((await getStats("late.test")).status).toBe(404);
    await postEvent({ n: "pageview", u: "https://late.test/", d: "late.test" });
    expect((await getStats("late.test")).status).toBe(200);
  });

  it("allows cross-origin reads with the token (dashboards on other origins)", async () => {
    const response = await exports.default.fetch("https://collector.test/api/stats/shop.example", {
      method: "OPTIONS",
      headers: {
        origin: "https://dashboard.example",
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
  });
});

describe("GET /api/stats/:site query", () => {
  async function expectBadQuery(query: string, field: string) {
    const response = await getStats("shop.example", query);
    expect(response.status).toBe(400);
    const body = await readJson<ErrorBody>(response);
    expect(body.error.code).toBe("invalid_query");
    expect(body.error.issues?.map((issue) => issue.field)).toContain(field);
  }

  it("rejects bad dates, reversed ranges, unknown intervals, bad limits and unknown parameters with 400", async () => {
    await expectBadQuery("from=2031-13-01", "from");
    await expectBadQuery("from=2031-02-30", "from");
    await expectBadQuery("to=yesterday", "to");
    await expectBadQuery("from=2031-03-10&to=2031-03-01", "from");
    await expectBadQuery("interval=week", "interval");
    await expectBadQuery("limit=0", "limit");
    await expectBadQuery("limit=101", "limit");
    await expectBadQuery("colour=blue", "(query)");
  });

  it("rejects ranges longer than 366 days, or 31 days by hour", async () => {
    await expectBadQuery("from=2030-01-01&to=2031-01-02", "to");
    await expectBadQuery("from=2031-01-01&to=2031-02-01&interval=hour", "to");
    expect((await getStats("shop.example", "from=2031-01-01&to=2031-01-31&interval=hour")).status).toBe(200);
  });

  it("defaults to the last 7 local days of the site (UTC here), today included, by day", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2031-09-10T15:00:00Z"));
    const report = await readJson<{ range: unknown; timeseries: { t: string }[] }>(await getStats("shop.example"));
    expect(report.range).toEqual({ from: "2031-09-04", to: "2031-09-10", interval: "day", timezone: "UTC" });
    expect(report.timeseries.map((point) => point.t)).toEqual([
      "2031-09-04",
      "2031-09-05",
      "2031-09-06",
      "2031-09-07",
      "2031-09-08",
      "2031-09-09",
      "2031-09-10",
    ]);
  });
});
