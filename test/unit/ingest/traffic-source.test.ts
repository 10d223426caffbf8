import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readPageLocation } from "../../../src/domain/ingest/page-url";
import { classifyTrafficSource, type TrafficSource } from "../../../src/domain/ingest/traffic-source";

/** Classifies a hit on `pageUrl` arriving from `referrer`: its source, channel and campaign. */
function classify(pageUrl: string, referrer?: string): Pick<TrafficSource, "source" | "channel" | "campaign"> {
  const { source, channel, campaign } = classifyTrafficSource(readPageLocation(new URL(pageUrl), false), referrer);
  return { source, channel, campaign };
}

describe("classifyTrafficSource: UTM medium, content and term", () => {
  it("keeps them as sent (lower-cased), and (none) when absent", () => {
    const location = readPageLocation(
      new URL(`${PAGE}?utm_source=news&utm_medium=Email&utm_content=Hero_Button&utm_term=running+shoes`),
      false,
    );
    expect(classifyTrafficSource(location, undefined)).toEqual({
      source: "news",
      channel: "email",
      campaign: "(none)",
      medium: "email",
      content: "hero_button",
      term: "running shoes",
    });
    const plain = classifyTrafficSource(readPageLocation(new URL(PAGE), false), "https://www.google.com/");
    expect([plain.medium, plain.content, plain.term]).toEqual(["(none)", "(none)", "(none)"]);
  });
});

const PAGE = "https://shop.example/products/red-shoes";

describe("classifyTrafficSource: direct", () => {
  it("calls a hit with no referrer and no campaign parameters direct, with (none) source and campaign", () => {
    expect(classify(PAGE)).toEqual({ source: "(none)", channel: "direct", campaign: "(none)" });
  });

  it("treats an empty referrer like a missing one", () => {
    expect(classify(PAGE, "")).toEqual({ source: "(none)", channel: "direct", campaign: "(none)" });
  });

  it("treats an unparsable referrer like a missing one", () => {
    expect(classify(PAGE, "not a url")).toEqual({ source: "(none)", channel: "direct", campaign: "(none)" });
  });
});

describe("classifyTrafficSource: organic search", () => {
  it.each([
    ["https://www.google.com/", "google.com"],
    ["https://www.google.co.uk/search?q=red+shoes", "google.co.uk"],
    ["https://duckduckgo.com/", "duckduckgo.com"],
    ["https://www.bing.com/search?q=red+shoes", "bing.com"],
  ])("classifies a referrer from %s as organic search from %s", (referrer, source) => {
    expect(classify(PAGE, referrer)).toEqual({ source, channel: "organic_search", campaign: "(none)" });
  });
});

describe("classifyTrafficSource: organic social", () => {
  it.each([
    ["https://t.co/AbCdEf123", "t.co"],
    ["https://www.linkedin.com/feed/", "linkedin.com"],
    ["https://m.facebook.com/", "m.facebook.com"],
    ["https://www.reddit.com/r/running/comments/abc", "reddit.com"],
  ])("classifies a referrer from %s as organic social from %s", (referrer, source) => {
    expect(classify(PAGE, referrer)).toEqual({ source, channel: "organic_social", campaign: "(none)" });
  });
});

describe("classifyTrafficSource: paid search", () => {
  it("classifies a landing with gclid and no referrer as paid search", () => {
    expect(classify(`${PAGE}?gclid=Cj0KCQ123`).channel).toBe("paid_search");
  });

  it("classifies a landing with gclid from google.com as paid search from google.com", () => {
    expect(classify(`${PAGE}?gclid=Cj0KCQ123`, "https://www.google.com/")).toEqual({
      source: "google.com",
      channel: "paid_search",
      campaign: "(none)",
    });
  });

  it("classifies a landing with msclkid from bing.com as paid search", () => {
    expect(classify(`${PAGE}?msclkid=abc123`, "https://www.bing.com/").channel).toBe("paid_search");
  });

  it("classifies utm_medium=cpc with utm_source=google as paid search from google", () => {
    expect(classify(`${PAGE}?utm_source=google&utm_medium=cpc&utm_campaign=spring`)).toEqual({
      source: "google",
      channel: "paid_search",
      campaign: "spring",
    });
  });
});

describe("classifyTrafficSource: paid social", () => {
  it("classifies utm_medium=cpc with utm_source=facebook as paid social from facebook", () => {
    expect(classify(`${PAGE}?utm_source=facebook&utm_medium=cpc`)).toEqual({
      source: "facebook",
      channel: "paid_social",
      campaign: "(none)",
    });
  });

  it("classifies a landing with ttclid as paid social", () => {
    expect(classify(`${PAGE}?ttclid=E.C.P.abc`).channel).toBe("paid_social");
  });
});

describe("classifyTrafficSource: email", () => {
  it("classifies utm_medium=email as email with the utm source", () => {
    expect(classify(`${PAGE}?utm_source=newsletter&utm_medium=email&utm_campaign=may-digest`)).toEqual({
      source: "newsletter",
      channel: "email",
      campaign: "may-digest",
    });
  });

  it("classifies a referrer from Gmail's web client as email, not search", () => {
    expect(classify(PAGE, "https://mail.google.com/mail/u/0/")).toEqual({
      source: "mail.google.com",
      channel: "email",
      campaign: "(none)",
    });
  });
});

describe("classifyTrafficSource: referral", () => {
  it("classifies an unknown external referrer as a referral from its host", () => {
    expect(classify(PAGE, "https://some-blog.example/2026/best-shoes")).toEqual({
      source: "some-blog.example",
      channel: "referral",
      campaign: "(none)",
    });
  });

  it.each([
    ["https://x.example.com/post", "x.example.com"],
    ["https://notgoogle.com/", "notgoogle.com"],
    ["https://box.com/files", "box.com"],
    ["https://www.googleusercontent.example/", "googleusercontent.example"],
    ["https://fakebook.com/", "fakebook.com"],
  ])("does not mistake %s, which merely contains a brand, for a search engine or social network", (referrer, source) => {
    expect(classify(PAGE, referrer)).toEqual({ source, channel: "referral", campaign: "(none)" });
  });

  it("classifies any host under the .example TLD as a referral from that host (property)", () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 3 }), (labels) => {
        fc.pre(labels[0] !== "www");
        const host = `${labels.join(".")}.example`;
        const result = classifyTrafficSource(readPageLocation(new URL("https://site.test/"), false), `https://${host}/page`);
        expect(result).toMatchObject({ source: host, channel: "referral", campaign: "(none)" });
      }),
    );
  });
});

describe("classifyTrafficSource: Android app referrers", () => {
  // Chrome on Android reports app referrers as android-app://<package>/, which referrerHost accepts.
  it("classifies the Google search app as organic search", () => {
    expect(classify(PAGE, "android-app://com.google.android.googlequicksearchbox/").channel).toBe("organic_search");
  });

  it("classifies the Gmail app as email", () => {
    expect(classify(PAGE, "android-app://com.google.android.gm/").channel).toBe("email");
  });

  it("classifies the LinkedIn app as organic social", () => {
    expect(classify(PAGE, "android-app://com.linkedin.android/").channel).toBe("organic_social");
  });
});

describe("classifyTrafficSource: internal navigation", () => {
  it("does not count a referrer on the page's own host as a source", () => {
    expect(classify(PAGE, "https://shop.example/products")).toEqual({ source: "(none)", channel: "direct", campaign: "(none)" });
  });

  it("does not count a www. referrer on a page without www. as a source", () => {
    expect(classify(PAGE, "https://www.shop.example/")).toEqual({ source: "(none)", channel: "direct", campaign: "(none)" });
  });

  it("does not count a referrer without www. on a www. page as a source", () => {
    expect(classify("https://www.shop.example/cart", "https://shop.example/products/red-shoes")).toEqual({
      source: "(none)",
      channel: "direct",
      campaign: "(none)",
    });
  });
});

describe("classifyTrafficSource: campaign parameters", () => {
  it("lets utm_source override the referrer's host", () => {
    expect(classify(`${PAGE}?utm_source=twitter`, "https://www.google.com/")).toEqual({
      source: "twitter",
      channel: "organic_social",
      campaign: "(none)",
    });
  });

  it("takes the campaign from utm_campaign, lower-cased", () => {
    expect(classify(`${PAGE}?utm_source=google&utm_medium=cpc&utm_campaign=Spring_Sale`, "https://www.google.com/").campaign).toBe(
      "spring_sale",
    );
  });

  it("reports the campaign as (none) when utm_campaign is absent, even with other utm parameters", () => {
    expect(classify(`${PAGE}?utm_source=newsletter&utm_medium=email`).campaign).toBe("(none)");
  });

  it("keeps the campaign of an internal navigation that carries utm_campaign", () => {
    expect(classify(`${PAGE}?utm_campaign=launch`, "https://shop.example/")).toEqual({
      source: "(none)",
      channel: "direct",
      campaign: "launch",
    });
  });
});
