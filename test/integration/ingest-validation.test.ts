import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { eventRequest, postEvent, readJson } from "../support/collector";

interface ErrorBody {
  error: { code: string; message: string; issues?: { field: string; message: string }[] };
}

const valid = { name: "pageview", url: "https://validation.test/", domain: "validation.test" };

async function expectInvalid(body: unknown, fields: string[]): Promise<ErrorBody> {
  const response = await postEvent(body);
  expect(response.status).toBe(400);
  const json = await readJson<ErrorBody>(response);
  expect(json.error.code).toBe("invalid_event");
  expect(json.error.issues?.map((issue) => issue.field).sort()).toEqual([...fields].sort());
  return json;
}

describe("POST /api/event accepts", () => {
  it("long field names as text/plain with 202", async () => {
    const response = await postEvent(valid);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ recorded: ["validation.test"], dropped: [] });
  });

  it("Plausible's short field names, props as an object or JSON string, and revenue", async () => {
    const short = {
      n: "Purchase",
      u: "https://validation.test/checkout",
      d: "validation.test",
      r: null,
      p: { plan: "pro", seats: 3, trial: false },
      $: { amount: "49.90", currency: "eur" },
    };
    expect((await postEvent(short)).status).toBe(202);
    expect((await postEvent({ ...short, p: JSON.stringify({ plan: "pro" }) })).status).toBe(202);
  });

  it("application/json and a missing content type (server-side senders)", async () => {
    const json = await exports.default.fetch("https://collector.test/api/event", {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0" },
      body: JSON.stringify(valid),
    });
    expect(json.status).toBe(202);
    const bare = eventRequest(valid);
    const headers = new Headers(bare.headers);
    headers.delete("content-type");
    const untyped = await exports.default.fetch("https://collector.test/api/event", {
      method: "POST",
      headers,
      body: new TextEncoder().encode(JSON.stringify(valid)),
    });
    expect(untyped.status).toBe(202);
  });

  it("engagement events with scroll depth and engaged time", async () => {
    expect((await postEvent({ n: "engagement", u: "https://validation.test/", d: "validation.test", sd: 75, e: 12_000 })).status).toBe(202);
  });

  it("answers CORS preflight for any origin", async () => {
    const response = await exports.default.fetch("https://collector.test/api/event", {
      method: "OPTIONS",
      headers: {
        origin: "https://any-site.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-methods")).toContain("POST");
    const post = await postEvent(valid, { headers: { origin: "https://any-site.example" } });
    expect(post.headers.get("access-control-allow-origin")).toBe("*");
    // Error answers carry CORS too, so a page can read why its hit was refused.
    const refused = await postEvent("{", { headers: { origin: "https://any-site.example" } });
    expect(refused.status).toBe(400);
    expect(refused.headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("POST /api/event rejects, naming each offending field", () => {
  it("malformed JSON with 400 malformed_json", async () => {
    const response = await postEvent("{ not json");
    expect(response.status).toBe(400);
    expect((await readJson<ErrorBody>(response)).error.code).toBe("malformed_json");
  });

  it("a JSON value that is not an object", async () => {
    await expectInvalid([valid], ["(body)"]);
    await expectInvalid("42", ["(body)"]);
    await expectInvalid("null", ["(body)"]);
  });

  it("missing required fields", async () => {
    await expectInvalid({}, ["name", "url", "domain"]);
  });

  it("fields of the wrong type, under the name the client used", async () => {
    await expectInvalid({ n: 5, u: ["x"], d: true }, ["n", "u", "d"]);
  });

  it("an empty name and a name over 120 characters", async () => {
    await expectInvalid({ ...valid, name: "   " }, ["name"]);
    await expectInvalid({ ...valid, name: "x".repeat(121) }, ["name"]);
  });

  it("a url that is not absolute http(s) or is over 2,000 characters", async () => {
    await expectInvalid({ ...valid, url: "/relative" }, ["url"]);
    await expectInvalid({ ...valid, url: "javascript:alert(1)" }, ["url"]);
    await expectInvalid({ ...valid, url: `https://validation.test/${"a".repeat(2_000)}` }, ["url"]);
  });

  it("a domain list that is empty, malformed or longer than 10 sites", async () => {
    await expectInvalid({ ...valid, domain: " , " }, ["domain"]);
    await expectInvalid({ ...valid, domain: "Not A Domain!" }, ["domain.0"]);
    await expectInvalid({ ...valid, domain: Array.from({ length: 11 }, (_, i) => `s${i}.test`).join(",") }, ["domain"]);
  });

  it("a referrer over 2,000 characters", async () => {
    await expectInvalid({ ...valid, referrer: `https://r.test/${"a".repeat(2_000)}` }, ["referrer"]);
  });

  it("props that are nested, too many, or with keys or values too long", async () => {
    await expectInvalid({ ...valid, props: { nested: { a: 1 } } }, ["props.nested"]);
    await expectInvalid({ ...valid, p: { list: [1, 2] } }, ["p.list"]);
    await expectInvalid({ ...valid, props: Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`k${i}`, i])) }, ["props"]);
    const longKey = await expectInvalid({ ...valid, props: { ["k".repeat(301)]: "v" } }, ["props"]);
    expect(longKey.error.issues?.[0]?.message).toMatch(/300/);
    await expectInvalid({ ...valid, props: { key: "v".repeat(2_001) } }, ["props.key"]);
    await expectInvalid({ ...valid, props: "not an object" }, ["props"]);
  });

  it("revenue with an unknown currency, a negative or non-numeric amount, or extra fields", async () => {
    await expectInvalid({ ...valid, revenue: { amount: 10, currency: "EURO" } }, ["revenue.currency"]);
    await expectInvalid({ ...valid, revenue: { amount: 10, currency: "QQQ" } }, ["revenue.currency"]);
    await expectInvalid({ ...valid, $: { amount: -1, currency: "EUR" } }, ["$.amount"]);
    await expectInvalid({ ...valid, revenue: { amount: "ten", currency: "EUR" } }, ["revenue.amount"]);
    await expectInvalid({ ...valid, revenue: { amount: 10 } }, ["revenue.currency"]);
    await expectInvalid({ ...valid, revenue: { amount: 10, currency: "EUR", tax: 2 } }, ["revenue"]);
  });

  it("engagement events without or out of range scroll depth and engaged time", async () => {
    await expectInvalid({ ...valid, name: "engagement" }, ["sd", "e"]);
    await expectInvalid({ ...valid, name: "engagement", sd: 101, e: -1 }, ["sd", "e"]);
    await expectInvalid({ ...valid, name: "engagement", sd: 50.5, e: 1000 }, ["sd"]);
  });

  it("both spellings of one field", async () => {
    await expectInvalid({ ...valid, n: "pageview" }, ["n"]);
  });

  it("bodies over 32 KiB with 413, by Content-Length or by counting a stream", async () => {
    const big = JSON.stringify({ ...valid, props: { a: "x".repeat(40_000) } });
    const declared = await postEvent(big);
    expect(declared.status).toBe(413);
    expect((await readJson<ErrorBody>(declared)).error.code).toBe("body_too_large");

    // A streamed body has no Content-Length: the cap must hold while reading.
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 50; i++) controller.enqueue(encoder.encode("x".repeat(1_000)));
        controller.close();
      },
    });
    const streamed = await exports.default.fetch(
      new Request("https://collector.test/api/event", {
        method: "POST",
        headers: { "content-type": "text/plain", "user-agent": "Mozilla/5.0 Firefox/133.0" },
        body: stream,
      }),
    );
    expect(streamed.status).toBe(413);
  });

  it("other content types with 415", async () => {
    for (const contentType of ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/html"]) {
      const response = await postEvent(valid, { headers: { "content-type": contentType } });
      expect(response.status).toBe(415);
      expect((await readJson<ErrorBody>(response)).error.code).toBe("unsupported_media_type");
    }
  });

  it("a body that is not UTF-8", async () => {
    const response = await exports.default.fetch("https://collector.test/api/event", {
      method: "POST",
      headers: { "content-type": "text/plain", "user-agent": "Mozilla/5.0 Firefox/133.0" },
      body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
    });
    expect(response.status).toBe(400);
    expect((await readJson<ErrorBody>(response)).error.code).toBe("invalid_encoding");
  });

  it("methods other than POST with 405, unknown paths with 404, in the same envelope", async () => {
    const get = await exports.default.fetch("https://collector.test/api/event");
    expect(get.status).toBe(405);
    expect((await readJson<ErrorBody>(get)).error.code).toBe("method_not_allowed");
    const missing = await exports.default.fetch("https://collector.test/nope");
    expect(missing.status).toBe(404);
    expect((await readJson<ErrorBody>(missing)).error.code).toBe("not_found");
  });
});
