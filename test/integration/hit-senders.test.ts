import { describe, expect, it } from "vitest";
import { getStats, postEvent, postEventAt, readJson, STATS_TOKEN } from "../support/collector";

/**
 * Who a client is (docs/api.md, "Server-side senders"). sender.test (test/fixtures) trusts the
 * ingest token `sender-token-0001` and the ranges 198.51.100.0/28 and 2001:db8:5e::/48.
 */
interface Report {
  totals: { visitors: number; pageviews: number };
  timeseries: { t: string; pageviews: number }[];
}
const pageview = (site: string, extra: Record<string, unknown> = {}) => ({ n: "pageview", u: `https://${site}/`, d: site, ...extra });
const DAY = "2031-05-20";
const at = (time: string) => `${DAY}T${time}Z`;
const totals = async (site: string, from = DAY, to = from) =>
  (await readJson<Report>(await getStats(site, `from=${from}&to=${to}`))).totals;

describe("a browser is its connecting address", () => {
  it("ignores X-Forwarded-For from anyone untrusted: one client rotating it is one visitor, and rate-limited", {
    timeout: 60_000,
  }, async () => {
    const site = "rotating.test";
    const statuses: number[] = [];
    for (let i = 0; i < 130; i++) {
      const response = await postEventAt(at("10:00:00"), pageview(site), {
        ip: "192.0.2.50",
        headers: { "x-forwarded-for": `203.0.113.${i}` },
      });
      statuses.push(response.status);
    }
    expect(statuses.filter((status) => status === 202)).toHaveLength(120);
    expect(statuses.filter((status) => status === 429)).toHaveLength(10);
    expect(await totals(site)).toMatchObject({ visitors: 1, pageviews: 120 });
  });

  it("refuses ts from an untrusted client, naming the field", async () => {
    const response = await postEvent(pageview("rotating.test", { ts: Date.now() - 60_000 }));
    expect(response.status).toBe(400);
    expect(await readJson(response)).toMatchObject({ error: { code: "invalid_event", issues: [{ field: "ts" }] } });
  });
});

describe("a trusted server-side sender", () => {
  const token = (value: string) => ({ authorization: `Bearer ${value}` });

  it.each([
    ["its ingest token", { ip: "192.0.2.1", headers: token("sender-token-0001") }],
    ["the admin token", { ip: "192.0.2.1", headers: token(STATS_TOKEN) }],
    ["a trusted IPv4 range", { ip: "198.51.100.7", headers: {} }],
    ["a trusted IPv6 range", { ip: "2001:db8:5e::17", headers: {} }],
  ])("by %s: forwards its visitors' addresses in X-Forwarded-For", async (_how, sender) => {
    const site = "sender.test";
    const day =
      { "its ingest token": "01", "the admin token": "02", "a trusted IPv4 range": "03", "a trusted IPv6 range": "04" }[_how] ?? "05";
    const date = `2031-06-${day}`;
    for (const visitor of ["203.0.113.1", "203.0.113.2, 10.0.0.1", "2001:db8::3"]) {
      const response = await postEventAt(`${date}T10:00:00Z`, pageview(site), {
        ...sender,
        headers: { ...sender.headers, "x-forwarded-for": visitor },
      });
      expect(response.status).toBe(202);
    }
    expect(await totals(site, date)).toMatchObject({ visitors: 3, pageviews: 3 });
  });

  it("is refused with 401 when its token is wrong, malformed, or another site's", async () => {
    for (const authorization of ["Bearer not-a-token", "Basic abc", "Bearer other-token-0002"]) {
      const response = await postEvent(pageview("sender.test"), { headers: { authorization } });
      expect(response.status, authorization).toBe(401);
    }
    expect((await postEvent(pageview("other-sender.test"), { headers: token("other-token-0002") })).status).toBe(202);
  });

  it("has a limit of its own, not the per-visitor one", { timeout: 60_000 }, async () => {
    const site = "sender.test";
    for (let i = 0; i < 130; i++) {
      const response = await postEventAt(`2031-06-10T10:00:00Z`, pageview(site), {
        ip: "192.0.2.1",
        headers: { ...token("sender-token-0001"), "x-forwarded-for": `203.0.113.${i}` },
      });
      expect(response.status).toBe(202);
    }
    expect(await totals(site, "2031-06-10")).toMatchObject({ visitors: 130, pageviews: 130 });
  });

  it("may date a hit up to 24 hours back, counted when it happened, even in yesterday", async () => {
    const site = "sender.test";
    const send = (ts: number) =>
      postEventAt(at("00:30:00"), pageview(site, { ts }), {
        ip: "192.0.2.1",
        headers: { ...token("sender-token-0001"), "x-forwarded-for": "203.0.113.77" },
      });
    // At 00:30 on the 20th: 22:00 on the 19th is 2.5 hours back, in yesterday.
    expect((await send(Date.parse("2031-05-19T22:00:00Z"))).status).toBe(202);
    const hours = await readJson<Report>(await getStats(site, "from=2031-05-19&to=2031-05-19&interval=hour"));
    expect(hours.timeseries[22]).toMatchObject({ t: "2031-05-19T22:00:00+00:00", pageviews: 1 });
    expect(hours.timeseries.reduce((sum, point) => sum + point.pageviews, 0)).toBe(1);

    for (const [ts, message] of [
      [Date.parse("2031-05-19T00:29:00Z"), "at most 24 hours back"],
      [Date.parse("2031-05-20T00:35:00Z"), "not be in the future"],
    ] as const) {
      const response = await send(ts);
      expect(response.status).toBe(400);
      const body = await readJson<{ error: { issues: { field: string; message: string }[] } }>(response);
      expect(body.error.issues[0]?.field).toBe("ts");
      expect(body.error.issues[0]?.message).toContain(message);
    }
  });
});
