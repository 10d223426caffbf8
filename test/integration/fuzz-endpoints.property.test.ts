import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dumpTables } from "../support/storage-dump";

/**
 * Fuzzing every public endpoint (POST /api/event, Umami's /api/send and /api/batch, the stats)
 * with fast-check: arbitrary bodies, content types, header values, huge and non-ASCII fields,
 * nested props and wrong types. The answer is always a 2xx or
 * 4xx of the error envelope, never a 5xx; a hit the collector refuses is never counted, and each
 * one it accepts is counted exactly once.
 */
const SITE = "fuzz.test";
// Header values as clients can send them (printable ASCII); bodies get the full Unicode range.
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 300 });
const anyText = fc.string({ unit: "binary", maxLength: 3_000 });
const scalar = fc.oneof(anyText, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const wild = fc.oneof(scalar, fc.jsonValue({ maxDepth: 3 }), fc.array(scalar, { maxLength: 5 }));

/** Event-shaped objects: every field valid, invalid, missing, huge or of the wrong type. */
const eventish = fc.record(
  {
    n: fc.oneof(fc.constantFrom("pageview", "purchase", "add_to_cart", "engagement", "Outbound Link: Click"), anyText, wild),
    u: fc.oneof(
      fc.constantFrom(`https://${SITE}/`, `https://${SITE}/p?utm_source=x`, `https://${SITE}/ünï/çødé`),
      fc.webUrl(),
      anyText,
      wild,
    ),
    d: fc.oneof(fc.constant(SITE), fc.constant(`${SITE},other.test`), anyText, wild),
    r: fc.oneof(fc.webUrl(), anyText, wild),
    p: fc.oneof(fc.dictionary(anyText, scalar, { maxKeys: 35 }), fc.dictionary(fc.string(), wild, { maxKeys: 5 }), wild),
    $: fc.oneof(
      fc.record({
        amount: fc.oneof(fc.double(), fc.integer(), anyText),
        currency: fc.oneof(fc.constantFrom("EUR", "usd", "XXX", "ZZZ"), anyText),
      }),
      wild,
    ),
    sd: fc.oneof(fc.integer({ min: -10, max: 110 }), wild),
    e: fc.oneof(fc.integer({ min: -1, max: 100_000_000 }), wild),
  },
  { requiredKeys: [] },
);

/** Valid hits with random (valid) contents, so that acceptance and counting are exercised too. */
const validEvent = fc.record(
  {
    n: fc.constantFrom("pageview", "purchase", "add_to_cart", "Outbound Link: Click", "signup_click"),
    u: fc.constantFrom(
      `https://${SITE}/`,
      `https://${SITE}/p?utm_source=x&email=a@b.example`,
      `https://${SITE}/ünï/çødé`,
      `https://www.${SITE}/x#y`,
    ),
    d: fc.constant(SITE),
    r: fc.oneof(fc.constant(null), fc.webUrl()),
    p: fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.oneof(fc.string({ maxLength: 50 }), fc.integer(), fc.boolean()), {
      maxKeys: 5,
    }),
    $: fc.record({ amount: fc.double({ min: 0, max: 1e6, noNaN: true }), currency: fc.constantFrom("EUR", "usd", "SEK") }),
  },
  { requiredKeys: ["n", "u", "d"] },
);

const body = fc.oneof(
  { arbitrary: validEvent.map((event) => JSON.stringify(event)), weight: 3 },
  eventish.map((event) => JSON.stringify(event)),
  anyText,
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.uint8Array({ maxLength: 2_000 }),
);
const contentType = fc.oneof(
  { arbitrary: fc.constantFrom("text/plain", "text/plain;charset=UTF-8", "application/json"), weight: 3 },
  fc.constantFrom("application/x-www-form-urlencoded", "multipart/form-data"),
  headerText,
);
const userAgent = fc.oneof(
  { arbitrary: fc.constant("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"), weight: 3 },
  headerText,
);

/** Umami collections (POST /api/send, items of /api/batch): every field valid, invalid, missing, huge or of the wrong type. */
const UMAMI_SITE = "fuzz-umami.test";
const umamiPayload = fc.record(
  {
    website: fc.oneof({ arbitrary: fc.constantFrom(UMAMI_SITE, UMAMI_SITE.toUpperCase()), weight: 4 }, fc.uuid(), anyText, wild),
    hostname: fc.oneof({ arbitrary: fc.constantFrom(UMAMI_SITE, `www.${UMAMI_SITE}`), weight: 3 }, fc.domain(), anyText, wild),
    url: fc.oneof(
      { arbitrary: fc.constantFrom("/", "/p?utm_source=x&email=a@b.example", "/ünï/çødé"), weight: 3 },
      fc.webUrl(),
      anyText,
      wild,
    ),
    referrer: fc.oneof(fc.constantFrom("", "/previous"), fc.webUrl(), anyText, wild),
    title: fc.oneof(anyText, wild),
    screen: fc.oneof(fc.constant("1920x1080"), wild),
    language: fc.oneof(fc.constant("en-US"), wild),
    name: fc.oneof({ arbitrary: fc.constantFrom("", "purchase", "Signup button", "engagement"), weight: 3 }, anyText, wild),
    data: fc.oneof(
      fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.oneof(fc.string({ maxLength: 50 }), fc.integer(), fc.boolean())),
      fc.record({ revenue: fc.oneof(fc.double(), fc.integer(), anyText), currency: fc.oneof(fc.constantFrom("EUR", "usd"), anyText) }),
      fc.dictionary(anyText, wild, { maxKeys: 35 }),
      wild,
    ),
    tag: fc.oneof(fc.constantFrom("a", "b"), wild),
    id: fc.oneof(fc.uuid(), wild),
    timestamp: fc.oneof(fc.integer(), anyText, wild),
  },
  { requiredKeys: [] },
);
const umamiCollection = fc.record(
  {
    type: fc.oneof({ arbitrary: fc.constantFrom("event", "identify"), weight: 5 }, wild),
    payload: fc.oneof({ arbitrary: umamiPayload, weight: 5 }, wild),
  },
  { requiredKeys: [] },
);
/** Collections that are valid but for their content, so that acceptance and counting are exercised. */
const validUmamiEvent = fc.record({
  type: fc.constant("event"),
  payload: fc.record(
    {
      website: fc.constant(UMAMI_SITE),
      hostname: fc.constant(UMAMI_SITE),
      url: fc.constantFrom("/", "/pricing?utm_campaign=x", "/ünï"),
      name: fc.constantFrom("", "purchase", "Signup button"),
      data: fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.oneof(fc.string({ maxLength: 50 }), fc.integer(), fc.boolean()), {
        maxKeys: 5,
      }),
      id: fc.uuid(),
    },
    { requiredKeys: ["website"] },
  ),
});
const umamiItem = fc.oneof({ arbitrary: validUmamiEvent, weight: 3 }, umamiCollection, wild);

/** Whether the collector counts `item` for UMAMI_SITE, once it has processed it without dropping it. */
const countedForUmamiSite = (item: unknown) => {
  const { type, payload } = (item ?? {}) as { type?: unknown; payload?: { website?: unknown } };
  return type === "event" && typeof payload?.website === "string" && payload.website.trim().toLowerCase() === UMAMI_SITE;
};

const isEnvelope = (value: unknown) =>
  typeof value === "object" &&
  value !== null &&
  "error" in value &&
  typeof (value as { error: { code?: unknown } }).error.code === "string";

describe("fuzzing the public endpoints", () => {
  it("POST /api/event: only 2xx or 4xx, errors in the envelope, and exactly the accepted hits counted", async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(body, contentType, userAgent, fc.option(headerText), async (payload, type, agent, forwarded) => {
        const headers: Record<string, string> = { "content-type": type, "user-agent": agent };
        if (forwarded !== null) headers["x-forwarded-for"] = forwarded;
        let request: Request;
        try {
          request = new Request("https://collector.test/api/event", { method: "POST", headers, body: payload });
        } catch {
          return; // A header the Fetch API itself refuses never reaches a Worker.
        }
        const response = await exports.default.fetch(request);
        expect(response.status).toBeLessThan(500);
        const json: unknown = await response.json();
        if (response.status >= 400) {
          expect(isEnvelope(json)).toBe(true);
          return;
        }
        expect(response.status).toBe(202);
        if ((json as { recorded: string[] }).recorded.includes(SITE)) accepted += 1;
      }),
      { numRuns: 400 },
    );
    const dump = await dumpTables(env.SITE_STORE.getByName(SITE));
    const counted = (dump.hourly_counters ?? []).reduce((sum, row) => sum + Number(row.hits), 0);
    expect(counted).toBe(accepted);
    console.log(JSON.stringify({ record: "fuzz ingest", requests: 400, accepted, counted }));
    // About a fifth of the requests are fully valid; enough for the count to mean something.
    expect(accepted).toBeGreaterThan(30);
  }, 120_000);

  it("POST /api/send and /api/batch: only 2xx or 4xx, errors in the envelope, and exactly the accepted hits counted", async () => {
    let accepted = 0;
    const sendBody = fc.oneof(
      { arbitrary: umamiItem.map((item) => JSON.stringify(item)), weight: 4 },
      anyText,
      fc.jsonValue().map((value) => JSON.stringify(value)),
    );
    const batchBody = fc.oneof(
      { arbitrary: fc.array(umamiItem, { maxLength: 6 }).map((items) => ({ items, text: JSON.stringify(items) })), weight: 4 },
      fc
        .oneof(
          anyText,
          fc.jsonValue().map((value) => JSON.stringify(value)),
        )
        .map((text) => ({ items: null, text })),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          sendBody.map((text) => ({ path: "/api/send", items: null, text })),
          batchBody.map((body) => ({ path: "/api/batch", ...body })),
        ),
        contentType,
        userAgent,
        fc.option(headerText),
        // Many visitors, so that the rate limit (120 hits a minute from one) does not cap what is counted.
        fc.integer({ min: 1, max: 60 }),
        async ({ path, items, text }, type, agent, cache, visitor) => {
          const headers: Record<string, string> = { "content-type": type, "user-agent": agent, "cf-connecting-ip": `192.0.2.${visitor}` };
          if (cache !== null) headers["x-umami-cache"] = cache;
          let request: Request;
          try {
            request = new Request(`https://collector.test${path}`, { method: "POST", headers, body: text });
          } catch {
            return; // A header the Fetch API itself refuses never reaches a Worker.
          }
          const response = await exports.default.fetch(request);
          expect(response.status).toBeLessThan(500);
          const json: unknown = await response.json();
          if (response.status >= 400) {
            expect(isEnvelope(json)).toBe(true);
            return;
          }
          expect(response.status).toBe(200);
          if (path === "/api/send") {
            if ((json as { recorded: string[] }).recorded.includes(UMAMI_SITE)) accepted += 1;
            return;
          }
          const answer = json as { details: { index: number; response: unknown }[]; dropped: { index: number }[] };
          for (const detail of answer.details) expect(isEnvelope(detail.response)).toBe(true);
          const refused = new Set([...answer.details, ...answer.dropped].map((entry) => entry.index));
          accepted += (items ?? []).filter((item, index) => !refused.has(index) && countedForUmamiSite(item)).length;
        },
      ),
      { numRuns: 300 },
    );
    const dump = await dumpTables(env.SITE_STORE.getByName(UMAMI_SITE));
    const counted = (dump.hourly_counters ?? []).reduce((sum, row) => sum + Number(row.hits), 0);
    expect(counted).toBe(accepted);
    console.log(JSON.stringify({ record: "fuzz umami", requests: 300, accepted, counted }));
    expect(accepted).toBeGreaterThan(30);
  }, 180_000);

  it("GET /api/stats/*: only 2xx or 4xx for any path, query and authorization", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom("shop.example", SITE, "nope.test"), fc.webSegment(), headerText.map(encodeURIComponent)),
        fc.constantFrom("", "/funnels", "/channels", "/variants", "/lift", "/x"),
        fc.webQueryParameters(),
        fc.oneof(fc.constant("Bearer test-token"), fc.constant("Bearer wrong"), headerText),
        async (site, endpoint, query, authorization) => {
          let request: Request;
          try {
            request = new Request(`https://collector.test/api/stats/${site}${endpoint}?${query}`, { headers: { authorization } });
          } catch {
            return;
          }
          const response = await exports.default.fetch(request);
          expect(response.status).toBeLessThan(500);
          if (response.status >= 400) expect(isEnvelope(await response.json())).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  }, 120_000);

  it("any method on any path: never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"), fc.webPath(), async (method, path) => {
        const response = await exports.default.fetch(new Request(`https://collector.test${path}`, { method }));
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
  }, 60_000);
});
