import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dumpTables } from "../support/storage-dump";

/**
 * Fuzzing every public endpoint with fast-check: arbitrary bodies, content types, header
 * values, huge and non-ASCII fields, nested props and wrong types. The answer is always a 2xx or
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
