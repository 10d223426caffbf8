import { describe, expect, it } from "vitest";
import { type ClassifierInput, classifyHit, hitKindOf } from "../../../src/domain/ingest/classify";
import type { Money } from "../../../src/domain/ingest/money";
import { readPageLocation } from "../../../src/domain/ingest/page-url";
import { type CompiledSite, compileSite } from "../../../src/domain/site/site";
import { siteSchema } from "../../../src/schemas/site-config-schema";

/** A site as configured in stepwise.config.json, defaults filled in by the schema. */
const site = (settings: Record<string, unknown> = {}): CompiledSite => compileSite(siteSchema.parse({ id: "shop.example", ...settings }));

const DEFAULT_SITE = site();

function hit(name: string, options: { path?: string; props?: Record<string, string>; revenue?: Money } = {}): ClassifierInput {
  return { name, path: options.path ?? "/", props: options.props ?? {}, revenue: options.revenue ?? null, scrollDepth: 0, engagedMs: 0 };
}

describe("classifyHit: built-in taxonomy", () => {
  it.each([
    ["purchase", "macro", "purchase"],
    ["generate_lead", "macro", "generate_lead"],
    ["add_to_cart", "micro_milestone", "add_to_cart"],
    ["begin_checkout", "micro_milestone", "begin_checkout"],
    ["sign_up", "micro_milestone", "sign_up"],
    ["login", "micro_milestone", "login"],
    ["search", "micro_milestone", "search"],
    ["view_item", "micro_milestone", "view_item"],
    ["newsletter signup", "micro_secondary", "newsletter_signup"],
    ["File Download", "micro_secondary", "file_download"],
    ["video complete", "micro_secondary", "video_complete"],
    ["chat start", "micro_secondary", "chat_start"],
    ["share", "micro_secondary", "share"],
    ["Outbound Link: Click", "micro_secondary", "outbound_link_click"],
    ["Form: Submission", "micro_secondary", "form_submission"],
  ])("classifies the event %s as %s goal %s", (name, conversionClass, goal) => {
    expect(classifyHit(hit(name), DEFAULT_SITE)).toEqual({ kind: "event", class: conversionClass, goal, revenue: null });
  });

  it.each([
    ["PURCHASE", "purchase"],
    ["Generate Lead", "generate_lead"],
    ["Add To Cart", "add_to_cart"],
    ["add-to-cart", "add_to_cart"],
    ["addToCart", "add_to_cart"],
    ["Begin Checkout", "begin_checkout"],
    ["Sign Up", "sign_up"],
    ["sign-up", "sign_up"],
    ["Log In", "login"],
    ["View Item", "view_item"],
    ["newsletter_signup", "newsletter_signup"],
    ["Newsletter-Signup", "newsletter_signup"],
    ["file_download", "file_download"],
    ["FILE DOWNLOAD", "file_download"],
    ["Video_Complete", "video_complete"],
    ["Chat-Start", "chat_start"],
    ["SHARE", "share"],
    ["outbound_link_click", "outbound_link_click"],
    ["outbound-link-click", "outbound_link_click"],
    ["form_submission", "form_submission"],
    ["  Form Submission  ", "form_submission"],
  ])("recognises the spelling %s as the built-in goal %s", (name, goal) => {
    expect(classifyHit(hit(name), DEFAULT_SITE).goal).toBe(goal);
  });

  it("keeps the revenue a built-in macro event carries", () => {
    const revenue = { amount: 59.9, currency: "EUR" };
    expect(classifyHit(hit("purchase", { revenue }), DEFAULT_SITE)).toEqual({ kind: "event", class: "macro", goal: "purchase", revenue });
  });
});

describe("classifyHit: pageviews, engagement and unknown events", () => {
  it("classifies a pageview as traffic with no goal", () => {
    expect(classifyHit(hit("pageview", { path: "/pricing" }), DEFAULT_SITE)).toEqual({
      kind: "pageview",
      class: "pageview",
      goal: "",
      revenue: null,
    });
  });

  it("recognises a pageview whatever its spelling", () => {
    expect(classifyHit(hit("Pageview"), DEFAULT_SITE).kind).toBe("pageview");
    expect(hitKindOf("PAGEVIEW")).toBe("pageview");
  });

  it("classifies an engagement hit as engagement kind, unclassified, without goal or revenue", () => {
    expect(classifyHit(hit("engagement", { revenue: { amount: 10, currency: "EUR" } }), DEFAULT_SITE)).toEqual({
      kind: "engagement",
      class: "unclassified",
      goal: "",
      revenue: null,
    });
  });

  it("does not let a configured goal on the same path turn an engagement hit into a conversion", () => {
    const withPathGoal = site({ goals: [{ name: "Thank-you page", class: "macro", match: { path: "/thank-you" } }] });
    expect(classifyHit(hit("engagement", { path: "/thank-you" }), withPathGoal).class).toBe("unclassified");
  });

  it("leaves an unknown event unclassified", () => {
    expect(classifyHit(hit("hover_over_logo"), DEFAULT_SITE)).toEqual({ kind: "event", class: "unclassified", goal: "", revenue: null });
  });

  it("classifies an unknown event that carries revenue as a macro conversion named after the event", () => {
    const revenue = { amount: 19, currency: "USD" };
    expect(classifyHit(hit("Subscription Started", { revenue }), DEFAULT_SITE)).toEqual({
      kind: "event",
      class: "macro",
      goal: "Subscription Started",
      revenue,
    });
  });

  it("names a revenue-carrying unknown event without the whitespace around it", () => {
    expect(classifyHit(hit("  Subscription Started ", { revenue: { amount: 19, currency: "USD" } }), DEFAULT_SITE).goal).toBe(
      "Subscription Started",
    );
  });
});

describe("classifyHit: configured goals", () => {
  it("lets a configured goal override the built-in class: search demoted to secondary", () => {
    const demoted = site({ goals: [{ name: "search", class: "micro", stage: "secondary", match: { event: "search" } }] });
    expect(classifyHit(hit("Search"), demoted)).toEqual({ kind: "event", class: "micro_secondary", goal: "search", revenue: null });
  });

  it("lets a configured goal rename a built-in one", () => {
    const renamed = site({ goals: [{ name: "Order paid", class: "macro", match: { event: "purchase" } }] });
    expect(classifyHit(hit("purchase"), renamed)).toEqual({ kind: "event", class: "macro", goal: "Order paid", revenue: null });
  });

  it("matches a configured event name case- and separator-insensitively", () => {
    const configured = site({ goals: [{ name: "Webinar", class: "micro", stage: "secondary", match: { event: "Webinar Registration" } }] });
    expect(classifyHit(hit("webinar_registration"), configured).goal).toBe("Webinar");
  });

  describe("a path-only goal", () => {
    const thankYou = site({ goals: [{ name: "Thank-you page", class: "macro", match: { path: "/thank-you" } }] });

    it("is reached by a pageview of that path", () => {
      expect(classifyHit(hit("pageview", { path: "/thank-you" }), thankYou)).toEqual({
        kind: "pageview",
        class: "macro",
        goal: "Thank-you page",
        revenue: null,
      });
    });

    it("is not reached by a custom event sent on that path", () => {
      expect(classifyHit(hit("button_click", { path: "/thank-you" }), thankYou)).toEqual({
        kind: "event",
        class: "unclassified",
        goal: "",
        revenue: null,
      });
    });

    it("leaves a built-in event on that path to the built-in taxonomy", () => {
      expect(classifyHit(hit("add_to_cart", { path: "/thank-you" }), thankYou).goal).toBe("add_to_cart");
    });

    it("is not reached by a pageview of another path", () => {
      expect(classifyHit(hit("pageview", { path: "/thank-you/again" }), thankYou).class).toBe("pageview");
      expect(classifyHit(hit("pageview", { path: "/" }), thankYou).class).toBe("pageview");
    });
  });

  describe("a path goal written as people read the path", () => {
    // Hits carry the path as the browser's URL gives it (percent-encoded); owners write goals as they read them.
    it.each([
      ["/спасибо", "https://shop.example/спасибо"],
      ["/dėkojame", "https://shop.example/dėkojame"],
      ["/thank you", "https://shop.example/thank you"],
    ])("is reached by a pageview of %s", (goalPath, pageUrl) => {
      const localised = site({ goals: [{ name: "Thank-you page", class: "macro", match: { path: goalPath } }] });
      const { path } = readPageLocation(new URL(pageUrl), false);
      expect(classifyHit(hit("pageview", { path }), localised).goal).toBe("Thank-you page");
    });
  });

  describe("a glob path goal /products/*", () => {
    const products = site({ goals: [{ name: "product_page", class: "micro", stage: "milestone", match: { path: "/products/*" } }] });

    it("is reached by a product page", () => {
      expect(classifyHit(hit("pageview", { path: "/products/red-shoes" }), products)).toEqual({
        kind: "pageview",
        class: "micro_milestone",
        goal: "product_page",
        revenue: null,
      });
    });

    it("is not reached by a page below a product or by the listing", () => {
      expect(classifyHit(hit("pageview", { path: "/products/red-shoes/reviews" }), products).class).toBe("pageview");
      expect(classifyHit(hit("pageview", { path: "/products" }), products).class).toBe("pageview");
    });
  });

  describe("an event and path goal", () => {
    const pricingCta = site({
      goals: [{ name: "Pricing CTA", class: "micro", stage: "milestone", match: { event: "cta_click", path: "/pricing" } }],
    });

    it("is reached by the event on that path", () => {
      expect(classifyHit(hit("CTA Click", { path: "/pricing" }), pricingCta).goal).toBe("Pricing CTA");
    });

    it("is not reached by the event on another path", () => {
      expect(classifyHit(hit("cta_click", { path: "/about" }), pricingCta).class).toBe("unclassified");
    });

    it("is not reached by a pageview of that path", () => {
      expect(classifyHit(hit("pageview", { path: "/pricing" }), pricingCta).class).toBe("pageview");
    });
  });

  describe("a goal with props", () => {
    const caseStudy = site({
      goals: [
        {
          name: "Case study download",
          class: "micro",
          stage: "secondary",
          match: { event: "File Download", props: { type: "case-study" } },
        },
      ],
    });

    it("is reached when the props hold exactly the configured values, whatever other props there are", () => {
      expect(classifyHit(hit("File Download", { props: { type: "case-study", file: "acme.pdf" } }), caseStudy).goal).toBe(
        "Case study download",
      );
    });

    it("is not reached when a prop value differs, and the built-in goal applies instead", () => {
      expect(classifyHit(hit("File Download", { props: { type: "price-list" } }), caseStudy).goal).toBe("file_download");
      expect(classifyHit(hit("File Download", { props: { type: "Case-Study" } }), caseStudy).goal).toBe("file_download");
    });

    it("is not reached when the prop is missing", () => {
      expect(classifyHit(hit("File Download"), caseStudy).goal).toBe("file_download");
    });
  });

  describe("a goal with a fixed value", () => {
    const quote = site({
      goals: [{ name: "Quote request", class: "macro", match: { event: "quote_request" }, value: { amount: 250, currency: "EUR" } }],
    });

    it("credits the fixed value when the hit carries no revenue", () => {
      expect(classifyHit(hit("quote_request"), quote)).toEqual({
        kind: "event",
        class: "macro",
        goal: "Quote request",
        revenue: { amount: 250, currency: "EUR" },
      });
    });

    it("credits the hit's own revenue over the fixed value", () => {
      expect(classifyHit(hit("quote_request", { revenue: { amount: 1200, currency: "USD" } }), quote).revenue).toEqual({
        amount: 1200,
        currency: "USD",
      });
    });
  });

  describe("several matching goals", () => {
    const gold = { name: "Gold purchase", class: "macro", match: { event: "purchase", props: { tier: "gold" } } };
    const any = { name: "Any purchase", class: "macro", match: { event: "purchase" } };

    it("uses the first goal in config order", () => {
      expect(classifyHit(hit("purchase", { props: { tier: "gold" } }), site({ goals: [gold, any] })).goal).toBe("Gold purchase");
      expect(classifyHit(hit("purchase", { props: { tier: "gold" } }), site({ goals: [any, gold] })).goal).toBe("Any purchase");
    });

    it("falls through to a later goal when an earlier one does not match", () => {
      expect(classifyHit(hit("purchase", { props: { tier: "silver" } }), site({ goals: [gold, any] })).goal).toBe("Any purchase");
    });
  });

  describe("useDefaultTaxonomy: false", () => {
    const bare = site({
      useDefaultTaxonomy: false,
      goals: [{ name: "Demo booked", class: "macro", match: { event: "demo_booked" } }],
    });

    it("leaves built-in names unclassified", () => {
      expect(classifyHit(hit("add_to_cart"), bare)).toEqual({ kind: "event", class: "unclassified", goal: "", revenue: null });
      expect(classifyHit(hit("purchase"), bare)).toEqual({ kind: "event", class: "unclassified", goal: "", revenue: null });
    });

    it("still applies the configured goals", () => {
      expect(classifyHit(hit("Demo Booked"), bare).goal).toBe("Demo booked");
    });

    it("still counts an unknown event with revenue as a macro conversion named after it", () => {
      const revenue = { amount: 30, currency: "EUR" };
      expect(classifyHit(hit("purchase", { revenue }), bare)).toEqual({ kind: "event", class: "macro", goal: "purchase", revenue });
    });

    it("still classifies pageviews as pageviews", () => {
      expect(classifyHit(hit("pageview"), bare).class).toBe("pageview");
    });
  });
});
