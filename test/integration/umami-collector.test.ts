import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fetchWithSettings, getStats, readJson, type Sender, STATS_TOKEN, USER_AGENTS } from "../support/collector";
import { dumpAllSiteStores, dumpText } from "../support/storage-dump";

/**
 * Umami's collector (docs/api.md, "Umami's collector"): designed hits through POST /api/send and
 * POST /api/batch, and the report they make. umami.example (test/fixtures) lists two Umami website
 * ids, has goals for a page, two event names and a prop, keeps the property `plan`, and trusts the
 * ingest token `umami-sender-token-0001` and the range 203.0.113.240/28. Each test uses its own day.
 */
const SITE = "umami.example";
const WEBSITE = "4f3b8c2a-6d1e-4a5b-9c7d-2e8f1a3b5c6d";
const SECOND_WEBSITE = "a1d2c3b4-e5f6-4789-8abc-def012345678";
const SENDER_TOKEN = "umami-sender-token-0001";

interface Rate {
  count: number;
  visitors: number;
}
interface Report {
  totals: { visitors: number; pageviews: number; events: number };
  conversions: { macro: Rate & { revenue: Record<string, number> }; micro: Rate };
  goals: (Rate & { name: string; revenue: Record<string, number> })[];
  timeseries: { t: string; pageviews: number }[];
  breakdowns: Record<string, { value: string; visitors: number; pageviews?: number }[]>;
  dropped: Record<string, number>;
}
interface BatchAnswer {
  cache: string;
  size: number;
  processed: number;
  errors: number;
  details: { index: number; status: number; response: { error: { code: string; issues?: { field: string }[] } } }[];
  dropped: { index: number; site: string; reason: string }[];
}

/** What Umami's tracker sends for a page (url a path on hostname, title encoded as it encodes it). */
const page = (extra: Record<string, unknown> = {}) => ({
  website: WEBSITE,
  hostname: SITE,
  screen: "1920x1080",
  language: "en-US",
  title: "Home",
  url: "/",
  referrer: "",
  ...extra,
});
const event = (payload: Record<string, unknown>) => ({ type: "event", payload });

/** A request as Umami's tracker sends it: JSON as application/json, from a browser. */
function umamiRequest(path: "/api/send" | "/api/batch", body: unknown, sender: Sender = {}): Request {
  return new Request(`https://collector.test${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": sender.userAgent ?? USER_AGENTS.windowsChrome,
      "cf-connecting-ip": sender.ip ?? "192.0.2.10",
      ...sender.headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}
const send = (body: unknown, sender?: Sender) => exports.default.fetch(umamiRequest("/api/send", body, sender));
const batch = (body: unknown, sender?: Sender) => exports.default.fetch(umamiRequest("/api/batch", body, sender));

/** Runs `call` as if the collector's clock read `isoTime`. */
async function at<T>(isoTime: string, call: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date(isoTime));
  try {
    return await call();
  } finally {
    vi.useRealTimers();
  }
}
const report = async (day: string, query = "") => readJson<Report>(await getStats(SITE, `from=${day}&to=${day}${query}`));
const goalCounts = (r: Report) => Object.fromEntries(r.goals.map((goal) => [goal.name, goal.count]));
const seconds = (iso: string) => Date.parse(iso) / 1_000;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("POST /api/send", () => {
  it("counts an event without a name as a pageview of the path on its hostname, answering what the tracker echoes", async () => {
    const day = "2031-07-01";
    const response = await at(`${day}T09:00:00Z`, () =>
      send(event(page({ url: "/pricing?utm_source=newsletter&utm_campaign=july", referrer: "https://news.example/july" }))),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await readJson(response)).toEqual({ cache: "stepwise", recorded: [SITE], dropped: [] });

    const r = await report(day);
    expect(r.totals).toEqual({ visitors: 1, pageviews: 1, events: 0 });
    expect(goalCounts(r)).toMatchObject({ "pricing page": 1, purchase: 0, signup: 0 });
    expect(r.breakdowns.page).toMatchObject([{ value: "/pricing", pageviews: 1 }]);
    expect(r.breakdowns.source).toMatchObject([{ value: "newsletter", visitors: 1 }]);
    expect(r.breakdowns.campaign).toMatchObject([{ value: "july", visitors: 1 }]);
  });

  it("counts a named event with its data: a configured goal, a goal on a prop, revenue from data.revenue and data.currency", async () => {
    const day = "2031-07-02";
    await at(`${day}T10:00:00Z`, async () => {
      for (const body of [
        event(page({ url: "/pricing" })),
        event(page({ url: "/pricing", name: "Signup button", data: { plan: "pro", position: "header" } })),
        event(page({ url: "/pricing", name: "choose_plan", data: { plan: "pro", seats: 3, annual: true } })),
        event(page({ url: "/checkout", name: "purchase", data: { revenue: 49.9, currency: "eur", plan: "pro" } })),
        event(page({ url: "/checkout", name: "purchase", data: { revenue: "10.10", currency: "USD" } })),
      ]) {
        expect((await send(body)).status).toBe(200);
      }
    });
    const r = await report(day, "&breakdowns=page,props.plan");
    expect(r.totals).toEqual({ visitors: 1, pageviews: 1, events: 4 });
    expect(goalCounts(r)).toEqual({ purchase: 2, signup: 1, "pricing page": 1, "pro plan chosen": 1 });
    expect(r.conversions.macro).toMatchObject({ count: 2, visitors: 1, revenue: { EUR: 49.9, USD: 10.1 } });
    expect(r.conversions.micro).toMatchObject({ count: 3, visitors: 1 });
    expect(r.breakdowns["props.plan"]).toMatchObject([{ value: "pro", visitors: 1 }]);
  });

  it("names the site by any website id it lists, in any case, or by its site id", async () => {
    const day = "2031-07-03";
    await at(`${day}T10:00:00Z`, async () => {
      for (const website of [WEBSITE, SECOND_WEBSITE, WEBSITE.toUpperCase(), SITE]) {
        const response = await send(event(page({ website, url: `/from/${website.slice(0, 4)}` })));
        expect(await readJson(response)).toEqual({ cache: "stepwise", recorded: [SITE], dropped: [] });
      }
    });
    expect((await report(day)).totals).toEqual({ visitors: 1, pageviews: 4, events: 0 });
  });

  it("takes a missing url as the home page and a missing hostname as the site's own (what @umami/node sends)", async () => {
    const day = "2031-07-04";
    await at(`${day}T10:00:00Z`, async () => {
      expect((await send({ type: "event", payload: { website: WEBSITE } })).status).toBe(200);
      expect(
        (await send({ type: "event", payload: { website: WEBSITE, name: "purchase", data: { revenue: 5, currency: "EUR" } } })).status,
      ).toBe(200);
    });
    const r = await report(day);
    expect(r.totals).toEqual({ visitors: 1, pageviews: 1, events: 1 });
    expect(r.breakdowns.page).toMatchObject([{ value: "/", pageviews: 1 }]);
    expect(r.conversions.macro).toMatchObject({ count: 1, revenue: { EUR: 5 } });
  });

  it("counts nothing and stores nothing for identify", async () => {
    const day = "2031-07-05";
    const response = await at(`${day}T10:00:00Z`, () =>
      send({
        type: "identify",
        payload: { ...page(), id: "identify-marker-4711", data: { email: "identify.marker@example.com", plan: "pro" } },
      }),
    );
    expect(response.status).toBe(200);
    expect(await readJson(response)).toEqual({ cache: "stepwise", recorded: [], dropped: [] });
    expect((await report(day)).totals).toEqual({ visitors: 0, pageviews: 0, events: 0 });
    const stored = (await dumpAllSiteStores()).map(dumpText).join("\n");
    expect(stored).not.toContain("identify-marker");
    expect(stored).not.toContain("identify.marker");
  });

  it("never uses id (a person's distinct id): visitors stay IP and User-Agent pairs, and a repeated id is no retry", async () => {
    const day = "2031-07-06";
    await at(`${day}T10:00:00Z`, async () => {
      // One person id on two visitors; two person ids on one visitor; the same event twice with one id.
      for (const [ip, id] of [
        ["192.0.2.61", "distinct-marker-a"],
        ["192.0.2.62", "distinct-marker-a"],
        ["192.0.2.62", "distinct-marker-b"],
      ] as const) {
        expect((await send(event(page({ id })), { ip })).status).toBe(200);
      }
      for (let i = 0; i < 2; i++) {
        expect((await send(event(page({ name: "purchase", id: "distinct-marker-c" })), { ip: "192.0.2.61" })).status).toBe(200);
      }
    });
    const r = await report(day);
    expect(r.totals).toEqual({ visitors: 2, pageviews: 3, events: 2 });
    expect(goalCounts(r)).toMatchObject({ purchase: 2 });
    expect((await dumpAllSiteStores()).map(dumpText).join("\n")).not.toContain("distinct-marker");
  });

  it("refuses timestamp from an untrusted sender, naming payload.timestamp", async () => {
    const response = await send(event(page({ timestamp: Math.floor(Date.now() / 1_000) - 60 })));
    expect(response.status).toBe(400);
    expect(await readJson(response)).toMatchObject({ error: { code: "invalid_event", issues: [{ field: "payload.timestamp" }] } });
  });

  it("honours timestamp, in seconds, from a trusted sender (its token or its address range), within the kept days", async () => {
    const day = "2031-07-07";
    const now = `${day}T12:00:00Z`;
    const byToken = { ip: "192.0.2.70", headers: { authorization: `Bearer ${SENDER_TOKEN}`, "x-forwarded-for": "198.51.100.71" } };
    const byRange = { ip: "203.0.113.241", headers: { "x-forwarded-for": "198.51.100.72" } };
    await at(now, async () => {
      expect((await send(event(page({ timestamp: seconds(`${day}T03:15:00Z`) })), byToken)).status).toBe(200);
      expect((await send(event(page({ timestamp: String(seconds(`${day}T05:45:00Z`)) })), byRange)).status).toBe(200);
      const tooOld = await send(event(page({ timestamp: seconds("2031-07-05T12:00:00Z") })), byToken);
      expect(tooOld.status).toBe(400);
      expect(await readJson(tooOld)).toMatchObject({
        error: { issues: [{ field: "payload.timestamp", message: "ts may be at most 24 hours back" }] },
      });
      // A token valid for another site only is refused, as on /api/event.
      const foreign = await send(event(page({ timestamp: seconds(`${day}T03:15:00Z`) })), {
        headers: { authorization: "Bearer sender-token-0001" },
      });
      expect(foreign.status).toBe(401);
    });
    const r = await report(day, "&interval=hour");
    // Two forwarded visitors, counted at 03:00 and 05:00, not at noon.
    expect(r.totals).toEqual({ visitors: 2, pageviews: 2, events: 0 });
    const hours = Object.fromEntries(
      r.timeseries.filter((point) => point.pageviews > 0).map((point) => [point.t.slice(11, 13), point.pageviews]),
    );
    expect(hours).toEqual({ "03": 1, "05": 1 });
  });

  it("drops an unknown website as /api/event drops an unknown site, and accepts an unknown site id where unknown sites are accepted", async () => {
    const unknownUuid = "0d7c1f4e-2b3a-4c5d-8e9f-a0b1c2d3e4f5";
    const lost = await send(event(page({ website: unknownUuid })));
    expect(lost.status).toBe(200);
    expect(lost.headers.get("stepwise-dropped")).toBe("unknown_site");
    expect(await readJson(lost)).toEqual({ cache: "stepwise", recorded: [], dropped: [{ site: unknownUuid, reason: "unknown_site" }] });

    const dropped = await fetchWithSettings(
      umamiRequest("/api/send", event(page({ website: "nobody.example", hostname: "nobody.example" }))),
      {
        UNKNOWN_SITES: "drop",
      },
    );
    expect(await readJson(dropped)).toMatchObject({ recorded: [], dropped: [{ site: "nobody.example", reason: "unknown_site" }] });

    // The tests' deployment accepts unknown sites (UNKNOWN_SITES=accept), as /api/event does.
    const accepted = await send(event(page({ website: "accepted-umami.example", hostname: "www.accepted-umami.example" })));
    expect(await readJson(accepted)).toMatchObject({ recorded: ["accepted-umami.example"], dropped: [] });
  });

  it("drops bots, foreign hostnames and privacy signals like any hit, and counts the drops", async () => {
    const day = "2031-07-08";
    const answers = await at(`${day}T10:00:00Z`, async () => [
      await send(event(page()), { userAgent: USER_AGENTS.googlebot }),
      await send(event(page({ hostname: "copycat.example" }))),
      await send(event(page({ url: "https://copycat.example/pricing" }))),
      await send(event(page()), { headers: { "sec-gpc": "1" } }),
      await send(event(page()), { headers: { dnt: "1" } }),
    ]);
    expect(answers.map((answer) => answer.headers.get("stepwise-dropped"))).toEqual([
      "bot",
      "hostname_mismatch",
      "hostname_mismatch",
      "global_privacy_control",
      "do_not_track",
    ]);
    const r = await report(day);
    expect(r.totals).toEqual({ visitors: 0, pageviews: 0, events: 0 });
    expect(r.dropped).toMatchObject({ bot: 1, hostname_mismatch: 2, global_privacy_control: 1, do_not_track: 1 });
  });

  it("redacts personal data in the url, the event name and data, as for every hit", async () => {
    const day = "2031-07-09";
    const email = "redact.marker@example.com";
    await at(`${day}T10:00:00Z`, async () => {
      await send(event(page({ url: `/unsubscribe/${email}?email=${email}&utm_campaign=${email}` })));
      await send(event(page({ url: "/account", name: `clicked ${email}`, data: { plan: email } })));
    });
    const r = await report(day, "&breakdowns=page,campaign,props.plan");
    expect(r.breakdowns.page?.map((row) => row.value).sort()).toEqual(["/account", "/unsubscribe/(redacted)"]);
    expect(r.breakdowns.campaign).toMatchObject([{ value: "(redacted)" }]);
    expect(r.breakdowns["props.plan"]).toMatchObject([{ value: "(redacted)" }]);
    expect((await dumpAllSiteStores()).map(dumpText).join("\n")).not.toContain("redact.marker");
  });

  it("rate-limits one client to 120 hits a minute: then a 429 with Retry-After, counted as a drop", { timeout: 60_000 }, async () => {
    const day = "2031-07-10";
    const statuses = await at(`${day}T10:00:00Z`, async () => {
      const seen: number[] = [];
      for (let i = 0; i < 123; i++) {
        const response = await send(event(page({ url: `/p/${i}` })), { ip: "192.0.2.99" });
        if (response.status === 429) expect(response.headers.get("retry-after")).toBe("60");
        seen.push(response.status);
      }
      return seen;
    });
    expect(statuses.filter((status) => status === 200)).toHaveLength(120);
    expect(statuses.filter((status) => status === 429)).toHaveLength(3);
    expect((await report(day)).dropped).toMatchObject({ rate_limited: 3 });
  });

  it("gives every visitor the same answer and never reads x-umami-cache", async () => {
    const day = "2031-07-11";
    const bodies = await at(`${day}T10:00:00Z`, async () => [
      await (await send(event(page()), { ip: "192.0.2.81" })).text(),
      await (await send(event(page()), { ip: "192.0.2.82", headers: { "x-umami-cache": "forged-session-of-someone-else" } })).text(),
      await (await send(event(page()), { ip: "192.0.2.82", headers: { "x-umami-cache": '{"cache":"stepwise"}' } })).text(),
    ]);
    expect(new Set(bodies).size).toBe(1);
    expect((await report(day)).totals).toEqual({ visitors: 2, pageviews: 3, events: 0 });
  });

  it.each([
    ["not JSON", '{"type":"event","payload":', 400, "malformed_json", "(none)"],
    ["an array", [event(page())], 400, "invalid_event", "(body)"],
    ["no type", { payload: page() }, 400, "invalid_event", "type"],
    ["an unknown type", { type: "pageview", payload: page() }, 400, "invalid_event", "type"],
    ["no payload", { type: "event" }, 400, "invalid_event", "payload"],
    ["no website", event({ hostname: SITE, url: "/" }), 400, "invalid_event", "payload.website"],
    ["a website that is no UUID nor site id", event(page({ website: "My Website!" })), 400, "invalid_event", "payload.website"],
    ["a hostname with a path", event(page({ hostname: "umami.example/evil" })), 400, "invalid_event", "payload.hostname"],
    ["a url that is no page", event(page({ url: "javascript:alert(1)" })), 400, "invalid_event", "payload.url"],
    ["nested data", event(page({ name: "x", data: { cart: { items: 2 } } })), 400, "invalid_event", "payload.data.cart"],
    ["data as an array", event(page({ name: "x", data: [1, 2] })), 400, "invalid_event", "payload.data"],
    ["a 121-character name", event(page({ name: "n".repeat(121) })), 400, "invalid_event", "payload.name"],
    ["a timestamp that is no number", event(page({ timestamp: "yesterday" })), 400, "invalid_event", "payload.timestamp"],
    ["stepwise's engagement name", event(page({ name: "Engagement" })), 400, "invalid_event", "payload.name"],
    [
      "a revenue in no currency",
      event(page({ name: "purchase", data: { revenue: 5, currency: "EURO" } })),
      400,
      "invalid_event",
      "payload.data.currency",
    ],
    [
      "a revenue that is no amount",
      event(page({ name: "purchase", data: { revenue: "lots", currency: "EUR" } })),
      400,
      "invalid_event",
      "payload.data.revenue",
    ],
    ["a 1,000-character distinct id", event(page({ id: "i".repeat(1_000) })), 400, "invalid_event", "payload.id"],
  ])("refuses %s with a 400 in the error envelope, naming the field", async (_what, body, status, code, field) => {
    const response = await send(body);
    expect(response.status).toBe(status);
    const answer = await readJson<{ error: { code: string; issues?: { field: string }[] } }>(response);
    expect(answer.error.code).toBe(code);
    if (field !== "(none)") expect(answer.error.issues?.map((issue) => issue.field)).toContain(field);
  });

  it("refuses a body over 32 KiB (413), a form (415), and methods other than POST (405)", async () => {
    expect((await send(event(page({ title: "t".repeat(33 * 1024) })))).status).toBe(413);
    const form = new Request("https://collector.test/api/send", {
      method: "POST",
      headers: { "content-type": "multipart/form-data" },
      body: "x",
    });
    expect((await exports.default.fetch(form)).status).toBe(415);
    for (const path of ["/api/send", "/api/batch"]) {
      const response = await exports.default.fetch(new Request(`https://collector.test${path}`));
      expect(response.status).toBe(405);
      expect(await readJson(response)).toMatchObject({ error: { code: "method_not_allowed" } });
    }
  });
});

describe("POST /api/batch", () => {
  it("counts each item in order and answers Umami's shape: size, processed, errors, details", async () => {
    const day = "2031-07-12";
    const response = await at(`${day}T10:00:00Z`, () =>
      batch([
        event(page({ url: "/pricing" })),
        event(page({ url: "/pricing", name: "Signup button" })),
        { type: "identify", payload: { website: WEBSITE, data: { plan: "pro" } } },
        event(page({ website: "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d" })),
      ]),
    );
    expect(response.status).toBe(200);
    expect(await readJson(response)).toEqual({
      cache: "stepwise",
      size: 4,
      processed: 4,
      errors: 0,
      details: [],
      dropped: [{ index: 3, site: "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d", reason: "unknown_site" }],
    });
    const r = await report(day);
    expect(r.totals).toEqual({ visitors: 1, pageviews: 1, events: 1 });
    expect(goalCounts(r)).toMatchObject({ "pricing page": 1, signup: 1 });
  });

  it("refuses bad items by index, in the error envelope, and counts the others", async () => {
    const day = "2031-07-13";
    const answer = await at(`${day}T10:00:00Z`, async () =>
      readJson<BatchAnswer>(
        await batch([
          event(page()),
          { type: "error", payload: page() },
          event(page({ timestamp: seconds(`${day}T09:00:00Z`) })),
          "not an object",
          event(page({ name: "purchase" })),
        ]),
      ),
    );
    expect(answer).toMatchObject({ size: 5, processed: 2, errors: 3 });
    expect(
      answer.details.map(({ index, status, response }) => [index, status, response.error.code, response.error.issues?.[0]?.field]),
    ).toEqual([
      [1, 400, "invalid_event", "type"],
      [2, 400, "invalid_event", "payload.timestamp"],
      [3, 400, "invalid_event", "(body)"],
    ]);
    expect((await report(day)).totals).toEqual({ visitors: 1, pageviews: 1, events: 1 });
  });

  it("dates each item from a trusted sender, and rate-limits a batch like as many hits", { timeout: 60_000 }, async () => {
    const day = "2031-07-14";
    const trusted = { ip: "203.0.113.242", headers: { "x-forwarded-for": "198.51.100.90" } };
    const dated = await at(`${day}T12:00:00Z`, async () =>
      readJson<BatchAnswer>(
        await batch(
          ["01", "02", "03"].map((hour) => event(page({ timestamp: seconds(`${day}T${hour}:30:00Z`) }))),
          trusted,
        ),
      ),
    );
    expect(dated).toMatchObject({ size: 3, processed: 3, errors: 0 });
    const limited = await at(`${day}T13:00:00Z`, async () => {
      const answers: BatchAnswer[] = [];
      for (let i = 0; i < 3; i++)
        answers.push(
          await readJson<BatchAnswer>(
            await batch(
              Array.from({ length: 50 }, () => event(page())),
              { ip: "192.0.2.91" },
            ),
          ),
        );
      return answers;
    });
    expect(limited.map((answer) => answer.processed)).toEqual([50, 50, 20]);
    expect(limited[2]?.details[0]).toMatchObject({ index: 20, status: 429, response: { error: { code: "rate_limited" } } });
    const r = await report(day, "&interval=hour");
    expect(r.totals).toMatchObject({ visitors: 2, pageviews: 123 });
    expect(r.dropped).toMatchObject({ rate_limited: 30 });
  });

  it("caps a batch at 50 items and wants an array: a 400 in the envelope, nothing counted", async () => {
    const day = "2031-07-15";
    const answers = await at(`${day}T10:00:00Z`, async () => [
      await batch(Array.from({ length: 51 }, () => event(page()))),
      await batch(event(page())),
      await batch("[{"),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400]);
    expect(await readJson(answers[0] as Response)).toMatchObject({ error: { code: "invalid_event", issues: [{ field: "(body)" }] } });
    expect(await readJson(answers[2] as Response)).toMatchObject({ error: { code: "malformed_json" } });
    expect((await report(day)).totals).toEqual({ visitors: 0, pageviews: 0, events: 0 });
  });
});

describe("CORS for Umami's tracker", () => {
  it.each(["/api/send", "/api/batch"])("answers the preflight of %s from any origin, allowing x-umami-cache", async (path) => {
    const response = await exports.default.fetch(
      new Request(`https://collector.test${path}`, {
        method: "OPTIONS",
        headers: {
          origin: "https://umami.example",
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type,x-umami-cache",
        },
      }),
    );
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-methods")).toContain("POST");
    const allowed = (response.headers.get("access-control-allow-headers") ?? "").toLowerCase().split(/\s*,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(["content-type", "x-umami-cache"]));
  });
});

describe("privacy of Umami's payload", () => {
  const MARKER_IP = "203.0.113.177";
  const MARKER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) UmamiMarker/5.5 Firefox/133.0";
  const markers = [MARKER_IP, "UmamiMarker", "title-marker", "distinct-marker-z", "9999x7777", "xx-MARKER", "payload.marker"];
  const marked = (extra: Record<string, unknown> = {}) =>
    event(
      page({
        title: "title-marker%20of%20a%20page",
        screen: "9999x7777",
        language: "xx-MARKER",
        id: "distinct-marker-z",
        referrer: `https://${MARKER_IP}/inbox?to=payload.marker@example.com`,
        ...extra,
      }),
    );

  it("stores no IP, User-Agent, distinct id, title, screen, language or e-mail address, from any path", async () => {
    const sender = { ip: MARKER_IP, userAgent: MARKER_AGENT };
    await at("2031-07-16T10:00:00Z", async () => {
      expect((await send(marked({ url: "/a?email=payload.marker@example.com" }), sender)).status).toBe(200);
      expect((await send(marked({ name: "purchase", data: { plan: "payload.marker@example.com" } }), sender)).status).toBe(200);
      expect((await batch([marked({ url: "/b" }), marked({ name: "Signup button" })], sender)).status).toBe(200);
      expect(
        (await send({ type: "identify", payload: { website: WEBSITE, id: "distinct-marker-z", data: { name: "payload.marker" } } }, sender))
          .status,
      ).toBe(200);
    });
    const dumps = await dumpAllSiteStores();
    const stored = dumps.map(dumpText).join("\n");
    // The audit read real rows: the marked hits are there.
    expect((await report("2031-07-16")).totals).toEqual({ visitors: 1, pageviews: 2, events: 2 });
    for (const marker of markers) expect(stored).not.toContain(marker);
  });

  it("logs no IP, User-Agent, distinct id or e-mail address on any path", async () => {
    const lines: string[] = [];
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(" "));
      });
    }
    const sender = { ip: MARKER_IP, userAgent: MARKER_AGENT };
    await send(marked(), sender);
    await send(marked({ website: "0d7c1f4e-2b3a-4c5d-8e9f-a0b1c2d3e4f5" }), sender);
    await send(marked({ url: "javascript:payload.marker" }), sender);
    await batch([marked(), marked({ timestamp: 1 }), { type: "identify", payload: { website: WEBSITE, id: "distinct-marker-z" } }], sender);
    await send(marked(), { ...sender, headers: { authorization: `Bearer ${STATS_TOKEN}x` } });
    expect(lines.some((line) => line.includes("hit dropped"))).toBe(true);
    for (const marker of markers) expect(lines.join("\n")).not.toContain(marker);
  });
});
