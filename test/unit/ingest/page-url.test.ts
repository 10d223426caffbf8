import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalisePath, readPageLocation, referrerHost } from "../../../src/domain/ingest/page-url";

const read = (url: string, hashRouting = false) => readPageLocation(new URL(url), hashRouting);

describe("readPageLocation: path", () => {
  it("drops the query string from the path", () => {
    expect(read("https://shop.example/pricing?plan=pro&utm_source=x").path).toBe("/pricing");
  });

  it("drops the fragment when the site does not use hash routing", () => {
    expect(read("https://shop.example/app#/settings/billing").path).toBe("/app");
  });

  it("keeps the fragment as part of the page with hash routing", () => {
    expect(read("https://shop.example/app#/settings/billing", true).path).toBe("/app#/settings/billing");
  });

  it("removes a trailing slash", () => {
    expect(read("https://shop.example/pricing/").path).toBe("/pricing");
  });

  it("removes several trailing slashes", () => {
    expect(read("https://shop.example/docs/guide///").path).toBe("/docs/guide");
  });

  it("keeps the root path as /", () => {
    expect(read("https://shop.example/").path).toBe("/");
    expect(read("https://shop.example").path).toBe("/");
  });

  it("keeps the root path as / when only a query string follows it", () => {
    expect(read("https://shop.example/?utm_source=newsletter").path).toBe("/");
  });

  it("redacts an e-mail address in the path", () => {
    expect(read("https://shop.example/unsubscribe/jane.doe@example.com").path).toBe("/unsubscribe/(redacted)");
  });

  it("redacts a percent-encoded e-mail address in the path", () => {
    expect(read("https://shop.example/unsubscribe/jane.doe%40example.com/confirm").path).toBe("/unsubscribe/(redacted)/confirm");
  });

  it("lower-cases the hostname", () => {
    expect(read("https://Shop.EXAMPLE/Pricing").hostname).toBe("shop.example");
  });

  // fc.webUrl is costly to generate: ~1 s idle, 2.4 to 5.3 s with both cores busy.
  it("never leaves a query string, a fragment or a trailing slash in the path (property)", () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
        const { path } = read(url);
        expect(path.startsWith("/")).toBe(true);
        expect(path).not.toContain("?");
        expect(path).not.toContain("#");
        if (path !== "/") expect(path.endsWith("/")).toBe(false);
      }),
    );
  }, 60_000);

  it("gives the same path whatever query string and fragment are appended (property)", () => {
    // Segments a redaction never touches (no digit groups, separators or @): see redact.test.ts for those.
    const segment = fc.stringMatching(/^[a-z][a-z-]{0,6}[0-9]{0,5}$/);
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 4 }), fc.string(), fc.string(), (segments, query, fragment) => {
        const base = `https://shop.example/${segments.join("/")}`;
        const withExtras = `${base}?${encodeURIComponent(query)}#${encodeURIComponent(fragment)}`;
        expect(read(withExtras).path).toBe(segments.length === 0 ? "/" : `/${segments.join("/")}`);
      }),
    );
  });
});

describe("normalisePath", () => {
  it("treats /pricing/ and /pricing as the same page", () => {
    expect(normalisePath("/pricing/")).toBe("/pricing");
    expect(normalisePath("/pricing")).toBe("/pricing");
  });

  it("keeps / as /", () => {
    expect(normalisePath("/")).toBe("/");
  });

  it("turns a path made only of slashes into /", () => {
    expect(normalisePath("///")).toBe("/");
  });
});

describe("readPageLocation: click ids", () => {
  it("records which click id was present", () => {
    expect(read("https://shop.example/?gclid=Cj0KCQiA-secret-value").clickId).toBe("gclid");
    expect(read("https://shop.example/?msclkid=ms-secret-value").clickId).toBe("msclkid");
    expect(read("https://shop.example/?fbclid=IwAR-secret-value").clickId).toBe("fbclid");
  });

  it("keeps only the click id's name, never its value", () => {
    const location = read("https://shop.example/landing?gclid=Cj0KCQiA-secret-value&utm_source=google");
    expect(location.clickId).toBe("gclid");
    expect(JSON.stringify(location)).not.toContain("secret-value");
  });

  it("reports no click id when none is present", () => {
    expect(read("https://shop.example/landing?utm_source=google").clickId).toBeNull();
  });
});

describe("readPageLocation: campaign parameters", () => {
  it("lower-cases utm values", () => {
    expect(
      read("https://shop.example/?utm_source=Google&utm_medium=CPC&utm_campaign=Spring_Sale&utm_content=Banner_A&utm_term=Red+Shoes")
        .campaign,
    ).toEqual({
      source: "google",
      medium: "cpc",
      campaign: "spring_sale",
      content: "banner_a",
      term: "red shoes",
    });
  });

  it("trims whitespace around utm values", () => {
    expect(read("https://shop.example/?utm_source=%20Newsletter%20").campaign.source).toBe("newsletter");
  });

  it("leaves campaign fields empty when no utm parameters are present", () => {
    expect(read("https://shop.example/").campaign).toEqual({ source: "", medium: "", campaign: "", content: "", term: "" });
  });

  it("falls back to ref for the source when utm_source is absent", () => {
    expect(read("https://shop.example/?ref=ProductHunt").campaign.source).toBe("producthunt");
  });

  it("prefers utm_source over ref", () => {
    expect(read("https://shop.example/?ref=producthunt&utm_source=newsletter").campaign.source).toBe("newsletter");
  });

  it("redacts an e-mail address sent as a campaign value", () => {
    expect(read("https://shop.example/?utm_campaign=jane%40example.com").campaign.campaign).toBe("(redacted)");
  });
});

describe("referrerHost", () => {
  it("strips www. from the referrer's host", () => {
    expect(referrerHost("https://www.google.com/search?q=shoes")).toBe("google.com");
  });

  it("strips the port from the referrer's host", () => {
    expect(referrerHost("http://blog.example:8080/post")).toBe("blog.example");
  });

  it("lower-cases the host", () => {
    expect(referrerHost("https://WWW.Example.COM/")).toBe("example.com");
  });

  it("keeps subdomains other than www", () => {
    expect(referrerHost("https://m.facebook.com/")).toBe("m.facebook.com");
  });

  it("returns an empty string for a missing referrer", () => {
    expect(referrerHost(undefined)).toBe("");
    expect(referrerHost("")).toBe("");
  });

  it.each(["not a url", "//no-scheme.example/", "javascript:alert(1)", "ftp://files.example/x", "data:text/html,hi", "file:///etc/passwd"])(
    "rejects %s",
    (garbage) => {
      expect(referrerHost(garbage)).toBe("");
    },
  );

  it("never throws and returns either an empty string or a bare lower-case host (property)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl()), (referrer) => {
        const host = referrerHost(referrer);
        expect(host).toBe(host.toLowerCase());
        expect(host).not.toContain("/");
        expect(host).not.toContain(":");
      }),
    );
  });
});

describe("hash routing root", () => {
  it("treats #/ as the root route, the same page as no fragment", () => {
    expect(read("https://app.example/#/", true).path).toBe("/");
    expect(read("https://app.example/#/settings", true).path).toBe("/#/settings");
  });
});

describe("campaign parameters holding an e-mail address", () => {
  it("drops the whole value, also when the query decoded '+' to a space", () => {
    const location = read(
      "https://shop.example/?utm_campaign=jane.doe+news@example.com&utm_source=a@b.example&utm_medium=email&utm_term=call+%2B44+20+7946+0958&utm_content=x@y.example",
    );
    expect(location.campaign).toEqual({
      campaign: "(redacted)",
      source: "(redacted)",
      medium: "email",
      content: "(redacted)",
      term: "(redacted)",
    });
  });
});

describe("readPageLocation: personal data in disguise", () => {
  const location = (url: string, hashRouting = false) => readPageLocation(new URL(url), hashRouting);

  it("never keeps a hash route's query string", () => {
    expect(location("https://app.test/#/reset?token=SECRET&phone=4155552671", true).path).toBe("/#/reset");
    expect(location("https://app.test/#/?next=1", true).path).toBe("/");
  });

  it("redacts a campaign value before cutting it to length, so no half of an address is kept", () => {
    const campaign = `${"x".repeat(196)}jane@example.com`;
    expect(location(`https://shop.test/?utm_campaign=${encodeURIComponent(campaign)}`).campaign.campaign).toBe("(redacted)");
  });

  it("redacts campaign and source values encoded twice, with a fullwidth at sign, or with + for a space", () => {
    expect(location("https://shop.test/?utm_campaign=jane%252540example.com").campaign.campaign).toBe("(redacted)");
    expect(location(`https://shop.test/?utm_source=${encodeURIComponent("jane\uFF20example.com")}`).campaign.source).toBe("(redacted)");
    expect(location("https://shop.test/?utm_medium=jane+doe@example.com").campaign.medium).toBe("(redacted)");
    expect(location("https://shop.test/?ref=%2B44%2020%207946%200958").campaign.source).toBe("(redacted)");
  });

  it("redacts a referrer that is an IP address", () => {
    expect(referrerHost("http://203.0.113.7:8080/admin")).toBe("(redacted)");
    expect(referrerHost("https://www.google.com/search?q=x")).toBe("google.com");
  });
});
