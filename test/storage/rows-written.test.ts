import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { buildRecordedHit, type IncomingHit } from "../../src/domain/ingest/recorded-hit";
import { unconfiguredSite } from "../../src/domain/site/site";

/**
 * Rows written per hit is what Durable Object storage bills ($1 per million). These are the
 * figures docs/architecture.md states; the SQL cursors' rowsWritten is the measure.
 */
const SITE = "cost.test";
const site = unconfiguredSite(SITE);
const identity = { ip: "198.51.100.50", userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0" };
const incoming = (name: string, path: string, extra: Partial<IncomingHit> = {}): IncomingHit => ({
  name,
  url: new URL(`https://${SITE}${path}`),
  referrer: undefined,
  props: {},
  revenue: null,
  scrollDepth: 0,
  engagedMs: 0,
  hashRouting: false,
  ...extra,
});
const at = (iso: string) => ({ timestamp: Date.parse(iso), country: "NL", device: "desktop" });

describe("rows written per hit", () => {
  // Pays the object's cold start (migrations, first salt): ~1 s idle, 2.6 to 3.2 s with both cores busy.
  it("is two for a hit of a known visitor (the visitor row and one counter row), plus one per micro goal a first macro conversion pairs with, plus one per value new that day", async () => {
    const store = env.SITE_STORE.getByName(SITE);
    const record = (hit: IncomingHit, iso: string) => store.record(buildRecordedHit(site, hit, at(iso)), identity);
    // New visitor, new page "/" (a day value, domain/ingest/value-caps.ts).
    expect((await record(incoming("pageview", "/"), "2031-06-01T10:00:00Z")).rowsWritten).toBe(3);
    expect((await record(incoming("pageview", "/"), "2031-06-01T10:01:00Z")).rowsWritten).toBe(2);
    // New page "/p/1" and new event name "add_to_cart".
    expect((await record(incoming("add_to_cart", "/p/1"), "2031-06-01T10:02:00Z")).rowsWritten).toBe(4);
    // First purchase of the day after add_to_cart: one lift row pairs the two; new page and name.
    expect(
      (await record(incoming("purchase", "/checkout", { revenue: { amount: 9, currency: "EUR" } }), "2031-06-01T10:03:00Z")).rowsWritten,
    ).toBe(5);
    expect(
      (await record(incoming("purchase", "/checkout", { revenue: { amount: 9, currency: "EUR" } }), "2031-06-01T10:03:30Z")).rowsWritten,
    ).toBe(2);
    expect(
      (await record(incoming("engagement", "/checkout", { scrollDepth: 50, engagedMs: 4_000 }), "2031-06-01T10:04:00Z")).rowsWritten,
    ).toBe(2);
  }, 30_000);

  it("is two when a visit crossing midnight continues under the new day's id (yesterday's row is kept, not rewritten), plus the page new that day", async () => {
    const store = env.SITE_STORE.getByName(SITE);
    const record = (hit: IncomingHit, iso: string) => store.record(buildRecordedHit(site, hit, at(iso)), identity);
    await record(incoming("pageview", "/"), "2031-06-02T23:50:00Z");
    expect((await record(incoming("pageview", "/next"), "2031-06-03T00:05:00Z")).rowsWritten).toBe(3);
  });
});

describe("coalesced writes", () => {
  it("merges concurrent hits into batch writes: 100 pageviews from 10 visitors write far fewer than 100 rows, all counted", async () => {
    const store = env.SITE_STORE.getByName("coalesce.test");
    const coalesceSite = unconfiguredSite("coalesce.test");
    const hit = (i: number) =>
      buildRecordedHit(
        coalesceSite,
        { ...incoming("pageview", "/"), url: new URL("https://coalesce.test/") },
        at(new Date(Date.parse("2031-06-05T10:00:00Z") + i).toISOString()),
      );
    await store.record(hit(0), identity);
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, (_, i) => store.record(hit(i + 1), { ...identity, ip: `198.51.100.${i % 10}` })),
    );
    expect(outcomes.filter((outcome) => !outcome.duplicate && !outcome.rateLimited)).toHaveLength(100);
    // Each hit is credited its share of its batch's rows, so the shares add up to the rows written.
    // One batch writes 10 visitor rows and 1 counter row; however the hits split into batches,
    // merging keeps it well under one row per hit (unbatched, it would be 200).
    const rowsWritten = outcomes.reduce((sum, outcome) => sum + outcome.rowsWritten, 0);
    expect(rowsWritten).toBeGreaterThan(0);
    expect(rowsWritten).toBeLessThan(50);
    const counted = await runInDurableObject(
      store,
      (_instance, state) => state.storage.sql.exec<{ hits: number }>("SELECT SUM(hits) AS hits FROM hourly_counters").one().hits,
    );
    expect(counted).toBe(101);
  });
});
