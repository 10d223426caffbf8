import { describe, expect, it } from "vitest";
import { type DropCheck, dropReasonFor } from "../../../src/domain/ingest/drop-policy";
import { compileSite, unconfiguredSite } from "../../../src/domain/site/site";
import { siteSchema } from "../../../src/schemas/site-config-schema";

const CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
const GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
const HEADLESS_CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36";
const CURL = "curl/8.5.0";

const SHOP = compileSite(siteSchema.parse({ id: "shop.example" }));
const SHOP_IGNORING_SIGNALS = compileSite(siteSchema.parse({ id: "shop.example", honorPrivacySignals: false }));

/** A hit that passes every check; each test changes what it is about. */
function check(overrides: Partial<DropCheck> = {}): DropCheck {
  return {
    site: SHOP,
    userAgent: CHROME,
    pageHostname: "shop.example",
    allowLocalhost: false,
    globalPrivacyControl: false,
    doNotTrack: false,
    ...overrides,
  };
}

describe("dropReasonFor", () => {
  it("keeps an ordinary browser hit on the site's own hostname", () => {
    expect(dropReasonFor(check())).toBeNull();
    expect(dropReasonFor(check({ pageHostname: "www.shop.example" }))).toBeNull();
  });

  it("drops a hit for an unknown site", () => {
    expect(dropReasonFor(check({ site: undefined }))).toBe("unknown_site");
  });

  it.each([
    ["Googlebot", GOOGLEBOT],
    ["HeadlessChrome", HEADLESS_CHROME],
    ["curl", CURL],
    ["python-requests", "python-requests/2.32.3"],
  ])("drops a hit from %s as a bot", (_label, userAgent) => {
    expect(dropReasonFor(check({ userAgent }))).toBe("bot");
  });

  it("drops a hit with an empty or blank User-Agent as a bot", () => {
    expect(dropReasonFor(check({ userAgent: "" }))).toBe("bot");
    expect(dropReasonFor(check({ userAgent: "   " }))).toBe("bot");
  });

  it("drops a hit from a page on a hostname that does not belong to the site", () => {
    expect(dropReasonFor(check({ pageHostname: "copycat.example" }))).toBe("hostname_mismatch");
  });

  describe("localhost", () => {
    it("drops a hit from localhost when localhost is not allowed", () => {
      expect(dropReasonFor(check({ pageHostname: "localhost" }))).toBe("hostname_mismatch");
      expect(dropReasonFor(check({ pageHostname: "127.0.0.1" }))).toBe("hostname_mismatch");
    });

    it("keeps a hit from localhost when localhost is allowed", () => {
      expect(dropReasonFor(check({ pageHostname: "localhost", allowLocalhost: true }))).toBeNull();
      expect(dropReasonFor(check({ pageHostname: "127.0.0.1", allowLocalhost: true }))).toBeNull();
    });

    it("still drops a foreign hostname when localhost is allowed", () => {
      expect(dropReasonFor(check({ pageHostname: "copycat.example", allowLocalhost: true }))).toBe("hostname_mismatch");
    });
  });

  describe("privacy signals", () => {
    it("honours Global Privacy Control by default", () => {
      expect(dropReasonFor(check({ globalPrivacyControl: true }))).toBe("global_privacy_control");
    });

    it("honours Do Not Track by default", () => {
      expect(dropReasonFor(check({ doNotTrack: true }))).toBe("do_not_track");
    });

    it("honours both signals on an unconfigured site", () => {
      const blog = unconfiguredSite("blog.example");
      expect(dropReasonFor(check({ site: blog, pageHostname: "blog.example", doNotTrack: true }))).toBe("do_not_track");
      expect(dropReasonFor(check({ site: blog, pageHostname: "blog.example", globalPrivacyControl: true }))).toBe("global_privacy_control");
    });

    it("ignores both signals when the site sets honorPrivacySignals to false", () => {
      expect(dropReasonFor(check({ site: SHOP_IGNORING_SIGNALS, globalPrivacyControl: true, doNotTrack: true }))).toBeNull();
    });

    it("still drops bots and foreign hostnames on a site that ignores privacy signals", () => {
      expect(dropReasonFor(check({ site: SHOP_IGNORING_SIGNALS, userAgent: GOOGLEBOT }))).toBe("bot");
      expect(dropReasonFor(check({ site: SHOP_IGNORING_SIGNALS, pageHostname: "copycat.example" }))).toBe("hostname_mismatch");
    });
  });

  describe("order of precedence", () => {
    it("reports an unknown site before a bot", () => {
      expect(dropReasonFor(check({ site: undefined, userAgent: GOOGLEBOT }))).toBe("unknown_site");
    });

    it("reports a bot before a hostname mismatch", () => {
      expect(dropReasonFor(check({ userAgent: CURL, pageHostname: "copycat.example" }))).toBe("bot");
    });

    it("reports a hostname mismatch before a privacy signal", () => {
      expect(dropReasonFor(check({ pageHostname: "copycat.example", globalPrivacyControl: true, doNotTrack: true }))).toBe(
        "hostname_mismatch",
      );
    });

    it("reports Global Privacy Control before Do Not Track", () => {
      expect(dropReasonFor(check({ globalPrivacyControl: true, doNotTrack: true }))).toBe("global_privacy_control");
    });

    it("reports a bot before a privacy signal", () => {
      expect(dropReasonFor(check({ userAgent: HEADLESS_CHROME, doNotTrack: true }))).toBe("bot");
    });
  });
});
