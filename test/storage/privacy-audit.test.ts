import { describe, expect, it } from "vitest";
import { postEventAt } from "../support/collector";
import { dumpAllSiteStores, dumpText } from "../support/storage-dump";

/**
 * Sends hits carrying marker IPs, User-Agents and e-mail addresses (in the path, the query
 * string, the campaign, the referrer and the props), then reads every table of every object.
 */
const MARKER_IPS = ["203.0.113.77", "2001:db8::7777"];
const MARKER_AGENTS = ["Mozilla/5.0 (X11; Linux x86_64) MarkerFox/9.9 Firefox/133.0", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) PhoneMarker/1.2 Mobile/15E148"];
const EMAIL_LOCAL_PART = "jane.marker";

describe("privacy audit of stored rows", () => {
  it("stores no raw IP, User-Agent or e-mail address anywhere", async () => {
    const sites = ["audit-one.test", "audit-two.test"];
    let minute = 0;
    for (const site of sites) {
      for (const ip of MARKER_IPS) {
        for (const userAgent of MARKER_AGENTS) {
          const time = `2031-08-01T10:${String(minute++).padStart(2, "0")}:00Z`;
          const url = `https://${site}/unsubscribe/${EMAIL_LOCAL_PART}@example.com?email=${EMAIL_LOCAL_PART}%40example.com&utm_campaign=${EMAIL_LOCAL_PART}@example.com&utm_source=newsletter`;
          const response = await postEventAt(time, { n: "sign_up", u: url, d: site, r: `https://mail.example/?to=${EMAIL_LOCAL_PART}@example.com`, p: { email: `${EMAIL_LOCAL_PART}@example.com` } }, { ip, userAgent });
          expect(response.status).toBe(202);
          await postEventAt(time, { n: `clicked ${EMAIL_LOCAL_PART}@example.com`, u: url, d: site }, { ip, userAgent });
        }
      }
    }
    const dumps = await dumpAllSiteStores();
    expect(dumps).toHaveLength(2);
    for (const dump of dumps) {
      // The hits were stored (so the audit looks at real rows)...
      expect(dump.hourly_counters?.length).toBeGreaterThan(0);
      expect(dump.visitors?.length).toBe(4);
      const text = dumpText(dump);
      // ...and none of the markers is in them.
      for (const marker of [...MARKER_IPS, "MarkerFox", "PhoneMarker", EMAIL_LOCAL_PART, "example.com"]) {
        expect(text).not.toContain(marker);
      }
      expect(text).toContain("(redacted)");
    }
  });
});
