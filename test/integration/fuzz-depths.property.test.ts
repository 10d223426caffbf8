import { exports } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { getStats, postEventAt, readJson, STATS_TOKEN } from "../support/collector";

/**
 * Fuzzing that reaches the depths. Arbitrary queries are mostly refused before any SQL runs, so
 * here the queries are well formed (every endpoint, every filter field with values of every
 * shape, ranges and limits at their edges, sites in several time zones) and the hits extreme but
 * valid (largest amounts, every currency, longest fields, dated back by a trusted sender): still
 * never a 5xx, and every accepted hit counted exactly once.
 */
const SITES = ["shop.example", "kolkata.test", "newyork.test", "lordhowe.test", "chatham.test"];
const FILTERS = ["page", "channel", "source", "country", "device", "variant", "goal"] as const;
const ADDED_FILTERS = [
  "browser",
  "os",
  "utm_medium",
  "utm_content",
  "utm_term",
  "region",
  "city",
  "entry_page",
  "exit_page",
  "props.plan",
] as const;
const BREAKDOWNS = ["browser", "page,city", "entry_page,exit_page", "region,os,utm_term", "props.plan", "source,utm_medium"] as const;
const DAYS = ["2031-10-01", "2031-10-02", "2031-10-03"];

const filterValue = fc.oneof(
  fc.constantFrom("/", "/products/trail-shoe", "organic_search", "direct", "google.com", "LT", "desktop", "B", "purchase", "signup"),
  fc.constantFrom("(other)", "(none)", "(redacted)", "(unknown)", "%", "_", "'", '"', "\\", "*", "/**"),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }),
  fc.string({ unit: "binary", minLength: 1950, maxLength: 2_000 }),
);
const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** Ranges at and around their edges: one day, the hourly maximum of 31 days, the yearly 366, and a few past them. */
const range = fc
  .tuple(
    fc.constantFrom(...DAYS, "2030-10-02", "2031-12-31", "2032-02-29"),
    fc.oneof(
      { arbitrary: fc.constantFrom(0, 1, 2, 6, 30), weight: 6 },
      { arbitrary: fc.constantFrom(89, 365), weight: 2 },
      { arbitrary: fc.constantFrom(-1, 31, 366), weight: 1 },
    ),
  )
  .map(([from, span]) => ({ from, to: isoDay(Date.parse(from) + span * DAY_MS) }));
const query = fc.record(
  {
    range,
    interval: fc.constantFrom("day", "day", "day", "hour"),
    limit: fc.oneof(
      { arbitrary: fc.constantFrom("1", "2", "10", "100"), weight: 9 },
      { arbitrary: fc.constantFrom("0", "101"), weight: 1 },
    ),
    by: fc.constantFrom("channel", "source", "campaign"),
    filters: fc.uniqueArray(fc.tuple(fc.constantFrom(...FILTERS), filterValue), { maxLength: 4, selector: ([field]) => field }),
    // An added-dimension filter in one query of four, and named breakdowns in one of three.
    added: fc.oneof(
      { arbitrary: fc.constant(null), weight: 3 },
      { arbitrary: fc.tuple(fc.constantFrom(...ADDED_FILTERS), filterValue), weight: 1 },
    ),
    breakdowns: fc.oneof({ arbitrary: fc.constant(null), weight: 2 }, { arbitrary: fc.constantFrom(...BREAKDOWNS), weight: 1 }),
  },
  { requiredKeys: ["filters", "range"] },
);

beforeAll(async () => {
  // Data in every site and day, so that queries read real rows.
  for (const site of SITES) {
    for (const day of DAYS) {
      for (const [i, path] of ["/", "/products/trail-shoe", "/checkout"].entries()) {
        await postEventAt(
          `${day}T1${i}:00:00Z`,
          {
            n: "pageview",
            u: `https://${site}${path}?utm_source=google.com&utm_medium=cpc&utm_term=shoes`,
            d: site,
            p: { variant: "B", plan: "pro" },
          },
          { ip: `198.51.100.${i + 1}`, country: "LT", place: { regionCode: "VL", region: "Vilnius County", city: "Vilnius" } },
        );
      }
      await postEventAt(
        `${day}T14:00:00Z`,
        { n: "purchase", u: `https://${site}/checkout`, d: site, $: { amount: 12, currency: "EUR" } },
        { ip: "198.51.100.1" },
      );
    }
  }
}, 120_000);

describe("fuzzing the depths", () => {
  it("well-formed stats queries on every endpoint: never a 5xx, and most of them answered from storage", async () => {
    let answered = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SITES),
        fc.constantFrom("", "/funnels", "/channels", "/variants", "/lift"),
        query,
        async (site, endpoint, q) => {
          runs += 1;
          const params = new URLSearchParams();
          params.set("from", q.range.from);
          params.set("to", q.range.to);
          for (const key of ["interval", "limit"] as const) if (q[key] !== undefined) params.set(key, q[key]);
          if (endpoint === "/channels" && q.by !== undefined) params.set("by", q.by);
          for (const [field, value] of q.filters) params.set(field, value);
          if (q.added) params.set(q.added[0], q.added[1]);
          if (q.breakdowns && endpoint === "") params.set("breakdowns", q.breakdowns);
          const response = await getStats(`${site}${endpoint}`, params.toString());
          expect(response.status, `${site}${endpoint}?${params}`).toBeLessThan(500);
          const body = await readJson<{ error?: { code: string } }>(response);
          if (response.status === 200) answered += 1;
          else expect(body.error?.code, `${site}${endpoint}?${params}`).toMatch(/^(invalid_query|unsupported_filter)$/);
        },
      ),
      { numRuns: 400 },
    );
    console.log(JSON.stringify({ record: "fuzz depths: queries", runs, answered }));
    // Well formed means they mostly pass validation and run their SQL.
    expect(answered / runs).toBeGreaterThan(0.5);
  }, 240_000);

  it("extreme but valid hits: largest amounts, every currency, longest fields, dated back; each accepted hit counted once", async () => {
    const site = "shop.example";
    const currencies = Intl.supportedValuesOf("currency");
    const now = Date.parse("2031-11-20T12:00:00Z");
    let sent = 0;
    let euros = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...currencies),
        fc.oneof(fc.constant(1e12), fc.integer({ min: 0, max: 1_000_000 })),
        fc.string({ unit: "grapheme-ascii", minLength: 120, maxLength: 120 }),
        fc.integer({ min: 0, max: 23 * 3_600_000 }),
        fc.dictionary(fc.string({ minLength: 300, maxLength: 300 }), fc.string({ minLength: 2_000, maxLength: 2_000 }), {
          minKeys: 0,
          maxKeys: 3,
        }),
        async (currency, amount, name, ageMs, props) => {
          const path = `/${"p".repeat(1_900)}`;
          const body = {
            n: name.trim() === "" ? "x" : name,
            u: `https://${site}${path}`,
            d: site,
            r: `https://ref.example/${"r".repeat(1_900)}`,
            p: props,
            $: { amount, currency },
            ts: now - ageMs,
            id: `deep-${String(sent).padStart(8, "0")}`,
          };
          const response = await postEventAt(new Date(now).toISOString(), body, {
            ip: "192.0.2.1",
            headers: { authorization: `Bearer ${STATS_TOKEN}`, "x-forwarded-for": `203.0.113.${sent % 250}` },
          });
          expect(response.status).toBe(202);
          sent += 1;
          if (currency === "EUR") euros += amount;
        },
      ),
      { numRuns: 150 },
    );
    const report = await readJson<{ totals: { events: number }; conversions: { macro: { revenue: Record<string, number> } } }>(
      await getStats(site, "from=2031-11-19&to=2031-11-20"),
    );
    expect(report.totals.events).toBe(sent);
    expect(report.conversions.macro.revenue.EUR ?? 0).toBe(euros);
    // And the extreme stream breaks no other endpoint.
    for (const endpoint of ["/funnels", "/channels", "/variants", "/lift"]) {
      const response = await exports.default.fetch(
        new Request(`https://collector.test/api/stats/${site}${endpoint}?from=2031-11-19&to=2031-11-20`, {
          headers: { authorization: `Bearer ${STATS_TOKEN}` },
        }),
      );
      expect(response.status, endpoint).toBe(200);
    }
  }, 240_000);
});
