import { exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { getStats, postEvent, readJson } from "../support/collector";

describe("under concurrency", () => {
  // 1,000 hits through the worker: ~2 s idle, 3.4 to 5.6 s with both cores busy; the budget leaves a wide margin.
  it("counts every one of 1,000 concurrent hits (250 visitors x 4 pages)", async () => {
    const site = "load.test";
    const pages = ["/", "/a", "/b", "/c"];
    const requests = Array.from({ length: 1_000 }, (_, i) => {
      const visitor = i % 250;
      const path = pages[Math.floor(i / 250)] ?? "/";
      return exports.default.fetch(
        new Request("https://collector.test/api/event", {
          method: "POST",
          headers: {
            "content-type": "text/plain",
            "user-agent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            // Header values only (the documentation range 198.18.0.0/15): nothing is sent anywhere.
            "cf-connecting-ip": `198.18.${Math.floor(visitor / 256)}.${visitor % 256}`,
          },
          body: JSON.stringify({ n: "pageview", u: `https://${site}${path}`, d: site }),
        }),
      );
    });
    const statuses = (await Promise.all(requests)).map((response) => response.status);
    expect(statuses.filter((status) => status === 202)).toHaveLength(1_000);

    const today = new Date().toISOString().slice(0, 10);
    const report = await readJson<{
      totals: { visitors: number; pageviews: number };
      breakdowns: { page: { value: string; visitors: number; pageviews: number }[] };
    }>(await getStats(site, `from=${today}&to=${today}`));
    expect(report.totals).toMatchObject({ visitors: 250, pageviews: 1_000 });
    expect(
      report.breakdowns.page
        .map(({ value, visitors, pageviews }) => ({ value, visitors, pageviews }))
        .sort((a, b) => a.value.localeCompare(b.value)),
    ).toEqual(pages.map((value) => ({ value, visitors: 250, pageviews: 250 })));
  }, 60_000);

  it("keeps concurrent hits of one visitor consistent: one visitor, every goal counted once per visitor", async () => {
    const site = "samevisitor.test";
    const names = ["add_to_cart", "add_to_cart", "purchase", "purchase", "pageview", "pageview"];
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2031-07-01T12:00:00Z"));
    try {
      await Promise.all(
        Array.from({ length: 60 }, (_, i) => {
          const name = names[i % names.length] ?? "pageview";
          return postEvent({
            n: name,
            u: `https://${site}/x`,
            d: site,
            ...(name === "purchase" ? { $: { amount: 1, currency: "EUR" } } : {}),
          });
        }),
      );
    } finally {
      vi.useRealTimers();
    }
    const report = await readJson<{
      totals: { visitors: number; pageviews: number; events: number };
      conversions: { macro: { count: number; visitors: number; revenue: Record<string, number> } };
    }>(await getStats(site, "from=2031-07-01&to=2031-07-01"));
    expect(report.totals).toEqual({ visitors: 1, pageviews: 20, events: 40 });
    expect(report.conversions.macro).toMatchObject({ count: 20, visitors: 1, revenue: { EUR: 20 } });
  });
});
