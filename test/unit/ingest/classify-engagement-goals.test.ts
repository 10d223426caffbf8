import { describe, expect, it } from "vitest";
import { type ClassifierInput, classifyHit } from "../../../src/domain/ingest/classify";
import type { Money } from "../../../src/domain/ingest/money";
import { type CompiledSite, compileSite } from "../../../src/domain/site/site";
import { siteSchema } from "../../../src/schemas/site-config-schema";

/** A site as configured in stepwise.config.json, defaults filled in by the schema. */
const site = (goals: readonly Record<string, unknown>[]): CompiledSite => compileSite(siteSchema.parse({ id: "blog.example", goals }));

function hit(
  name: string,
  options: { path?: string; scrollDepth?: number; engagedMs?: number; props?: Record<string, string>; revenue?: Money } = {},
): ClassifierInput {
  return {
    name,
    path: options.path ?? "/",
    props: options.props ?? {},
    revenue: options.revenue ?? null,
    scrollDepth: options.scrollDepth ?? 0,
    engagedMs: options.engagedMs ?? 0,
  };
}

const engagement = (scrollDepth: number, engagedMs: number, path = "/") => hit("engagement", { scrollDepth, engagedMs, path });

const NOT_REACHED = { kind: "engagement", class: "unclassified", goal: "", revenue: null };

const DEEP_SCROLL = { name: "Read deeply", class: "micro", stage: "secondary", match: { scroll: 75 } };
const STAYED = { name: "Stayed a while", class: "micro", stage: "secondary", match: { engaged_seconds: 30 } };
const READ_GUIDE = {
  name: "Read a guide",
  class: "micro",
  stage: "secondary",
  match: { path: "/guides/**", scroll: 50, engaged_seconds: 60 },
};

describe("classifyHit: a scroll threshold goal", () => {
  const blog = site([DEEP_SCROLL]);

  it("is reached by an engagement event scrolled exactly to the threshold", () => {
    expect(classifyHit(engagement(75, 0), blog)).toEqual({
      kind: "engagement",
      class: "micro_secondary",
      goal: "Read deeply",
      revenue: null,
    });
  });

  it("is reached by an engagement event scrolled past the threshold", () => {
    expect(classifyHit(engagement(100, 0), blog).goal).toBe("Read deeply");
  });

  it("is not reached one percent short of the threshold", () => {
    expect(classifyHit(engagement(74, 600_000), blog)).toEqual(NOT_REACHED);
  });
});

describe("classifyHit: an engaged time threshold goal", () => {
  const blog = site([STAYED]);

  it("is reached at exactly the threshold's seconds of engaged time", () => {
    expect(classifyHit(engagement(0, 30_000), blog)).toEqual({
      kind: "engagement",
      class: "micro_secondary",
      goal: "Stayed a while",
      revenue: null,
    });
  });

  it("is not reached one millisecond short", () => {
    expect(classifyHit(engagement(100, 29_999), blog)).toEqual(NOT_REACHED);
  });
});

describe("classifyHit: a goal with both thresholds and a path", () => {
  const blog = site([READ_GUIDE]);

  it("is reached when every threshold is met on a matching page", () => {
    expect(classifyHit(engagement(50, 60_000, "/guides/micro-conversions"), blog).goal).toBe("Read a guide");
    expect(classifyHit(engagement(90, 120_000, "/guides"), blog).goal).toBe("Read a guide");
  });

  it("is not reached when only the scroll threshold is met", () => {
    expect(classifyHit(engagement(100, 59_999, "/guides/micro-conversions"), blog)).toEqual(NOT_REACHED);
  });

  it("is not reached when only the time threshold is met", () => {
    expect(classifyHit(engagement(49, 600_000, "/guides/micro-conversions"), blog)).toEqual(NOT_REACHED);
  });

  it("is not reached on a page outside the path", () => {
    expect(classifyHit(engagement(100, 600_000, "/blog/micro-conversions"), blog)).toEqual(NOT_REACHED);
  });
});

describe("classifyHit: engagement thresholds and other hits", () => {
  const blog = site([DEEP_SCROLL, STAYED, { name: "Pricing page", class: "micro", stage: "milestone", match: { path: "/pricing" } }]);

  it("never lets a pageview reach a threshold goal, whatever it reports", () => {
    expect(classifyHit(hit("pageview", { path: "/guides/a", scrollDepth: 100, engagedMs: 600_000 }), blog)).toEqual({
      kind: "pageview",
      class: "pageview",
      goal: "",
      revenue: null,
    });
    expect(classifyHit(hit("pageview", { path: "/guides/a", scrollDepth: 100, engagedMs: 600_000 }), site([READ_GUIDE])).class).toBe(
      "pageview",
    );
  });

  it("never lets a custom event reach a threshold goal", () => {
    expect(classifyHit(hit("scrolled", { scrollDepth: 100, engagedMs: 600_000 }), blog)).toEqual({
      kind: "event",
      class: "unclassified",
      goal: "",
      revenue: null,
    });
  });

  it("still lets a pageview reach a path goal on a page a threshold goal covers", () => {
    const pricing = site([
      { name: "Read pricing", class: "micro", stage: "secondary", match: { path: "/pricing", scroll: 75 } },
      { name: "Pricing page", class: "micro", stage: "milestone", match: { path: "/pricing" } },
    ]);
    expect(classifyHit(hit("pageview", { path: "/pricing" }), pricing).goal).toBe("Pricing page");
    expect(classifyHit(engagement(80, 0, "/pricing"), pricing).goal).toBe("Read pricing");
  });

  it("does not let an engagement event reach a path goal", () => {
    expect(
      classifyHit(
        engagement(100, 600_000, "/pricing"),
        site([{ name: "Pricing page", class: "micro", stage: "milestone", match: { path: "/pricing" } }]),
      ),
    ).toEqual(NOT_REACHED);
  });

  it("keeps an engagement event that meets no threshold as engagement, unclassified, without revenue", () => {
    const input = { ...engagement(10, 1_000), revenue: { amount: 5, currency: "EUR" } };
    expect(classifyHit(input, blog)).toEqual(NOT_REACHED);
  });

  it("reaches the first threshold goal in config order when several are met", () => {
    expect(classifyHit(engagement(100, 600_000), blog).goal).toBe("Read deeply");
    expect(classifyHit(engagement(100, 600_000), site([STAYED, DEEP_SCROLL])).goal).toBe("Stayed a while");
    // Only the second one met: it is reached.
    expect(classifyHit(engagement(10, 600_000), blog).goal).toBe("Stayed a while");
  });
});
