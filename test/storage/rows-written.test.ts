import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { buildRecordedHit, type IncomingHit } from "../../src/domain/ingest/recorded-hit";
import { unconfiguredSite } from "../../src/domain/site/site";
import { incomingHit } from "../support/incoming-hit";
import { requestContext } from "../support/request-context";

/**
 * Rows written per hit is what Durable Object storage bills ($1 per million). These are the
 * figures docs/architecture.md states; the SQL cursors' rowsWritten is the measure.
 */
const SITE = "cost.test";
const site = unconfiguredSite(SITE);
const identity = { ip: "198.51.100.50", userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0" };
const incoming = (name: string, path: string, extra: Partial<IncomingHit> = {}) => incomingHit(name, `https://${SITE}${path}`, extra);
const at = (iso: string) => requestContext(Date.parse(iso), { country: "NL" });

/**
 * How the write path spends rows (src/storage/hit-writer.ts): a batch on a quiet site (nothing
 * pending, no batch in the last 2 s) writes straight into the tables; a day small enough is kept
 * whole in its one quiet-day row (src/storage/quiet-days.ts: salt, visitor-days, counters), so
 * such a batch writes that one row (the values new that day cost no row: domain/ingest/value-caps.ts,
 * storage/day-values.ts). Any other batch writes one write-log row; a checkpoint later writes each
 * visitor and merged counter row once for all pending batches (on a quiet day, its row once) and
 * deletes the log rows (one row written per deleted row). The figures below are all-in: what the
 * hits were credited plus what the checkpoint wrote.
 */
describe("rows written per hit", () => {
  // The first test pays the object's cold start: ~1 s idle, about 3 s with both cores busy.
  it("is one for a lone hit on a quiet site (its day's row: salt, visitor-day, counters), with nothing left for a checkpoint", {
    timeout: 30_000,
  }, async () => {
    const store = env.SITE_STORE.getByName("quiet.test");
    const quietSite = unconfiguredSite("quiet.test");
    const hit = buildRecordedHit(
      quietSite,
      { ...incoming("pageview", "/"), url: new URL("https://quiet.test/") },
      at("2031-06-01T10:00:00Z"),
    );
    expect((await store.record(hit, identity)).rowsWritten).toBe(1);
    expect((await store.checkpoint()).rowsWritten).toBe(0);
  });

  it("is one log row per hit in a stream of hits, then once per visitor and counter row at the checkpoint", async () => {
    const store = env.SITE_STORE.getByName(SITE);
    const record = async (hit: IncomingHit, iso: string) =>
      (await store.record(buildRecordedHit(site, hit, at(iso)), identity)).rowsWritten;
    // Quiet: the day's row (salt, new visitor, counters).
    expect(await record(incoming("pageview", "/"), "2031-06-01T10:00:00Z")).toBe(1);
    // The next hits follow within 2 s (real time): one log row each.
    expect(await record(incoming("pageview", "/"), "2031-06-01T10:01:00Z")).toBe(1);
    expect(await record(incoming("add_to_cart", "/p/1"), "2031-06-01T10:02:00Z")).toBe(1);
    expect(await record(incoming("purchase", "/checkout", { revenue: { amount: 9, currency: "EUR" } }), "2031-06-01T10:03:00Z")).toBe(1);
    expect(await record(incoming("purchase", "/checkout", { revenue: { amount: 9, currency: "EUR" } }), "2031-06-01T10:03:30Z")).toBe(1);
    expect(await record(incoming("engagement", "/checkout", { scrollDepth: 50, engagedMs: 4_000 }), "2031-06-01T10:04:00Z")).toBe(1);
    // The checkpoint: the visitor-day, the hour's main counters (pageview "/", add_to_cart "/p/1",
    // purchase "/checkout" with both purchases merged, engagement "/checkout") and the lift counter
    // the first purchase pairs with add_to_cart, all in the day's one row (1); five log rows
    // deleted (5). In the tables the same took a visitor bucket, a main and a lift part (3 + 5).
    expect((await store.checkpoint()).rowsWritten).toBe(6);
  });

  it("continues a visit crossing midnight under the new day's id (yesterday's row is kept, not rewritten)", async () => {
    const store = env.SITE_STORE.getByName("midnight.test");
    const midnightSite = unconfiguredSite("midnight.test");
    const record = async (path: string, iso: string) =>
      (
        await store.record(
          buildRecordedHit(midnightSite, { ...incoming("pageview", path), url: new URL(`https://midnight.test${path}`) }, at(iso)),
          identity,
        )
      ).rowsWritten;
    // Yesterday's row (salt, visitor-day, counters).
    expect(await record("/", "2031-06-02T23:50:00Z")).toBe(1);
    // Within 2 s: a log row, and today's salt in today's row, written with it (2).
    expect(await record("/next", "2031-06-03T00:05:00Z")).toBe(2);
    // Today's row again with the visitor-day and counters (1), the log row deleted (1); yesterday's row untouched.
    expect((await store.checkpoint()).rowsWritten).toBe(2);
    const visitorDays = await runInDurableObject(store, (_instance, state) =>
      state.storage.sql
        .exec<{ day: number }>("SELECT day FROM visitors ORDER BY day")
        .toArray()
        .map((row) => row.day),
    );
    expect(visitorDays).toHaveLength(2);
  });
});

describe("reads between checkpoints", () => {
  it("fold the pending counters alone: the checkpoint after them writes only the visitor row and the log deletes", async () => {
    const store = env.SITE_STORE.getByName("read.test");
    const readSite = unconfiguredSite("read.test");
    const record = async (iso: string) =>
      (
        await store.record(
          buildRecordedHit(readSite, { ...incoming("pageview", "/"), url: new URL("https://read.test/") }, at(iso)),
          identity,
        )
      ).rowsWritten;
    expect(await record("2031-06-01T10:00:00Z")).toBe(1);
    for (const iso of ["2031-06-01T10:01:00Z", "2031-06-01T10:02:00Z", "2031-06-01T10:03:00Z"]) expect(await record(iso)).toBe(1);
    // A read folds the counters into the day's row (1) and marks the log rows' counters folded (1).
    expect(await store.hasData()).toBe(true);
    const hits = await runInDurableObject(
      store,
      (_instance, state) => state.storage.sql.exec<{ hits: number }>("SELECT SUM(hits) AS hits FROM hourly_counters").one().hits,
    );
    expect(hits).toBe(4);
    // The day's row with the visitor-day (1), three log rows deleted (3) and the mark deleted (1).
    expect((await store.checkpoint()).rowsWritten).toBe(5);
  });
});

describe("coalesced writes", () => {
  const burst = async (name: string, hits: number, visitors: number) => {
    const store = env.SITE_STORE.getByName(name);
    const burstSite = unconfiguredSite(name);
    const hit = (i: number) =>
      buildRecordedHit(
        burstSite,
        { ...incoming("pageview", "/"), url: new URL(`https://${name}/`) },
        at(new Date(Date.parse("2031-06-05T10:00:00Z") + i).toISOString()),
      );
    // A lone first hit on the quiet site: straight into its day's row (1 row).
    expect((await store.record(hit(0), identity)).rowsWritten).toBe(1);
    const outcomes = await Promise.all(
      Array.from({ length: hits }, (_, i) => store.record(hit(i + 1), { ...identity, ip: `198.51.100.${i % visitors}` })),
    );
    expect(outcomes.filter((outcome) => !outcome.duplicate && !outcome.rateLimited)).toHaveLength(hits);
    // Each hit is credited its share of its batch's rows, so the shares add up to the log rows.
    const ingest = outcomes.reduce((sum, outcome) => sum + outcome.rowsWritten, 0);
    const { rowsWritten: checkpoint } = await store.checkpoint();
    const counted = await runInDurableObject(
      store,
      (_instance, state) => state.storage.sql.exec<{ hits: number }>("SELECT SUM(hits) AS hits FROM hourly_counters").one().hits,
    );
    expect(counted).toBe(hits + 1);
    return { ingest, checkpoint };
  };

  it("merges 100 concurrent pageviews from 10 visitors into a few log rows and one checkpoint: far under one row per hit", async () => {
    const { ingest, checkpoint } = await burst("coalesce.test", 100, 10);
    // One batch (a batch takes up to 200 hits): 1 log row; the checkpoint writes the day's row once
    // (10 visitor-days and the counter) and deletes 1 log row (3). However the hits split into
    // batches, it stays far below one row per hit (unbatched, it would be 200).
    expect(ingest).toBeGreaterThan(0);
    expect(ingest + checkpoint).toBeLessThan(20);
  });

  it("keeps a burst of 1,000 hits from 20 visitors under 0.1 rows per hit all-in, across batches of at most 200", async () => {
    const { ingest, checkpoint } = await burst("burst.test", 1_000, 20);
    // At least five batches: a log row each (5+); the checkpoint writes the day's row once and
    // deletes the log rows (6+).
    expect(Math.round(ingest)).toBeGreaterThanOrEqual(5);
    expect((ingest + checkpoint) / 1_000).toBeLessThan(0.1);
  });
});
