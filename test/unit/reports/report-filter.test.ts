import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { convertingColumnFor, type ReportFilters, visitorsColumnFor } from "../../../src/domain/reports/report-filter";

describe("visitorsColumnFor", () => {
  it("counts every visitor of the segment without filters", () => {
    expect(visitorsColumnFor({})).toBe("visitors");
  });

  it("counts every visitor of the segment for filters that describe the whole visitor-day", () => {
    expect(visitorsColumnFor({ channel: "organic_search" })).toBe("visitors");
    expect(visitorsColumnFor({ source: "google.com", country: "LT", device: "mobile" })).toBe("visitors");
    expect(visitorsColumnFor({ channel: "social", source: "linkedin.com", country: "PL", device: "desktop" }, "channel")).toBe("visitors");
  });

  it("counts the goal's visitors inside a goal filter, whatever else is filtered", () => {
    expect(visitorsColumnFor({ goal: "purchase" })).toBe("goal_visitors");
    expect(visitorsColumnFor({ goal: "purchase", page: "/checkout", variant: "B", channel: "direct" })).toBe("goal_visitors");
    expect(visitorsColumnFor({ goal: "purchase" }, "page")).toBe("goal_visitors");
    expect(visitorsColumnFor({ goal: "purchase" }, "variant")).toBe("goal_visitors");
  });

  it("counts the page's visitors inside a page filter or a page breakdown, before a variant", () => {
    expect(visitorsColumnFor({ page: "/pricing" })).toBe("page_visitors");
    expect(visitorsColumnFor({ page: "/pricing", variant: "B" })).toBe("page_visitors");
    expect(visitorsColumnFor({}, "page")).toBe("page_visitors");
    expect(visitorsColumnFor({ variant: "B" }, "page")).toBe("page_visitors");
    expect(visitorsColumnFor({ page: "/pricing" }, "variant")).toBe("page_visitors");
  });

  it("counts the variant's visitors inside a variant filter or a variant breakdown", () => {
    expect(visitorsColumnFor({ variant: "B" })).toBe("variant_visitors");
    expect(visitorsColumnFor({ variant: "B", channel: "email" })).toBe("variant_visitors");
    expect(visitorsColumnFor({}, "variant")).toBe("variant_visitors");
    expect(visitorsColumnFor({ country: "FI" }, "variant")).toBe("variant_visitors");
  });

  it("follows goal > page > variant > visitors for any combination of filters and breakdowns", () => {
    const value = fc.option(fc.string({ maxLength: 5 }), { nil: undefined });
    const filters = fc.record({ page: value, channel: value, source: value, country: value, device: value, variant: value, goal: value });
    const breakdown = fc.option(fc.constantFrom("page", "variant", "channel", "source", "campaign", "country", "device"), {
      nil: undefined,
    });
    fc.assert(
      fc.property(filters, breakdown, (raw, by) => {
        const chosen: ReportFilters = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
        const expected =
          chosen.goal !== undefined
            ? "goal_visitors"
            : chosen.page !== undefined || by === "page"
              ? "page_visitors"
              : chosen.variant !== undefined || by === "variant"
                ? "variant_visitors"
                : "visitors";
        expect(visitorsColumnFor(chosen, by)).toBe(expected);
      }),
    );
  });
});

describe("convertingColumnFor", () => {
  it("counts a goal's own visitors as converting inside a goal filter", () => {
    expect(convertingColumnFor({ goal: "newsletter_signup" })).toBe("goal_visitors");
    expect(convertingColumnFor({ goal: "purchase", page: "/checkout" })).toBe("goal_visitors");
  });

  it("counts the first conversion of the class otherwise", () => {
    expect(convertingColumnFor({})).toBe("class_visitors");
    expect(convertingColumnFor({ page: "/pricing", variant: "B", channel: "direct" })).toBe("class_visitors");
  });
});
