import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { writeDayColumns } from "../../src/storage/day-columns";
import { getStats, postEvent } from "../support/collector";
import { dumpAllSiteStores, dumpText, saltsOf } from "../support/storage-dump";

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
    // The closed day's column copy (written at the close for large days; here by hand) holds
    // nothing more: its dictionaries are the counters' values.
    for (const site of SITES) {
      await runInDurableObject(env.SITE_STORE.getByName(site), (_instance, state) => {
        writeDayColumns(state.storage.sql, oldest - 1);
      });
    }
    for (const dump of await dumpAllSiteStores()) {
      // Salts in the salts table and in quiet days' rows alike.
      expect(saltsOf(dump).every((row) => row.day >= oldest)).toBe(true);
      expect(saltsOf(dump).map((row) => row.day)).not.toContain(oldest - 1);
      expect(dump.visitors).toEqual([]);
      const columns = dumpText({ day_column_parts: dump.day_column_parts ?? [] });
      expect(columns).toContain("(redacted)");
      const text = dumpText(dump);
      for (const marker of [...MARKER_IPS, "MarkerFox", "PhoneMarker", "TabletMarker", EMAIL_LOCAL_PART, "example.com"]) {
        expect(text).not.toContain(marker);
      }
    }
  }, 20_000);

  it("stores no e-mail, phone number, IP address or token sent in disguise in any field", async () => {
    const site = "disguise.test";
    // The markers, and what of each must never be found in storage, however it was sent.
    const email = "jane.disguised@example.com";
    const phone = "+1 415 555 2671";
    const ip = "203.0.113.99";
    const token = "SECRETTOKEN77";
    const mustNotAppear = [
      "jane.disguised",
      "disguised",
      "415 555",
      "4155552671",
      "555-2671",
      "203.0.113.99",
      "SECRETTOKEN77",
      "example.com",
    ];
    const disguises = (marker: string) => {
      const once = encodeURIComponent(marker);
      const twice = encodeURIComponent(once);
      return [marker, once, twice, encodeURIComponent(twice), marker.replace("@", "\uFF20"), marker.replace("@", "%2540")];
    };
    const bodies: Record<string, unknown>[] = [];
    for (const marker of [email, phone, ip]) {
      for (const disguised of disguises(marker)) {
        const q = encodeURIComponent(disguised);
        bodies.push(
          {
            n: "pageview",
            u: `https://${site}/u/${q}?utm_campaign=${q}&utm_source=${q}&utm_medium=${q}&utm_content=${q}&utm_term=${q}`,
            d: site,
            r: `https://${ip}/x?to=${q}`,
          },
          { n: "pageview", u: `https://${site}/#/reset?token=${token}&phone=4155552671&email=${q}`, d: site, h: 1 },
          { n: "pageview", u: `https://${site}/user/phone/4155552671`, d: site, p: { plan: disguised } },
          { n: `Clicked ${disguised}`, u: `https://${site}/`, d: site, p: { variant: `B ${disguised}` } },
          { n: "Signed up", u: `https://${site}/?ref=${q}`, d: site, p: { variant: disguised } },
          { n: `visited /reset?token=${token}`, u: `https://${site}/`, d: site },
          { n: "Paid", u: `https://${site}/`, d: site, $: { amount: 5, currency: "EUR" }, p: { note: disguised } },
          { n: disguised.slice(0, 100), u: `https://${site}/thanks`, d: site, $: { amount: 1, currency: "EUR" } },
        );
      }
    }
    const statuses = await Promise.all(
      bodies.map((body, i) => postEvent(body, { ip: `198.51.100.${(i % 200) + 1}` }).then((r) => r.status)),
    );
    expect(statuses.every((status) => status === 202)).toBe(true);

    // The day closes too, so the added dimensions' rolled-up rows are audited with the rest.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date(Date.now() + DAY_MS));
    try {
      const stats = await getStats(site, "breakdowns=props.note,props.plan,utm_content,utm_term,entry_page,exit_page");
      expect(stats.status).toBe(200);
      await runDurableObjectAlarm(env.SITE_STORE.getByName(site));
    } finally {
      vi.useRealTimers();
    }
    const dump = (await dumpAllSiteStores()).find((tables) =>
      (tables.hourly_counters ?? []).some((row) => String(row.page).startsWith("/u/")),
    );
    expect(dump).toBeDefined();
    // The property's counters were written (in a row of their own, or in the day's row of every dimension).
    expect(
      (dump?.dimension_days ?? []).some(
        (row) => String(row.dimension) === "props.note" || (row.dimension === "*" && String(row.body).includes('["props.note",')),
      ),
    ).toBe(true);
    const text = dumpText(dump ?? {});
    for (const marker of mustNotAppear) {
      const at = text.indexOf(marker);
      expect(at === -1 ? "" : text.slice(Math.max(0, at - 80), at + 60), marker).toBe("");
    }
    expect(text.toLowerCase()).not.toMatch(/jane|%40|%2540|\uff20|＠/);
    // The audit looked at real rows: every hit was stored, and redacted values were among them.
    expect((dump?.hourly_counters ?? []).reduce((sum, row) => sum + Number(row.hits), 0)).toBe(bodies.length);
    expect(text).toContain("(redacted)");
    expect(text).toContain("/#/reset");
  }, 20_000);
});
