import { describe, expect, it } from "vitest";
import { loadSiteDirectory, SiteConfigError } from "../../../src/config/site-directory";
import { classifyHit } from "../../../src/domain/ingest/classify";
import shippedConfig from "../../../stepwise.config.json";
import fixtureConfig from "../../fixtures/stepwise.config.json";

/** The error message loadSiteDirectory throws for `raw`; fails the test when it does not throw a SiteConfigError. */
function configError(raw: unknown): string {
  try {
    loadSiteDirectory(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(SiteConfigError);
    return error instanceof Error ? error.message : String(error);
  }
  expect.fail("loadSiteDirectory accepted an invalid config");
}

const purchase = { name: "purchase", class: "macro", match: { event: "purchase" } };

/** The files as written, read without the code under test, so other sites can be added to them freely. */
type RawSites = ReadonlyArray<{
  id: string;
  hostnames?: readonly string[];
  honorPrivacySignals?: boolean;
  useDefaultTaxonomy?: boolean;
  goals?: readonly { name: string }[];
}>;

describe.each([
  ["the shipped stepwise.config.json", shippedConfig],
  ["the tests' fixture config", fixtureConfig],
])("loadSiteDirectory with %s", (_name, rawConfig: { sites: RawSites }) => {
  const rawSites = rawConfig.sites;

  it("accepts the file", () => {
    expect(() => loadSiteDirectory(rawConfig)).not.toThrow();
  });

  const directory = loadSiteDirectory(rawConfig);

  it("lists the file's sites in file order", () => {
    expect(directory.siteIds).toEqual(rawSites.map((site) => site.id));
    expect(directory.siteIds).toContain("shop.example");
  });

  it("compiles every configured goal of every site, in file order", () => {
    for (const raw of rawSites) {
      const names = directory.get(raw.id)?.goals.map((goal) => goal.definition.name);
      expect(names, raw.id).toEqual((raw.goals ?? []).map((goal) => goal.name));
    }
  });

  it("keeps configured hostnames and leaves the other sites to the default", () => {
    for (const raw of rawSites) {
      expect(directory.get(raw.id)?.hostnames, raw.id).toEqual(raw.hostnames?.map((host) => host.toLowerCase()) ?? null);
    }
  });

  it("honours privacy signals and uses the built-in taxonomy unless a site says otherwise", () => {
    for (const raw of rawSites) {
      const site = directory.get(raw.id);
      expect(site?.honorPrivacySignals, raw.id).toBe(raw.honorPrivacySignals ?? true);
      expect(site?.useDefaultTaxonomy, raw.id).toBe(raw.useDefaultTaxonomy ?? true);
      expect(site?.configured, raw.id).toBe(true);
    }
  });

  it("returns undefined for a site that is not configured", () => {
    expect(directory.get("unknown.example")).toBeUndefined();
  });
});

describe("loadSiteDirectory compiles goals that classify hits", () => {
  const directory = loadSiteDirectory({
    sites: [
      {
        id: "consulting.example",
        goals: [
          { name: "Quote request", class: "macro", match: { event: "quote_request" }, value: { amount: 250, currency: "EUR" } },
          {
            name: "Case study download",
            class: "micro",
            stage: "secondary",
            match: { event: "File Download", props: { type: "case-study" } },
          },
          { name: "Services page", class: "micro", stage: "milestone", match: { path: "/services/**" } },
        ],
      },
    ],
  });
  const consulting = directory.get("consulting.example");

  it("matches event, props, value and path glob goals", () => {
    if (consulting === undefined) return expect.fail("consulting.example is missing");
    expect(
      classifyHit(
        { name: "File Download", path: "/resources", props: { type: "case-study" }, revenue: null, scrollDepth: 0, engagedMs: 0 },
        consulting,
      ),
    ).toEqual({
      kind: "event",
      class: "micro_secondary",
      goal: "Case study download",
      revenue: null,
    });
    expect(
      classifyHit({ name: "quote_request", path: "/contact", props: {}, revenue: null, scrollDepth: 0, engagedMs: 0 }, consulting).revenue,
    ).toEqual({
      amount: 250,
      currency: "EUR",
    });
    expect(
      classifyHit(
        { name: "pageview", path: "/services/audit/security", props: {}, revenue: null, scrollDepth: 0, engagedMs: 0 },
        consulting,
      ).goal,
    ).toBe("Services page");
  });
});

describe("loadSiteDirectory with an invalid config", () => {
  it("names the site, the goal and the field of a micro goal without a stage", () => {
    const message = configError({
      sites: [{ id: "shop.example", goals: [purchase, { name: "Add to cart", class: "micro", match: { event: "add_to_cart" } }] }],
    });
    expect(message).toContain('sites[0] "shop.example"');
    expect(message).toContain('goals[1] "Add to cart"');
    expect(message).toContain("stage");
  });

  it("names the goal of a macro goal that has a stage", () => {
    const message = configError({
      sites: [{ id: "shop.example", goals: [{ ...purchase, stage: "milestone" }] }],
    });
    expect(message).toContain('goals[0] "purchase"');
    expect(message).toContain("stage");
  });

  it("names the second site when a site id is repeated", () => {
    const message = configError({ sites: [{ id: "shop.example" }, { id: "blog.example" }, { id: "shop.example" }] });
    expect(message).toContain('sites[2] "shop.example"');
    expect(message).toContain("duplicate");
    expect(message).not.toContain("sites[0]");
    expect(message).not.toContain("sites[1]");
  });

  it("names the goal when a goal name is repeated within a site", () => {
    const message = configError({ sites: [{ id: "shop.example", goals: [purchase, { ...purchase, match: { event: "order" } }] }] });
    expect(message).toContain('goals[1] "purchase"');
    expect(message).toContain("duplicate");
  });

  it("names the goal whose match has neither an event nor a path", () => {
    const message = configError({
      sites: [{ id: "shop.example", goals: [purchase, { name: "Gold tier", class: "macro", match: { props: { tier: "gold" } } }] }],
    });
    expect(message).toContain('sites[0] "shop.example"');
    expect(message).toContain('goals[1] "Gold tier"');
    expect(message).toContain("match");
  });

  it("names the goal and field of a value with a bad currency", () => {
    const message = configError({
      sites: [
        {
          id: "consulting.example",
          goals: [{ name: "Lead", class: "macro", match: { event: "lead" }, value: { amount: 50, currency: "eur" } }],
        },
      ],
    });
    expect(message).toContain('sites[0] "consulting.example"');
    expect(message).toContain('goals[0] "Lead"');
    expect(message).toContain("currency");
  });

  it("names the site of an id that is not a lower-case domain", () => {
    const message = configError({ sites: [{ id: "shop.example" }, { id: "Shop Example" }] });
    expect(message).toContain("sites[1]");
    expect(message).toContain("id");
  });

  it("names a goal path that does not start with /", () => {
    const message = configError({
      sites: [{ id: "shop.example", goals: [{ name: "Thanks", class: "macro", match: { path: "thank-you" } }] }],
    });
    expect(message).toContain('goals[0] "Thanks"');
    expect(message).toContain("path");
  });

  it("rejects an unknown key in a goal, naming the goal", () => {
    const message = configError({ sites: [{ id: "shop.example", goals: [{ ...purchase, revenue: 10 }] }] });
    expect(message).toContain('goals[0] "purchase"');
  });

  it("rejects a config without a sites list", () => {
    expect(configError({})).toContain("sites");
    configError(null);
    configError([]);
  });

  it("lists every bad entry, one per line", () => {
    const message = configError({
      sites: [
        { id: "shop.example", goals: [{ name: "Add to cart", class: "micro", match: { event: "add_to_cart" } }] },
        { id: "shop.example" },
      ],
    });
    expect(message).toContain('goals[0] "Add to cart"');
    expect(message).toContain('sites[1] "shop.example"');
    expect(message.split("\n").length).toBeGreaterThanOrEqual(3);
  });
});
