import { exports } from "cloudflare:workers";
import { Validator } from "@cfworker/json-schema";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { version } from "../../package.json";
import app from "../../src/index";
import { answerSchemaOf, buildOpenApiDocument, OPERATIONS, type OpenApiDocument } from "../../src/schemas/openapi-document";
import { fetchWithSettings, postEventAt, type Sender, STATS_TOKEN, USER_AGENTS } from "../support/collector";

/**
 * GET /api/openapi.json, and real answers of every endpoint against it. The document's own
 * validity (OpenAPI 3.1) is checked in Node (test/browser/openapi-document.test.ts): its validator
 * compiles schemas with `new Function`, which workerd refuses. Here answers are checked twice: by
 * the document's JSON Schemas (@cfworker/json-schema, which needs no code generation), and by
 * the zod schemas they were generated from.
 */

type Json = Record<string, unknown>;
const ORIGIN = "https://collector.test";
const DAY = "2031-10-05";
const RANGE = `from=${DAY}&to=${DAY}`;

let document: OpenApiDocument;

/** A validator of `schema` (a part of the document) that resolves its `#/components/...` references. */
function validatorOf(schema: Json): Validator {
  const root = structuredClone({ ...schema, $id: "https://stepwise.test/openapi.json", components: document.components });
  return new Validator(root, "2020-12", false);
}

function expectValid(schema: Json, value: unknown, what: string): void {
  const result = validatorOf(schema).validate(value);
  expect(
    result.errors.map((error) => `${error.instanceLocation}: ${error.error}`),
    what,
  ).toEqual([]);
}

/** Which operation answered which status, over the whole file. */
const answered = new Set<string>();

/** Checks an answer against the document (status, content type, headers, JSON Schema) and against its zod schema. */
async function expectDocumented(method: "get" | "post" | "delete", path: string, response: Response): Promise<unknown> {
  const what = `${method.toUpperCase()} ${path} ${response.status}`;
  const documented = document.paths[path]?.[method] as { responses: Record<string, Json> } | undefined;
  expect(documented, `${method} ${path} is documented`).toBeDefined();
  const answer = documented?.responses[String(response.status)] as
    | { content: Record<string, { schema: Json }>; headers?: Record<string, unknown> }
    | undefined;
  expect(answer, `${what} is documented`).toBeDefined();
  if (answer === undefined) return undefined;
  for (const header of Object.keys(answer.headers ?? {})) {
    // Stepwise-Dropped is there only when a hit was dropped.
    if (header !== "Stepwise-Dropped") expect(response.headers.get(header), `${what}: ${header}`).not.toBeNull();
  }
  const mediaType = response.headers.get("content-type")?.split(";")[0] ?? "";
  expect(Object.keys(answer.content), what).toContain(mediaType);
  answered.add(what);
  if (mediaType !== "application/json") return response.text();
  const body: unknown = await response.json();
  expectValid(answer.content[mediaType]?.schema ?? {}, body, what);
  const spec = OPERATIONS.find((candidate) => candidate.method === method && candidate.path === path);
  const zodSchema = spec && answerSchemaOf(spec, response.status);
  if (zodSchema) expect(zodSchema.safeParse(body).error?.issues ?? [], `${what} (zod)`).toEqual([]);
  return body;
}

const call = (path: string, init: RequestInit & { token?: string | null } = {}) => {
  const { token = STATS_TOKEN, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token !== null) headers.set("authorization", `Bearer ${token}`);
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, { ...rest, headers }));
};

/** Runs `read` with the clock at `iso`. */
async function at<T>(iso: string, read: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date(iso));
  try {
    return await read();
  } finally {
    vi.useRealTimers();
  }
}

const A: Sender = {
  ip: "198.51.100.21",
  userAgent: USER_AGENTS.windowsChrome,
  country: "DE",
  place: { regionCode: "BY", region: "Bavaria", city: "Munich" },
};
const B: Sender = { ip: "198.51.100.22", userAgent: USER_AGENTS.iPhoneSafari, country: "FR" };
const C: Sender = { ip: "198.51.100.23", userAgent: USER_AGENTS.linuxFirefox, country: "US" };
const hit = (site: string, name: string, path: string, extra: Json = {}) => ({ n: name, u: `https://${site}${path}`, d: site, ...extra });

/** A day on three sites: goals, a funnel, revenue in two currencies, variants, properties, drops. */
const STREAM: [string, Json, Sender][] = [
  ["10:00", hit("shop.example", "pageview", "/", { r: "https://www.google.com/" }), A],
  ["10:01", hit("shop.example", "search", "/search"), A],
  ["10:02", hit("shop.example", "pageview", "/products/shoe"), A],
  ["10:03", hit("shop.example", "add_to_cart", "/products/shoe"), A],
  ["10:04", hit("shop.example", "engagement", "/products/shoe", { sd: 90, e: 40_000 }), A],
  [
    "10:05",
    { name: "purchase", url: "https://shop.example/checkout", domain: "shop.example", revenue: { amount: "59.90", currency: "eur" } },
    A,
  ],
  ["11:00", hit("shop.example", "pageview", "/?utm_source=newsletter&utm_medium=email&utm_campaign=autumn"), B],
  ["11:01", hit("shop.example", "newsletter_signup", "/"), B],
  ["11:02", hit("shop.example", "purchase", "/checkout", { $: { amount: 20, currency: "USD" } }), B],
  ["11:03", hit("shop.example", "pageview", "/"), { ...C, userAgent: USER_AGENTS.googlebot }],
  ["11:04", { ...hit("shop.example", "pageview", "/"), u: "https://elsewhere.example/" }, C],
  // Two sites: recorded for shop.example, dropped for blog.example (not its hostname).
  ["11:05", { ...hit("shop.example", "pageview", "/"), d: "shop.example,blog.example" }, C],
  ["12:00", hit("consulting.example", "pageview", "/services/audit", { p: { experiment: "A" } }), A],
  ["12:01", hit("consulting.example", "quote_request", "/quote", { p: { experiment: "A" } }), A],
  ["12:02", hit("consulting.example", "pageview", "/services/audit", { p: { experiment: "B" } }), B],
  ["12:03", hit("dimensions.test", "pageview", "/pricing", { p: { plan: "pro", author: "ada" } }), A],
  ["12:04", hit("dimensions.test", "signup", "/pricing", { p: { plan: "pro" } }), A],
  ["12:05", hit("dimensions.test", "purchase", "/checkout", { p: { plan: "pro" }, $: { amount: 12, currency: "JPY" } }), B],
];

beforeAll(async () => {
  document = buildOpenApiDocument(version);
  const event = document.components.schemas.Event ?? {};
  for (const [time, body, sender] of STREAM) {
    // What the stream sends is what the document says a client may send.
    expectValid(event, body, `request body ${JSON.stringify(body)}`);
    const response = await postEventAt(`${DAY}T${time}:00Z`, body, sender);
    await expectDocumented("post", "/api/event", response);
  }
});

describe("GET /api/openapi.json", () => {
  it("serves the document built from the schemas, without a token, and lists it in the directory", async () => {
    const response = await call("/api/openapi.json", { token: null });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual(document);
    // Built once per isolate: the second answer is the same text.
    expect(await (await call("/api/openapi.json", { token: null })).text()).toBe(text);
    const directory = (await expectDocumented("get", "/", await call("/", { token: null }))) as Json;
    expect(directory.openapi).toBe("GET /api/openapi.json");
    await expectDocumented("get", "/api/openapi.json", await call("/api/openapi.json", { token: null }));
  });

  it("documents every route the app serves, and the app serves every documented one", () => {
    const served = app.routes
      // The demo shop and the dashboard are HTML pages for people, not the API (docs/dashboard.md).
      .filter((route) => route.method !== "ALL" && !route.path.startsWith("/demo") && !route.path.startsWith("/dashboard"))
      .map((route) => `${route.method.toLowerCase()} ${route.path.replace(/:([a-z]+)/g, "{$1}")}`);
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method} ${path}`),
    );
    expect(new Set(documented)).toEqual(new Set(served));
  });

  it("documents the parameters of the schema that validates stats queries, properties included", () => {
    const parameters = document.components as unknown as { parameters: Record<string, { name: string; in: string }> };
    expect(Object.keys(parameters.parameters)).toEqual(
      expect.arrayContaining([
        "site",
        "from",
        "to",
        "interval",
        "limit",
        "breakdowns",
        "page",
        "goal",
        "browser",
        "exit_page",
        "props",
        "by",
      ]),
    );
    const report = document.paths["/api/stats/{site}"]?.get as { parameters: { $ref: string }[] };
    const funnels = document.paths["/api/stats/{site}/funnels"]?.get as { parameters: { $ref: string }[] };
    const channels = document.paths["/api/stats/{site}/channels"]?.get as { parameters: { $ref: string }[] };
    const names = (operation: { parameters: { $ref: string }[] }) =>
      operation.parameters.map((parameter) => parameter.$ref.split("/").pop());
    expect(names(report)).toContain("breakdowns");
    expect(names(funnels)).not.toContain("breakdowns");
    expect(names(channels)).toContain("by");
    expect(names(report)).not.toContain("by");
  });

  it("has examples that are valid answers and requests", () => {
    let examples = 0;
    for (const spec of OPERATIONS) {
      const operation = document.paths[spec.path]?.[spec.method] as {
        responses: Record<string, { content?: Record<string, { schema: Json; examples?: Record<string, { value: unknown }> }> }>;
        requestBody?: { content: Record<string, { schema: Json; examples?: Record<string, { value: unknown }> }> };
      };
      for (const [status, answer] of Object.entries(operation.responses)) {
        for (const { schema, examples: byName = {} } of Object.values(answer.content ?? {})) {
          for (const [name, { value }] of Object.entries(byName)) {
            expectValid(schema, value, `${spec.operationId} ${status} example ${name}`);
            const zodSchema = answerSchemaOf(spec, Number(status));
            expect(zodSchema?.safeParse(value).success, `${spec.operationId} ${status} example ${name} (zod)`).toBe(true);
            examples++;
          }
        }
      }
      for (const { schema, examples: byName = {} } of Object.values(operation.requestBody?.content ?? {})) {
        for (const [name, { value }] of Object.entries(byName)) {
          expectValid(schema, value, `${spec.operationId} request example ${name}`);
          examples++;
        }
      }
    }
    expect(examples).toBeGreaterThanOrEqual(15);
  });

  it("describes a body with both spellings of a field, or neither, as invalid, as the endpoint answers it", async () => {
    const event = document.components.schemas.Event ?? {};
    const both = { ...hit("shop.example", "pageview", "/"), name: "pageview" };
    const neither = { u: "https://shop.example/", d: "shop.example" };
    for (const body of [both, neither]) {
      expect(validatorOf(event).validate(body).valid).toBe(false);
      const response = await postEventAt(`${DAY}T13:00:00Z`, body, C);
      expect(response.status).toBe(400);
      await expectDocumented("post", "/api/event", response);
    }
  });
});

describe("real answers of a designed stream match the document", () => {
  const stats = (site: string, endpoint: string, query: string) => call(`/api/stats/${site}${endpoint}?${query}`);

  it("the report, by day and by hour, with every breakdown and inside an added filter", async () => {
    const path = "/api/stats/{site}";
    const report = (await expectDocumented("get", path, await stats("shop.example", "", RANGE))) as { totals: { visitors: number } };
    expect(report.totals.visitors).toBe(3);
    await expectDocumented("get", path, await stats("shop.example", "", `${RANGE}&interval=hour&channel=organic_search`));
    const everyAdded = "page,browser,os,utm_medium,utm_content,utm_term,region,city,entry_page,exit_page";
    const added = (await expectDocumented("get", path, await stats("shop.example", "", `${RANGE}&breakdowns=${everyAdded}`))) as {
      breakdowns: Record<string, unknown[]>;
    };
    expect(added.breakdowns.exit_page?.length).toBeGreaterThan(0);
    expect(added.breakdowns.region?.length).toBeGreaterThan(0);
    const property = (await expectDocumented(
      "get",
      path,
      await stats("dimensions.test", "", `${RANGE}&props.plan=pro&breakdowns=props.plan`),
    )) as {
      filters: Json;
      breakdowns: Record<string, unknown[]>;
    };
    expect(property.filters).toEqual({ "props.plan": "pro" });
    expect(property.breakdowns["props.plan"]).toHaveLength(1);
  });

  it("funnels, channels by channel, source and campaign, variants and lift", async () => {
    const funnels = (await expectDocumented("get", "/api/stats/{site}/funnels", await stats("shop.example", "/funnels", RANGE))) as {
      funnels: { steps: { visitors: number }[] }[];
    };
    expect(funnels.funnels[0]?.steps[0]?.visitors).toBe(3);
    for (const by of ["channel", "source", "campaign"]) {
      await expectDocumented("get", "/api/stats/{site}/channels", await stats("shop.example", "/channels", `${RANGE}&by=${by}`));
    }
    const variants = (await expectDocumented(
      "get",
      "/api/stats/{site}/variants",
      await stats("consulting.example", "/variants", RANGE),
    )) as {
      variant_prop: string;
      comparisons: unknown[];
    };
    expect(variants.variant_prop).toBe("experiment");
    expect(variants.comparisons.length).toBeGreaterThan(0);
    await expectDocumented("get", "/api/stats/{site}/lift", await stats("shop.example", "/lift", RANGE));
    await expectDocumented("get", "/api/stats/{site}/lift", await stats("shop.example", "/lift", `${RANGE}&page=/`));
  });

  it("realtime, health and the sites", async () => {
    const realtime = (await at(`${DAY}T12:06:00Z`, async () =>
      expectDocumented("get", "/api/stats/{site}/realtime", await stats("dimensions.test", "/realtime", "")),
    )) as { visitors: number };
    expect(realtime.visitors).toBe(2);
    await at(`${DAY}T12:06:00Z`, async () =>
      expectDocumented("get", "/api/stats/{site}/alerts", await stats("dimensions.test", "/alerts", "")),
    );
    // Umami's collector, with a site id as `website`.
    const umami = (body: unknown) =>
      exports.default.fetch(
        new Request(`${ORIGIN}${Array.isArray(body) ? "/api/batch" : "/api/send"}`, {
          method: "POST",
          body: JSON.stringify(body),
          headers: { "content-type": "application/json", "user-agent": USER_AGENTS.windowsChrome, "cf-connecting-ip": "192.0.2.78" },
        }),
      );
    const collection = { type: "event", payload: { website: "shop.example", hostname: "shop.example", url: "/openapi" } };
    await expectDocumented("post", "/api/send", await umami(collection));
    await expectDocumented("post", "/api/batch", await umami([collection, { type: "event", payload: {} }]));
    await expectDocumented("get", "/api/health", await call("/api/health", { token: null }));
    await expectDocumented("get", "/api/sites", await call("/api/sites"));
    const tracker = await call("/t.js", { token: null });
    expect(await expectDocumented("get", "/t.js", tracker)).toContain("sendBeacon");
  });

  it("error envelopes of ingest: malformed, invalid, badly encoded, too large, wrong type, wrong token, rate limited", async () => {
    const post = (body: BodyInit, headers: Record<string, string> = {}) =>
      exports.default.fetch(
        new Request(`${ORIGIN}/api/event`, {
          method: "POST",
          body,
          headers: { "content-type": "text/plain", "user-agent": USER_AGENTS.windowsChrome, "cf-connecting-ip": "192.0.2.77", ...headers },
        }),
      );
    const codes: string[] = [];
    const expectCode = async (response: Response) => {
      const body = (await expectDocumented("post", "/api/event", response)) as { error: { code: string } };
      codes.push(body.error.code);
    };
    await expectCode(await post("{not json"));
    await expectCode(await post(JSON.stringify({ n: "", u: "ftp://x", d: "shop.example", $: { amount: -1, currency: "EURO" } })));
    await expectCode(await post(new Uint8Array([0x7b, 0xff, 0x7d])));
    await expectCode(await post("x".repeat(33 * 1024)));
    await expectCode(await post("{}", { "content-type": "application/xml" }));
    await expectCode(await post(JSON.stringify(hit("shop.example", "pageview", "/")), { authorization: "Bearer not-an-ingest-token" }));
    // 120 hits a minute from one visitor to a site; the 121st is refused.
    const visitor: Sender = { ip: "203.0.113.250", userAgent: USER_AGENTS.linuxFirefox };
    let last: Response | undefined;
    for (let i = 0; i < 121; i++) {
      last = await postEventAt(`${DAY}T14:00:00Z`, hit("blog.example", "pageview", `/${i}`), visitor);
      if (i < 120) expect(last.status).toBe(202);
    }
    if (last) await expectCode(last);
    expect(codes).toEqual([
      "malformed_json",
      "invalid_event",
      "invalid_encoding",
      "body_too_large",
      "unsupported_media_type",
      "unauthorized",
      "rate_limited",
    ]);
  });

  it("error envelopes of the reports and operations: invalid query, inexact filter, no token, unknown site, no admin, bad site id", async () => {
    const codeOf = async (method: "get" | "delete", path: string, response: Response) =>
      ((await expectDocumented(method, path, response)) as { error: { code: string } }).error.code;
    expect(await codeOf("get", "/api/stats/{site}", await stats("shop.example", "", "from=yesterday"))).toBe("invalid_query");
    expect(await codeOf("get", "/api/stats/{site}", await stats("shop.example", "", `${RANGE}&unknown=1`))).toBe("invalid_query");
    expect(await codeOf("get", "/api/stats/{site}", await stats("shop.example", "", `${RANGE}&browser=Firefox&interval=hour`))).toBe(
      "unsupported_filter",
    );
    expect(await codeOf("get", "/api/stats/{site}/funnels", await stats("shop.example", "/funnels", `${RANGE}&page=/&goal=purchase`))).toBe(
      "unsupported_filter",
    );
    expect(await codeOf("get", "/api/stats/{site}/lift", await call(`/api/stats/shop.example/lift?${RANGE}`, { token: null }))).toBe(
      "unauthorized",
    );
    expect(await codeOf("get", "/api/stats/{site}/variants", await stats("never-seen.example", "/variants", RANGE))).toBe("not_found");
    expect(await codeOf("get", "/api/stats/{site}/realtime", await stats("shop.example", "/realtime", "limit=0"))).toBe("invalid_query");
    const sites = new Request(`${ORIGIN}/api/sites`, { headers: { authorization: "Bearer anything" } });
    expect(await codeOf("get", "/api/sites", await fetchWithSettings(sites, { STATS_TOKEN: "" }))).toBe("reporting_disabled");
    expect(await codeOf("get", "/api/sites", await call("/api/sites", { token: "shop-example-read-token-for-the-docs" }))).toBe(
      "unauthorized",
    );
    expect(await codeOf("delete", "/api/sites/{site}/data", await call("/api/sites/not_a_site!/data", { method: "DELETE" }))).toBe(
      "not_found",
    );
    expect(
      await codeOf("delete", "/api/sites/{site}/data", await call("/api/sites/blog.example/data", { method: "DELETE", token: null })),
    ).toBe("unauthorized");
  });

  it("erasing a site", async () => {
    const erased = (await expectDocumented(
      "delete",
      "/api/sites/{site}/data",
      await call("/api/sites/blog.example/data", { method: "DELETE" }),
    )) as Json;
    expect(erased).toEqual({ site: "blog.example", erased: true, shards: 1 });
  });

  it("Plausible's Stats API v2 and v1, answers and a refusal in Plausible's error shape", async () => {
    const v2 = (body: unknown) =>
      call("/api/v2/query", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const answer = (await expectDocumented(
      "post",
      "/api/v2/query",
      await v2({ site_id: "shop.example", metrics: ["visitors", "total_revenue"], date_range: [DAY, DAY], dimensions: ["event:goal"] }),
    )) as { results: unknown[] };
    expect(answer.results.length).toBeGreaterThan(0);
    const refused = (await expectDocumented(
      "post",
      "/api/v2/query",
      await v2({ site_id: "shop.example", metrics: ["visitors"], date_range: "7d", dimensions: ["visit:city"] }),
    )) as { error: string };
    expect(refused.error).toMatch(/GeoName/);
    const v1 = (path: string, query: string) => call(`/api/v1/stats/${path}?site_id=shop.example&${query}`);
    expect(typeof (await expectDocumented("get", "/api/v1/stats/realtime/visitors", await v1("realtime/visitors", "")))).toBe("number");
    await expectDocumented("get", "/api/v1/stats/aggregate", await v1("aggregate", `period=day&date=${DAY}&metrics=visitors,bounce_rate`));
    await expectDocumented("get", "/api/v1/stats/timeseries", await v1("timeseries", `period=7d&date=${DAY}`));
    await expectDocumented("get", "/api/v1/stats/breakdown", await v1("breakdown", `period=day&date=${DAY}&property=event:page`));
  });

  it("answers outside any operation (an unknown path, a wrong method) in the Error envelope", async () => {
    const error = document.components.schemas.Error ?? {};
    const unknown = await call("/api/nothing-here", { token: null });
    expect(unknown.status).toBe(404);
    expectValid(error, await unknown.json(), "404");
    const get = await call("/api/event", { token: null });
    expect(get.status).toBe(405);
    expectValid(error, await get.json(), "405");
  });

  it("every operation was checked with its success answer, and the error answers listed", () => {
    for (const spec of OPERATIONS) {
      for (const answer of spec.answers)
        expect([...answered], `${spec.operationId} ${answer.status}`).toContain(
          `${spec.method.toUpperCase()} ${spec.path} ${answer.status}`,
        );
    }
    const errors = [...answered].filter((entry) => Number(entry.split(" ").pop()) >= 400).sort();
    expect(errors).toEqual([
      "DELETE /api/sites/{site}/data 401",
      "DELETE /api/sites/{site}/data 404",
      "GET /api/sites 401",
      "GET /api/sites 403",
      "GET /api/stats/{site} 400",
      "GET /api/stats/{site}/funnels 400",
      "GET /api/stats/{site}/lift 401",
      "GET /api/stats/{site}/realtime 400",
      "GET /api/stats/{site}/variants 404",
      "POST /api/event 400",
      "POST /api/event 401",
      "POST /api/event 413",
      "POST /api/event 415",
      "POST /api/event 429",
      "POST /api/v2/query 400",
    ]);
  });
});
