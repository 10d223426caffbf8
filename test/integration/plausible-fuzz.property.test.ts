import { exports } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { plausibleErrorSchema, plausibleQueryAnswerSchema } from "../../src/schemas/plausible-answer-schemas";
import { postEventAt, STATS_TOKEN, USER_AGENTS } from "../support/collector";

/**
 * Fuzzing Plausible's Stats API (POST /api/v2/query, GET /api/v1/stats/*) with well-formed queries
 * drawn from its grammar (every metric, dimension, operator and date range, supported or not,
 * nested filters), so that the planner is reached, and with arbitrary bodies. The answer is always
 * a 200 matching the answer schema or a 4xx `{"error": "..."}`: never a 5xx, never another shape.
 */
const SITE = "plausible.test";
const DAY = "2031-06-10";

const METRICS = [
  "visitors",
  "visits",
  "pageviews",
  "events",
  "views_per_visit",
  "bounce_rate",
  "visit_duration",
  "scroll_depth",
  "percentage",
  "conversion_rate",
  "group_conversion_rate",
  "total_revenue",
  "average_revenue",
  "time_on_page",
] as const;
const DIMENSIONS = [
  "event:goal",
  "event:page",
  "event:class",
  "event:name",
  "event:props:is_customer",
  "event:props:nope",
  "visit:source",
  "visit:channel",
  "visit:utm_campaign",
  "visit:utm_medium",
  "visit:device",
  "visit:browser",
  "visit:os",
  "visit:country",
  "visit:country_name",
  "visit:region_name",
  "visit:city_name",
  "visit:city",
  "visit:entry_page",
  "visit:exit_page",
  "time",
  "time:hour",
  "time:day",
  "time:week",
  "time:month",
] as const;
const VALUES = [
  "/",
  "/pricing",
  "/blog/post-1",
  "DE",
  "Germany",
  "Chrome",
  "Purchase",
  "Signup",
  "macro",
  "micro",
  "milestone",
  "true",
  "",
  "^/b",
  "(x",
];

const clause = fc.constantFrom(...VALUES);
const leaf = fc
  .tuple(
    fc.constantFrom("is", "is_not", "contains", "contains_not", "matches", "matches_not"),
    fc.constantFrom(...DIMENSIONS.filter((name) => !name.startsWith("time"))),
    fc.array(clause, { minLength: 1, maxLength: 3 }),
    fc.option(fc.record({ case_sensitive: fc.boolean() }), { nil: undefined }),
  )
  .map(([operator, dimension, clauses, modifiers]) =>
    modifiers === undefined ? [operator, dimension, clauses] : [operator, dimension, clauses, modifiers],
  );
const filter = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.tuple(fc.constantFrom("and", "or"), fc.array(tie("node"), { minLength: 1, maxLength: 3 })),
    fc.tuple(fc.constant("not"), tie("node")),
  ),
})).node;
const dateRange = fc.oneof(
  fc.constantFrom("day", "7d", "28d", "30d", "91d", "month", "6mo", "12mo", "year", "all", "24h"),
  fc.constant([DAY, DAY]),
  fc.constant(["2031-06-01", "2031-06-30"]),
  fc.constant([`${DAY}T00:00:00+03:00`, `${DAY}T23:59:59+03:00`]),
  fc.constant([`${DAY}T10:00:00+03:00`, `${DAY}T11:00:00+03:00`]),
);
const query = fc.record(
  {
    site_id: fc.constant(SITE),
    metrics: fc.uniqueArray(fc.constantFrom(...METRICS), { minLength: 1, maxLength: 4 }),
    date_range: dateRange,
    dimensions: fc.uniqueArray(fc.constantFrom(...DIMENSIONS), { maxLength: 2 }),
    filters: fc.array(filter, { maxLength: 3 }),
    include: fc.record({ time_labels: fc.boolean(), total_rows: fc.boolean() }, { requiredKeys: [] }),
    pagination: fc.record({ limit: fc.integer({ min: 1, max: 20 }), offset: fc.integer({ min: 0, max: 5 }) }, { requiredKeys: [] }),
  },
  { requiredKeys: ["site_id", "metrics", "date_range"] },
);

async function at<T>(run: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date("2031-06-11T09:00:00Z"));
  try {
    return await run();
  } finally {
    vi.useRealTimers();
  }
}

const post = (body: string) =>
  at(() =>
    exports.default.fetch(
      new Request("https://collector.test/api/v2/query", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${STATS_TOKEN}` },
        body,
      }),
    ),
  );

async function expectPlausibleAnswer(response: Response, what: string): Promise<void> {
  const body: unknown = await response.json();
  expect(response.status, `${what} -> ${JSON.stringify(body)}`).toBeLessThan(500);
  if (response.status === 200) expect(plausibleQueryAnswerSchema.safeParse(body).error?.issues ?? [], what).toEqual([]);
  else expect(plausibleErrorSchema.safeParse(body).success, `${what} -> ${JSON.stringify(body)}`).toBe(true);
}

beforeAll(async () => {
  const hit = (time: string, ua: string, name: string, path: string, extra: Record<string, unknown> = {}) =>
    postEventAt(
      `${DAY}T${time}:00Z`,
      { n: name, u: `https://${SITE}${path}`, d: SITE, ...extra },
      { userAgent: ua, ip: "198.51.100.40", country: "DE" },
    );
  await hit("06:00", USER_AGENTS.windowsChrome, "pageview", "/", { p: { is_customer: "true" } });
  await hit("06:01", USER_AGENTS.windowsChrome, "pageview", "/pricing");
  await hit("06:02", USER_AGENTS.windowsChrome, "Purchase", "/checkout", { $: { amount: 10, currency: "EUR" } });
  await hit("07:00", USER_AGENTS.linuxFirefox, "pageview", "/blog/post-1");
}, 30_000);

describe("fuzzing Plausible's Stats API", () => {
  it("POST /api/v2/query: well-formed queries from the grammar answer 200 in the schema or 400 {error}, never a 5xx", async () => {
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(query, async (body) => {
        const response = await post(JSON.stringify(body));
        if (response.status === 200) answered++;
        await expectPlausibleAnswer(response, JSON.stringify(body));
      }),
      { numRuns: 250 },
    );
    // The grammar reaches the planner, not only the refusals.
    expect(answered).toBeGreaterThan(10);
  }, 180_000);

  it("POST /api/v2/query: arbitrary bodies are a 4xx {error}", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
        ),
        async (body) => {
          const response = await post(body);
          const json: unknown = await response.json();
          expect(response.status, body).toBeGreaterThanOrEqual(400);
          expect(response.status, body).toBeLessThan(500);
          expect(plausibleErrorSchema.safeParse(json).success, body).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  }, 120_000);

  it("GET /api/v1/stats/*: any parameters answer 200 or 4xx {error}", async () => {
    const parameter = fc.record(
      {
        period: fc.constantFrom("day", "7d", "30d", "month", "6mo", "12mo", "year", "all", "custom", "x"),
        date: fc.constantFrom(DAY, "2031-06-01,2031-06-30", "nope"),
        metrics: fc.uniqueArray(fc.constantFrom(...METRICS, "bogus"), { minLength: 1, maxLength: 3 }).map((list) => list.join(",")),
        property: fc.constantFrom(...DIMENSIONS),
        filters: fc.constantFrom(
          "event:page==/blog/**",
          "visit:country==DE|FR",
          "event:goal==Purchase",
          "visit:browser!=Chrome|Firefox",
          "junk",
          "visit:country~D",
        ),
        interval: fc.constantFrom("day", "month", "week"),
        limit: fc.constantFrom("1", "100", "5000", "x"),
        page: fc.constantFrom("1", "2", "0"),
        compare: fc.constant("previous_period"),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("aggregate", "timeseries", "breakdown", "realtime/visitors"), parameter, async (path, params) => {
        const search = new URLSearchParams({ site_id: SITE, ...params }).toString();
        const response = await at(() =>
          exports.default.fetch(
            new Request(`https://collector.test/api/v1/stats/${path}?${search}`, { headers: { authorization: `Bearer ${STATS_TOKEN}` } }),
          ),
        );
        const json: unknown = await response.json();
        expect(response.status, `${path}?${search} -> ${JSON.stringify(json)}`).toBeLessThan(500);
        if (response.status !== 200) expect(plausibleErrorSchema.safeParse(json).success).toBe(true);
      }),
      { numRuns: 200 },
    );
  }, 180_000);
});
