import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { eventRequest, fetchWithSettings, getStats, postEvent } from "../support/collector";

/**
 * What the worker logs is kept by Workers Logs in the operator's account, so no line of ours may
 * hold a visitor's IP or User-Agent, a token or an e-mail address, on any path: accepted hits,
 * drops of unknown sites, failing stores, bad requests, wrong tokens.
 */
const MARKER_IP = "203.0.113.201";
const MARKER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) LogMarker/7.7 Firefox/133.0";
const MARKER_EMAIL = "log.marker@example.com";
const MARKER_TOKEN = "log-marker-token-0000";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the worker's own logs", () => {
  it("hold no IP, User-Agent, token or e-mail address after a load that goes down every path", async () => {
    const lines: string[] = [];
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(" "));
      });
    }
    const sender = { ip: MARKER_IP, userAgent: MARKER_AGENT };
    const page = (site: string) => `https://${site}/unsubscribe/${MARKER_EMAIL}?email=${MARKER_EMAIL}&token=${MARKER_TOKEN}`;

    // Accepted hits and a rate-limit drop's neighbours.
    for (let i = 0; i < 5; i++)
      await postEvent({ n: "pageview", u: page("logs.test"), d: "logs.test", r: `https://${MARKER_IP}/` }, sender);
    // An unknown site where only configured sites are served: logged, not stored.
    await fetchWithSettings(eventRequest({ n: "pageview", u: page("nobody.test"), d: "nobody.test" }, sender), { UNKNOWN_SITES: "drop" });
    // Bad requests.
    await postEvent(`{"n":"pageview","u":"${page("logs.test")}"`, sender);
    await postEvent({ n: MARKER_EMAIL, u: "not a url", d: "logs.test" }, sender);
    // A wrong token, and a failing store for both ingest and reports.
    expect((await getStats("logs.test", "", MARKER_TOKEN)).status).toBe(401);
    await runInDurableObject(env.SITE_STORE.getByName("logs.test"), (_instance, state) => {
      state.storage.sql.exec = (() => {
        throw new Error("injected storage failure");
      }) as SqlStorage["exec"];
    });
    expect((await postEvent({ n: "pageview", u: page("logs.test"), d: "logs.test" }, sender)).status).toBe(503);
    expect((await getStats("logs.test")).status).toBe(503);

    // The audit read real lines: the drop and the failures were logged.
    expect(lines.some((line) => line.includes("hit dropped"))).toBe(true);
    expect(lines.some((line) => line.includes("store unavailable"))).toBe(true);
    for (const marker of [MARKER_IP, "LogMarker", MARKER_EMAIL, "log.marker", MARKER_TOKEN]) {
      expect(
        lines.filter((line) => line.includes(marker)),
        marker,
      ).toEqual([]);
    }
  });
});
