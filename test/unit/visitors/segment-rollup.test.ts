import { describe, expect, it } from "vitest";
import { rollUpVisitorDays, type SegmentCount } from "../../../src/domain/visitors/segment-rollup";
import type { VisitorDay } from "../../../src/domain/visitors/visit-tracker";
import { attribution } from "../../support/request-context";

const dims = attribution({ source: "google.com", channel: "organic_search", campaign: "(none)", country: "FI", device: "mobile" });
const visitor = (fields: Partial<VisitorDay>): VisitorDay => ({
  vid: "v",
  day: 1,
  lastSeen: 0,
  lastHour: 0,
  attribution: dims,
  variant: "(none)",
  pages: [],
  goals: [],
  microGoals: [],
  convertedMacro: false,
  convertedMicro: false,
  funnels: {},
  visitStart: 0,
  visitPageviews: 0,
  visitBounced: false,
  entryPage: "",
  exitPage: "",
  visitsByEntry: {},
  exits: {},
  propTallies: {},
  ...fields,
});
const key = (count: SegmentCount) => `${count.kind} ${count.key} ${count.step} ${count.filter}=${count.value}: ${count.visitors}`;

describe("rollUpVisitorDays", () => {
  it("counts each visitor-day once per page and goal membership, per funnel step reached and for lift", () => {
    const buyer = visitor({
      pages: ["/", "/p"],
      goals: ["add_to_cart", "purchase"],
      microGoals: ["add_to_cart"],
      convertedMacro: true,
      funnels: { checkout: { current: 2, startedAt: 0, best: 2 } },
    });
    const browser = visitor({ pages: ["/"], funnels: { checkout: { current: 1, startedAt: 0, best: 1 } } });
    const counts = rollUpVisitorDays([buyer, browser]).map(key).sort();
    expect(counts).toEqual(
      [
        // Funnel steps inside goal memberships: only the buyer reached goals (steps 1 and 2).
        "funnel checkout 1 goal=add_to_cart: 1",
        "funnel checkout 2 goal=add_to_cart: 1",
        "funnel checkout 1 goal=purchase: 1",
        "funnel checkout 2 goal=purchase: 1",
        // Inside page memberships: / has both visitors (step 1: 2, step 2: the buyer); /p the buyer.
        "funnel checkout 1 page=/: 2",
        "funnel checkout 2 page=/: 1",
        "funnel checkout 1 page=/p: 1",
        "funnel checkout 2 page=/p: 1",
        "base  0 page=/: 2",
        "base  0 page=/p: 1",
        "base_macro  0 page=/: 1",
        "base_macro  0 page=/p: 1",
        "lift_completed add_to_cart 0 page=/: 1",
        "lift_completed add_to_cart 0 page=/p: 1",
        "lift_both add_to_cart 0 page=/: 1",
        "lift_both add_to_cart 0 page=/p: 1",
      ].sort(),
    );
  });

  it("keeps visitor-level dimensions apart", () => {
    const counts = rollUpVisitorDays([visitor({ pages: ["/"] }), visitor({ pages: ["/"], variant: "B" })]);
    expect(counts.filter((count) => count.kind === "base").map((count) => [count.variant, count.visitors])).toEqual([
      ["(none)", 1],
      ["B", 1],
    ]);
  });
});
