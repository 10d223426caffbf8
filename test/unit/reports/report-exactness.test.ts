import { describe, expect, it } from "vitest";
import {
  breakdownProblem,
  defaultBreakdowns,
  exactBreakdowns,
  filterProblem,
  siteDimensions,
} from "../../../src/domain/reports/report-exactness";

describe("which filter and figure pairs are exact", () => {
  it("answers a main filter, or one added filter alone or with a goal, on the report", () => {
    expect(filterProblem("report", { country: "DE", page: "/" }, "hour")).toBeNull();
    expect(filterProblem("report", { browser: "Chrome" }, "day")).toBeNull();
    expect(filterProblem("report", { "props.plan": "pro", goal: "purchase" }, "day")).toBeNull();
  });

  it("refuses an added filter with another dimension's filter, a second added one, hours, or exit pages", () => {
    expect(filterProblem("report", { browser: "Chrome", country: "DE" }, "day")?.field).toBe("country");
    expect(filterProblem("report", { browser: "Chrome", os: "Windows" }, "day")?.field).toBe("os");
    expect(filterProblem("report", { city: "Vilnius" }, "hour")?.field).toBe("interval");
    expect(filterProblem("report", { exit_page: "/" }, "day")?.field).toBe("exit_page");
  });

  it("refuses an added filter on funnels, channels, variants and lift, which count per main dimension", () => {
    for (const endpoint of ["funnels", "channels", "variants", "lift"] as const) {
      expect(filterProblem(endpoint, { region: "LT-VL" }, "day")?.message).toMatch(/not per region/);
      expect(filterProblem(endpoint, { country: "LT" }, "day")).toBeNull();
    }
  });

  it("keeps only the breakdowns exact under the filters", () => {
    const all = siteDimensions(["plan"]);
    expect(all).toContain("props.plan");
    expect(exactBreakdowns(all, {})).toEqual(all);
    expect(exactBreakdowns(all, { browser: "Chrome" })).toEqual(["browser"]);
    // A main filter keeps the main breakdowns; an added breakdown crosses only with a goal.
    expect(exactBreakdowns(all, { country: "DE" })).toEqual(["page", "source", "channel", "campaign", "country", "device"]);
    expect(exactBreakdowns(all, { goal: "purchase" })).toEqual(all.filter((dimension) => dimension !== "exit_page"));
    expect(breakdownProblem("exit_page", { goal: "purchase" })?.field).toBe("breakdowns");
  });

  it("carries the main breakdowns by default, or inside an added filter its own", () => {
    expect(defaultBreakdowns({})).toEqual(["page", "source", "channel", "campaign", "country", "device"]);
    expect(defaultBreakdowns({ "props.plan": "pro", goal: "purchase" })).toEqual(["props.plan"]);
  });
});
