import { describe, expect, it } from "vitest";
import { customRangeProblem, intervalFor, presetRange, previousRange, todayIn } from "../../../src/dashboard/ranges";
import { differenceInterval, relativeChange } from "../../../src/dashboard/stats-math";
import { parseView, serializeView, withFilter } from "../../../src/dashboard/view-state";

describe("dashboard ranges", () => {
  it("takes today from the site's time zone, not the browser's", () => {
    // 2031-03-31 23:30 UTC is already April 1st in Vilnius and still March 31st in New York.
    const now = Date.UTC(2031, 2, 31, 23, 30);
    expect(todayIn("Europe/Vilnius", now)).toBe("2031-04-01");
    expect(todayIn("America/New_York", now)).toBe("2031-03-31");
    expect(todayIn("UTC", now)).toBe("2031-03-31");
  });

  it("covers each preset's days, both ends included", () => {
    const today = "2031-03-15";
    expect(presetRange("today", today)).toEqual({ from: "2031-03-15", to: "2031-03-15" });
    expect(presetRange("yesterday", today)).toEqual({ from: "2031-03-14", to: "2031-03-14" });
    expect(presetRange("7d", today)).toEqual({ from: "2031-03-09", to: "2031-03-15" });
    expect(presetRange("30d", today)).toEqual({ from: "2031-02-14", to: "2031-03-15" });
    expect(presetRange("month", today)).toEqual({ from: "2031-03-01", to: "2031-03-15" });
    expect(presetRange("last-month", today)).toEqual({ from: "2031-02-01", to: "2031-02-28" });
    expect(presetRange("last-month", "2031-01-10")).toEqual({ from: "2030-12-01", to: "2030-12-31" });
    expect(presetRange("12mo", today)).toEqual({ from: "2030-03-16", to: "2031-03-15" });
  });

  it("compares with the period of the same length just before", () => {
    expect(previousRange({ from: "2031-03-09", to: "2031-03-15" })).toEqual({ from: "2031-03-02", to: "2031-03-08" });
    expect(previousRange({ from: "2031-03-01", to: "2031-03-01" })).toEqual({ from: "2031-02-28", to: "2031-02-28" });
    expect(intervalFor({ from: "2031-03-15", to: "2031-03-15" })).toBe("hour");
    expect(intervalFor({ from: "2031-03-09", to: "2031-03-15" })).toBe("day");
  });

  it("refuses custom ranges the API would refuse", () => {
    expect(customRangeProblem("2031-03-01", "2031-03-31")).toBeNull();
    expect(customRangeProblem("2031-03-31", "2031-03-01")).toMatch(/after/);
    expect(customRangeProblem("2030-01-01", "2031-03-01")).toMatch(/366/);
    expect(customRangeProblem("2031-02-30", "2031-03-01")).toMatch(/both dates/);
  });
});

describe("dashboard view in the URL", () => {
  it("round-trips range and filters, and drops what it does not know", () => {
    const view = parseView("?range=custom&from=2031-03-01&to=2031-03-31&channel=email&page=%2Fpricing&token=secret&utm_x=1");
    expect(view).toEqual({
      preset: "custom",
      custom: { from: "2031-03-01", to: "2031-03-31" },
      filters: [
        ["channel", "email"],
        ["page", "/pricing"],
      ],
    });
    expect(serializeView(view)).toBe("?range=custom&from=2031-03-01&to=2031-03-31&channel=email&page=%2Fpricing");
    expect(serializeView(withFilter(withFilter(view, "channel", null), "page", null))).toBe("?range=custom&from=2031-03-01&to=2031-03-31");
    expect(parseView("?range=custom&from=2031-03-31&to=2031-03-01").preset).toBe("30d");
    expect(serializeView(parseView(""))).toBe("");
  });
});

describe("dashboard figures", () => {
  it("states a change, or none when there is nothing to compare with", () => {
    expect(relativeChange(150, 100)).toBe(0.5);
    expect(relativeChange(0, 0)).toBe(0);
    expect(relativeChange(5, 0)).toBeNull();
  });

  it("gives the 95 % interval of a difference of two rates (Wald)", () => {
    // 0.2 of 100 against 0.3 of 100: se = sqrt(0.0016 + 0.0021) = 0.060828; 1.96 se = 0.119223.
    const [low, high] = differenceInterval(0.2, 100, 0.3, 100) ?? [Number.NaN, Number.NaN];
    expect(low).toBeCloseTo(0.1 - 0.119223, 5);
    expect(high).toBeCloseTo(0.1 + 0.119223, 5);
    expect(differenceInterval(0.2, 0, 0.3, 100)).toBeNull();
  });
});
