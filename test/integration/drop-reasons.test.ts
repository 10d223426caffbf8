import { exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { DROP_HEADER } from "../../src/routes/ingest-route";
import { eventRequest, fetchWithSettings, getStats, postEvent, readJson, USER_AGENTS } from "../support/collector";

interface Report {
  totals: { visitors: number; pageviews: number; events: number };
  dropped: Record<string, number>;
}

const hit = (site: string, url = `https://${site}/`) => ({ n: "pageview", u: url, d: site });

async function report(site: string): Promise<Report> {
  const response = await getStats(site);
  expect(response.status).toBe(200);
  return readJson<Report>(response);
}

describe("dropped hits answer 202, say why in a header, and are counted per reason", () => {
  it("drops bot and automation user agents, and requests without one", async () => {
    const site = "bots.test";
    for (const userAgent of [
      USER_AGENTS.googlebot,
      "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/131.0.0.0 Safari/537.36",
      "curl/8.5.0",
      "",
    ]) {
      const response = await postEvent(hit(site), { userAgent });
      expect(response.status).toBe(202);
      expect(response.headers.get(DROP_HEADER)).toBe("bot");
      expect(await response.json()).toEqual({ recorded: [], dropped: [{ site, reason: "bot" }] });
    }
    await postEvent(hit(site));
    const figures = await report(site);
    expect(figures.dropped).toEqual({ bot: 4, hostname_mismatch: 0, do_not_track: 0, global_privacy_control: 0, rate_limited: 0 });
    expect(figures.totals.pageviews).toBe(1);
  });

  it("drops a page URL whose hostname does not belong to the site, but accepts subdomains", async () => {
    const site = "hosts.test";
    const foreign = await postEvent(hit(site, "https://attacker.example/"));
    expect(foreign.headers.get(DROP_HEADER)).toBe("hostname_mismatch");
    const lookalike = await postEvent(hit(site, "https://evilhosts.test/"));
    expect(lookalike.headers.get(DROP_HEADER)).toBe("hostname_mismatch");
    const subdomain = await postEvent(hit(site, "https://www.hosts.test/pricing"));
    expect(subdomain.headers.get(DROP_HEADER)).toBeNull();
    const figures = await report(site);
    expect(figures.dropped.hostname_mismatch).toBe(2);
    expect(figures.totals.pageviews).toBe(1);
  });

  it("honours Sec-GPC: 1 and DNT: 1 by default", async () => {
    const site = "privacy.test";
    const gpc = await postEvent(hit(site), { headers: { "sec-gpc": "1" } });
    expect(gpc.headers.get(DROP_HEADER)).toBe("global_privacy_control");
    const dnt = await postEvent(hit(site), { headers: { dnt: "1" } });
    expect(dnt.headers.get(DROP_HEADER)).toBe("do_not_track");
    const dntOff = await postEvent(hit(site), { headers: { dnt: "0" } });
    expect(dntOff.headers.get(DROP_HEADER)).toBeNull();
    const figures = await report(site);
    expect(figures.dropped).toEqual({ bot: 0, hostname_mismatch: 0, do_not_track: 1, global_privacy_control: 1, rate_limited: 0 });
    expect(figures.totals.pageviews).toBe(1);
  });

  it("counts privacy-signal hits for a site that turned honouring off (blog.example)", async () => {
    const response = await postEvent(hit("blog.example"), { headers: { "sec-gpc": "1", dnt: "1" } });
    expect(response.headers.get(DROP_HEADER)).toBeNull();
    expect((await report("blog.example")).totals.pageviews).toBe(1);
  });

  it("drops unknown sites where the deployment restricts sites, without creating their store", async () => {
    const restricted = { UNKNOWN_SITES: "drop" };
    const response = await fetchWithSettings(eventRequest(hit("stranger.test")), restricted);
    expect(response.status).toBe(202);
    expect(response.headers.get(DROP_HEADER)).toBe("unknown_site");
    const stats = await fetchWithSettings(
      new Request("https://collector.test/api/stats/stranger.test", { headers: { authorization: "Bearer test-token" } }),
      restricted,
    );
    expect(stats.status).toBe(404);
  });

  it("records a multi-site hit once per site and drops only the sites that fail", async () => {
    const response = await fetchWithSettings(eventRequest({ n: "pageview", u: "https://shop.example/", d: "shop.example,stranger.test" }), {
      UNKNOWN_SITES: "drop",
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ recorded: ["shop.example"], dropped: [{ site: "stranger.test", reason: "unknown_site" }] });
    expect(response.headers.get(DROP_HEADER)).toBe("stranger.test=unknown_site");
  });

  it("accepts pages on localhost only where the deployment allows it (local dev)", async () => {
    const request = () => eventRequest(hit("local.test", "http://localhost:8787/demo/"));
    const refused = await fetchWithSettings(request(), { ALLOW_LOCALHOST: "false" });
    expect(refused.headers.get(DROP_HEADER)).toBe("hostname_mismatch");
    const allowed = await fetchWithSettings(request(), { ALLOW_LOCALHOST: "true" });
    expect(allowed.headers.get(DROP_HEADER)).toBeNull();
    const figures = await report("local.test");
    expect(figures.totals.pageviews).toBe(1);
    expect(figures.dropped.hostname_mismatch).toBe(1);
  });
});

describe("abuse", () => {
  // 127 hits one after another: ~1 s idle, up to 2.3 s with both cores busy.
  it("rate-limits one client to 120 hits a minute per site with a 429, counting the excess, while others go on", async () => {
    const site = "limited.test";
    const statuses: number[] = [];
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(new Date("2031-12-01T10:00:05Z"));
      for (let i = 0; i < 125; i++) statuses.push((await postEvent(hit(site), { ip: "203.0.113.66" })).status);
      const limited = await postEvent(hit(site), { ip: "203.0.113.66" });
      expect(limited.status).toBe(429);
      expect(limited.headers.get("retry-after")).toBe("60");
      expect(await limited.json()).toMatchObject({ error: { code: "rate_limited" } });
      // Another client of the same site is not affected.
      expect((await postEvent(hit(site), { ip: "203.0.113.67" })).status).toBe(202);
      // The next minute the client may send again.
      vi.setSystemTime(new Date("2031-12-01T10:01:00Z"));
      expect((await postEvent(hit(site), { ip: "203.0.113.66" })).status).toBe(202);
    } finally {
      vi.useRealTimers();
    }
    expect(statuses.filter((status) => status === 202)).toHaveLength(120);
    expect(statuses.filter((status) => status === 429)).toHaveLength(5);
    const figures = await readJson<Report>(await getStats(site, "from=2031-12-01&to=2031-12-01"));
    // 120 + 1 (other client) + 1 (next minute) counted; 6 refused and counted as drops.
    expect(figures.totals.pageviews).toBe(122);
    expect(figures.dropped.rate_limited).toBe(6);
  }, 30_000);

  it("cuts off a body that never finishes with 408", async () => {
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"n":"pageview",'));
        // ...and nothing more, ever.
      },
    });
    const response = await exports.default.fetch(
      new Request("https://collector.test/api/event", {
        method: "POST",
        headers: { "content-type": "text/plain", "user-agent": USER_AGENTS.windowsChrome },
        body: stalled,
      }),
    );
    expect(response.status).toBe(408);
    expect(await response.json()).toMatchObject({ error: { code: "body_timeout" } });
  }, 15_000);
});
