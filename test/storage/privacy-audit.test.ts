import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { postEvent } from "../support/collector";
import { dumpAllSiteStores, dumpText } from "../support/storage-dump";

/**
 * After a load carrying marker IPs, User-Agents and e-mail addresses (in the path, the query
 * string, the campaign, the referrer, the props and event names), every table of every object is
 * read: none of the markers is there. Two days later, no salt older than 48 hours is left.
 */
const SITES = ["audit-one.test", "audit-two.test", "audit-three.test"];
const MARKER_IPS = ["203.0.113.77", "203.0.113.78", "2001:db8::7777", "2001:db8::7778"];
const MARKER_AGENTS = [
  "Mozilla/5.0 (X11; Linux x86_64) MarkerFox/9.9 Firefox/133.0",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) PhoneMarker/1.2 Mobile/15E148",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) TabletMarker/3.4 Chrome/131.0",
];
const EMAIL_LOCAL_PART = "jane.marker";
const DAY_MS = 86_400_000;

describe("privacy audit of stored rows", () => {
  // ~0.6 s idle, 1 to 2 s with both cores busy.
  it("stores no raw IP, User-Agent or e-mail address anywhere after a load, and drops salts after 48 hours", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2031-08-01T10:00:00Z"));
    let sent = 0;
    try {
      const requests: Promise<Response>[] = [];
      for (const site of SITES) {
        for (const ip of MARKER_IPS) {
          for (const userAgent of MARKER_AGENTS) {
            for (let i = 0; i < 8; i++) {
              const email = `${EMAIL_LOCAL_PART}+${i}@example.com`;
              const url = `https://${site}/unsubscribe/${email}?email=${encodeURIComponent(email)}&utm_campaign=${email}&utm_source=newsletter`;
              requests.push(
                postEvent(
                  {
                    n: i % 3 === 0 ? "sign_up" : i % 3 === 1 ? "pageview" : `clicked ${email}`,
                    u: url,
                    d: site,
                    r: `https://mail.example/?to=${email}`,
                    p: { email, plan: "pro" },
                    id: `evt-${site.length}-${sent}`,
                  },
                  { ip, userAgent },
                ),
              );
              sent += 1;
            }
          }
        }
      }
      const statuses = (await Promise.all(requests)).map((response) => response.status);
      expect(statuses.every((status) => status === 202)).toBe(true);
    } finally {
      vi.useRealTimers();
    }

    const dumps = await dumpAllSiteStores();
    expect(dumps.length).toBeGreaterThanOrEqual(SITES.length);
    let storedHits = 0;
    for (const dump of dumps) {
      storedHits += (dump.hourly_counters ?? []).reduce((sum, row) => sum + Number(row.hits), 0);
      const text = dumpText(dump);
      for (const marker of [...MARKER_IPS, "MarkerFox", "PhoneMarker", "TabletMarker", EMAIL_LOCAL_PART, "example.com"]) {
        expect(text).not.toContain(marker);
      }
      expect(text).toContain("(redacted)");
    }
    // The audit looked at real rows: every hit of the load was stored.
    expect(storedHits).toBe(sent);
    expect(sent).toBe(288);

    // Two days later the midnight alarm has run: no salt older than 48 hours, no visitor rows.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2031-08-03T00:01:00Z"));
    try {
      for (const site of SITES) await runDurableObjectAlarm(env.SITE_STORE.getByName(site));
    } finally {
      vi.useRealTimers();
    }
    const oldest = Date.parse("2031-08-02T00:00:00Z") / DAY_MS;
    for (const dump of await dumpAllSiteStores()) {
      expect((dump.salts ?? []).every((row) => Number(row.day) >= oldest)).toBe(true);
      expect((dump.salts ?? []).map((row) => Number(row.day))).not.toContain(oldest - 1);
      expect(dump.visitors).toEqual([]);
    }
  }, 20_000);
});
