import { describe, expect, it } from "vitest";
import { loadSiteDirectory, SiteConfigError } from "../../../src/config/site-directory";
import type { CompiledSite } from "../../../src/domain/site/site";
import { siteSchema } from "../../../src/schemas/site-config-schema";

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

const HOUR = 3_600_000;
const purchase = { name: "purchase", class: "macro", match: { event: "purchase" } };
const quote = { name: "Quote request", class: "macro", match: { event: "quote_request" } };

/** One site with these goals and funnels, as the config file has it. */
const config = (site: Record<string, unknown>) => ({ sites: [{ id: "shop.example", goals: [purchase, quote], ...site }] });

function loadSite(site: Record<string, unknown>): CompiledSite {
  const compiled = loadSiteDirectory(config(site)).get("shop.example");
  if (compiled === undefined) return expect.fail("shop.example is missing");
  return compiled;
}

const steps = (count: number) => Array.from({ length: count }, (_, i) => ({ name: `Step ${i + 1}`, path: `/step-${i + 1}` }));

describe("site config: funnels", () => {
  it("compiles a funnel's steps: goals as lists, paths as globs, window in milliseconds", () => {
    const site = loadSite({
      funnels: [
        {
          name: "Lead",
          window_hours: 2,
          steps: [
            { name: "Services", path: "/services/*" },
            { name: "Contact", goal: ["Quote request", "generate_lead"] },
            { name: "Bought", goal: "purchase" },
          ],
        },
      ],
    });
    const [funnel] = site.funnels;
    expect(funnel?.name).toBe("Lead");
    expect(funnel?.windowMs).toBe(2 * HOUR);
    expect(funnel?.steps.map((step) => [step.name, step.goals])).toEqual([
      ["Services", null],
      ["Contact", ["Quote request", "generate_lead"]],
      ["Bought", ["purchase"]],
    ]);
    expect(funnel?.steps[0]?.pathPattern?.test("/services/audit")).toBe(true);
    expect(funnel?.steps[0]?.pathPattern?.test("/services/audit/security")).toBe(false);
    expect(funnel?.steps[1]?.pathPattern).toBeNull();
  });

  it("gives a funnel a 24 hour window by default", () => {
    expect(loadSite({ funnels: [{ name: "F", steps: steps(2) }] }).funnels[0]?.windowMs).toBe(24 * HOUR);
  });

  it("accepts a window of exactly 24 hours", () => {
    expect(loadSite({ funnels: [{ name: "F", window_hours: 24, steps: steps(2) }] }).funnels[0]?.windowMs).toBe(24 * HOUR);
  });

  it.each([25, 24.5, 48])("rejects a window of %f hours, longer than a visitor id lives", (hours) => {
    const message = configError(config({ funnels: [{ name: "Checkout", window_hours: hours, steps: steps(2) }] }));
    expect(message).toContain('funnels[0] "Checkout"');
    expect(message).toContain("window_hours");
  });

  it.each([0, -1])("rejects a window of %i hours", (hours) => {
    expect(configError(config({ funnels: [{ name: "Checkout", window_hours: hours, steps: steps(2) }] }))).toContain("window_hours");
  });

  it.each([2, 8])("accepts a funnel of %i steps", (count) => {
    expect(loadSite({ funnels: [{ name: "F", steps: steps(count) }] }).funnels[0]?.steps).toHaveLength(count);
  });

  it.each([0, 1, 9])("rejects a funnel of %i steps, naming the funnel", (count) => {
    const message = configError(config({ funnels: [{ name: "Checkout", steps: steps(count) }] }));
    expect(message).toContain('funnels[0] "Checkout"');
    expect(message).toContain("2 to 8 steps");
  });

  it("rejects a step with both a goal and a path, naming the step", () => {
    const message = configError(
      config({ funnels: [{ name: "Checkout", steps: [...steps(2), { name: "Paid", goal: "purchase", path: "/thank-you" }] }] }),
    );
    expect(message).toContain('funnels[0] "Checkout"');
    expect(message).toContain("steps[2]");
    expect(message).toContain("either a goal or a path");
  });

  it("rejects a step with neither a goal nor a path, naming the step", () => {
    const message = configError(config({ funnels: [{ name: "Checkout", steps: [{ name: "Start", path: "/" }, { name: "Paid" }] }] }));
    expect(message).toContain('funnels[0] "Checkout"');
    expect(message).toContain("steps[1]");
  });

  it("rejects a step with an empty list of goals", () => {
    expect(
      configError(
        config({
          funnels: [
            {
              name: "Checkout",
              steps: [
                { name: "Start", path: "/" },
                { name: "Paid", goal: [] },
              ],
            },
          ],
        }),
      ),
    ).toContain("steps[1]");
  });

  it("rejects a step naming an unknown goal, naming the funnel, the step and the goal", () => {
    const message = configError(
      config({
        funnels: [
          {
            name: "Checkout",
            steps: [
              { name: "Start", path: "/" },
              { name: "Bought", goal: "purchase" },
              { name: "Paid", goal: "payment_done" },
            ],
          },
        ],
      }),
    );
    expect(message).toContain('funnels[0] "Checkout"');
    expect(message).toContain("steps[2]");
    expect(message).toContain('"payment_done"');
    expect(message).not.toContain("steps[1]");
  });

  it("rejects an unknown goal within a step's list of goals", () => {
    const message = configError(
      config({
        funnels: [
          {
            name: "Lead",
            steps: [
              { name: "Start", path: "/" },
              { name: "Contact", goal: ["Quote request", "Callback"] },
            ],
          },
        ],
      }),
    );
    expect(message).toContain('funnels[0] "Lead"');
    expect(message).toContain("steps[1]");
    expect(message).toContain('"Callback"');
    expect(message.match(/unknown goal/g)).toHaveLength(1);
  });

  it("matches goal names exactly: another spelling of a configured goal is unknown", () => {
    const message = configError(
      config({
        funnels: [
          {
            name: "Lead",
            steps: [
              { name: "Start", path: "/" },
              { name: "Contact", goal: "quote request" },
            ],
          },
        ],
      }),
    );
    expect(message).toContain("steps[1]");
  });

  it("accepts a built-in goal name with the default taxonomy on", () => {
    const site = loadSite({
      funnels: [
        {
          name: "Checkout",
          steps: [
            { name: "Cart", goal: "add_to_cart" },
            { name: "Checkout", goal: "begin_checkout" },
          ],
        },
      ],
    });
    expect(site.funnels[0]?.steps.map((step) => step.goals)).toEqual([["add_to_cart"], ["begin_checkout"]]);
  });

  it("rejects a built-in goal name when the site turns the default taxonomy off", () => {
    const message = configError(
      config({
        useDefaultTaxonomy: false,
        funnels: [
          {
            name: "Checkout",
            steps: [
              { name: "Start", path: "/" },
              { name: "Cart", goal: "add_to_cart" },
            ],
          },
        ],
      }),
    );
    expect(message).toContain('funnels[0] "Checkout"');
    expect(message).toContain("steps[1]");
    expect(message).toContain('"add_to_cart"');
  });

  it("accepts configured goals when the default taxonomy is off", () => {
    const site = loadSite({
      useDefaultTaxonomy: false,
      funnels: [
        {
          name: "Lead",
          steps: [
            { name: "Quote", goal: "Quote request" },
            { name: "Bought", goal: "purchase" },
          ],
        },
      ],
    });
    expect(site.funnels).toHaveLength(1);
  });

  it("rejects a repeated funnel name, naming the second funnel", () => {
    const message = configError(
      config({
        funnels: [
          { name: "Checkout", steps: steps(2) },
          { name: "Lead", steps: steps(2) },
          { name: "Checkout", steps: steps(3) },
        ],
      }),
    );
    expect(message).toContain('funnels[2] "Checkout"');
    expect(message).toContain("duplicate");
    expect(message).not.toContain("funnels[0]");
  });

  it("allows two sites to use the same funnel name", () => {
    const directory = loadSiteDirectory({
      sites: [
        { id: "shop.example", funnels: [{ name: "Checkout", steps: steps(2) }] },
        { id: "other.example", funnels: [{ name: "Checkout", steps: steps(2) }] },
      ],
    });
    expect(directory.get("other.example")?.funnels[0]?.name).toBe("Checkout");
  });

  it("gives a site without funnels an empty list", () => {
    expect(loadSite({}).funnels).toEqual([]);
  });
});

describe("site config: engagement threshold goals", () => {
  const goal = (fields: Record<string, unknown>) => ({
    name: "Read deeply",
    class: "micro",
    stage: "secondary",
    match: { scroll: 75 },
    ...fields,
  });

  it("accepts micro secondary goals with a scroll and/or time threshold, optionally on a path", () => {
    const site = loadSite({
      goals: [
        goal({}),
        goal({ name: "Stayed", match: { engaged_seconds: 30 } }),
        goal({ name: "Read a guide", match: { path: "/guides/**", scroll: 50, engaged_seconds: 60 } }),
      ],
    });
    expect(site.goals.map((compiled) => compiled.definition.match)).toEqual([
      { scroll: 75 },
      { engaged_seconds: 30 },
      { path: "/guides/**", scroll: 50, engaged_seconds: 60 },
    ]);
  });

  it("rejects a macro threshold goal, naming the goal", () => {
    const message = configError(config({ goals: [{ name: "Read deeply", class: "macro", match: { scroll: 75 } }] }));
    expect(message).toContain('goals[0] "Read deeply"');
    expect(message).toContain('stage "secondary"');
  });

  it("rejects a milestone threshold goal, naming the goal", () => {
    const message = configError(config({ goals: [purchase, goal({ stage: "milestone", match: { engaged_seconds: 30 } })] }));
    expect(message).toContain('goals[1] "Read deeply"');
    expect(message).toContain('stage "secondary"');
  });

  it.each([
    { event: "scroll", scroll: 75 },
    { event: "read", engaged_seconds: 30 },
  ])("rejects a threshold goal that also names an event: %o", (match) => {
    const message = configError(config({ goals: [goal({ match })] }));
    expect(message).toContain('goals[0] "Read deeply"');
    expect(message).toContain("cannot also name an event");
  });
});

describe("site config: variantProp", () => {
  it('defaults to "variant"', () => {
    expect(loadSite({}).variantProp).toBe("variant");
    expect(siteSchema.parse({ id: "shop.example" }).variantProp).toBe("variant");
  });

  it("keeps a configured prop name", () => {
    expect(loadSite({ variantProp: "experiment" }).variantProp).toBe("experiment");
  });

  it("rejects an empty prop name", () => {
    expect(configError(config({ variantProp: "" }))).toContain("variantProp");
  });
});
