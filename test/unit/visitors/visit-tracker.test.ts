import { describe, expect, it } from "vitest";
import type { Classification } from "../../../src/domain/ingest/classify";
import {
  type Attribution,
  advanceVisitor,
  type Increments,
  resolveVisitor,
  type TrackedHit,
  type VisitorDay,
} from "../../../src/domain/visitors/visit-tracker";
import { attribution } from "../../support/request-context";

// 2026-01-10 is day 20_463 since the epoch (2026-01-01 is 20_454); its first hour is 20_463 * 24.
const DAY = 20_463;
const FIRST_HOUR = 491_112;
const at = (hour: number, minute = 0, second = 0) => Date.UTC(2026, 0, 10, hour, minute, second);
const yesterdayAt = (hour: number, minute = 0, second = 0) => Date.UTC(2026, 0, 9, hour, minute, second);

const FROM_SEARCH: Attribution = attribution({
  source: "google.com",
  channel: "organic_search",
  campaign: "(none)",
  country: "LT",
  device: "desktop",
});
const INTERNAL: Attribution = attribution({ source: "(none)", channel: "direct", campaign: "(none)", country: "LT", device: "desktop" });

const PAGEVIEW: Classification = { kind: "pageview", class: "pageview", goal: "", revenue: null };
/** A pageview's event key in a visitor-day's tallies: name, goal, class and currency, joined by U+001F. */
const PAGEVIEW_KEY = "pageview\u001f\u001fpageview\u001f";
const ENGAGEMENT: Classification = { kind: "engagement", class: "unclassified", goal: "", revenue: null };
const UNCLASSIFIED: Classification = { kind: "event", class: "unclassified", goal: "", revenue: null };
const PURCHASE: Classification = { kind: "event", class: "macro", goal: "purchase", revenue: { amount: 40, currency: "EUR" } };
const LEAD: Classification = { kind: "event", class: "macro", goal: "generate_lead", revenue: null };
const ADD_TO_CART: Classification = { kind: "event", class: "micro_milestone", goal: "add_to_cart", revenue: null };
const NEWSLETTER: Classification = { kind: "event", class: "micro_secondary", goal: "newsletter_signup", revenue: null };

/** The once-per-visitor-day counters these tests are about; visits, funnels and lift have their own tests. */
type UniqueIncrements = Pick<Increments, "visitors" | "hourVisitors" | "pageVisitors" | "goalVisitors" | "classVisitors">;
const ZERO: UniqueIncrements = { visitors: 0, hourVisitors: 0, pageVisitors: 0, goalVisitors: 0, classVisitors: 0 };
const only = (counters: Partial<UniqueIncrements>): UniqueIncrements => ({ ...ZERO, ...counters });
const uniques = ({ visitors, hourVisitors, pageVisitors, goalVisitors, classVisitors }: Increments): UniqueIncrements => ({
  visitors,
  hourVisitors,
  pageVisitors,
  goalVisitors,
  classVisitors,
});

function hit(
  timestamp: number,
  page: string,
  classification: Classification = PAGEVIEW,
  attribution: Attribution = FROM_SEARCH,
): TrackedHit {
  // A UTC site: its local hours are UTC hours.
  return {
    timestamp,
    name: classification.kind === "event" ? classification.goal || "event" : classification.kind,
    localHour: Math.floor(timestamp / 3_600_000),
    page,
    classification,
    attribution,
    variant: "(none)",
    funnels: [],
    props: [],
  };
}

/** Plays hits in order for one visitor and returns each hit's increments and the final row. */
function play(prior: VisitorDay | null, hits: readonly TrackedHit[]): { increments: UniqueIncrements[]; row: VisitorDay | null } {
  let row = prior;
  const increments: UniqueIncrements[] = [];
  for (const next of hits) {
    const result = advanceVisitor(row, "visitor-today", next);
    increments.push(uniques(result.increments));
    row = result.next ?? row;
  }
  return { increments, row };
}

function yesterdayRow(lastSeen: number): VisitorDay {
  return {
    vid: "visitor-yesterday",
    day: DAY - 1,
    lastSeen,
    lastHour: FIRST_HOUR - 1,
    attribution: FROM_SEARCH,
    pages: ["/", "/products/red-shoes"],
    goals: ["add_to_cart"],
    microGoals: ["add_to_cart"],
    convertedMacro: true,
    convertedMicro: true,
    variant: "(none)",
    funnels: {},
    visitStart: lastSeen,
    visitPageviews: 2,
    visitBounced: false,
    entryPage: "",
    exitPage: "",
    visitsByEntry: {},
    exits: {},
    propTallies: {},
  };
}

describe("advanceVisitor: visitors and hours", () => {
  it("counts the first hit of the day as a new visitor, hour visitor and page visitor", () => {
    const result = advanceVisitor(null, "visitor-today", hit(at(9, 5), "/"));
    expect(uniques(result.increments)).toEqual({ visitors: 1, hourVisitors: 1, pageVisitors: 1, goalVisitors: 0, classVisitors: 0 });
    expect(result.next).toEqual({
      vid: "visitor-today",
      day: DAY,
      lastSeen: at(9, 5),
      lastHour: FIRST_HOUR + 9,
      attribution: FROM_SEARCH,
      variant: "(none)",
      pages: ["/"],
      goals: [],
      microGoals: [],
      convertedMacro: false,
      convertedMicro: false,
      funnels: {},
      // A new visit that is, so far, one pageview: a bounce until something else happens.
      visitStart: at(9, 5),
      visitPageviews: 1,
      visitBounced: true,
      // The visit entered and (so far) ends on "/": one visit, a bounce, one pageview.
      entryPage: "/",
      exitPage: "/",
      visitsByEntry: { "/": { visits: 1, bounces: 1, durationMs: 0, events: { [PAGEVIEW_KEY]: [1, 0, 0, 0] } } },
      exits: { "/": 1 },
      propTallies: {},
    });
    expect(result.attribution).toEqual(FROM_SEARCH);
  });

  it("counts nothing new for the same page again in the same hour", () => {
    const { increments } = play(null, [hit(at(9, 5), "/"), hit(at(9, 40), "/")]);
    expect(increments[1]).toEqual(ZERO);
  });

  it("counts only a new hour visitor for the same page in a new hour", () => {
    const { increments } = play(null, [hit(at(9, 5), "/"), hit(at(10, 1), "/")]);
    expect(increments[1]).toEqual(only({ hourVisitors: 1 }));
  });

  it("counts a new hour visitor again when the visitor comes back hours later", () => {
    const { increments } = play(null, [hit(at(9, 5), "/"), hit(at(10, 1), "/"), hit(at(15, 30), "/")]);
    expect(increments[2]).toEqual(only({ hourVisitors: 1 }));
  });

  it("counts a new page once, however often it is viewed that day", () => {
    const { increments } = play(null, [hit(at(9, 5), "/"), hit(at(9, 6), "/pricing"), hit(at(9, 7), "/"), hit(at(11, 0), "/pricing")]);
    expect(increments[1]).toEqual(only({ pageVisitors: 1 }));
    expect(increments[2]).toEqual(ZERO);
    expect(increments[3]).toEqual(only({ hourVisitors: 1 }));
  });

  it("keeps the day's first attribution for later hits", () => {
    const { row } = play(null, [hit(at(9, 5), "/", PAGEVIEW, FROM_SEARCH), hit(at(9, 6), "/pricing", PAGEVIEW, INTERNAL)]);
    expect(row?.attribution).toEqual(FROM_SEARCH);
    expect(advanceVisitor(row, "visitor-today", hit(at(9, 7), "/about", PAGEVIEW, INTERNAL)).attribution).toEqual(FROM_SEARCH);
  });

  it("does not change the row it was given", () => {
    const first = advanceVisitor(null, "visitor-today", hit(at(9, 5), "/"));
    const before = structuredClone(first.next);
    advanceVisitor(first.next, "visitor-today", hit(at(10, 5), "/pricing", ADD_TO_CART));
    expect(first.next).toEqual(before);
  });
});

describe("advanceVisitor: goals and classes", () => {
  it("counts a goal visitor once, the first time the goal is reached", () => {
    const { increments } = play(null, [hit(at(9, 5), "/cart"), hit(at(9, 6), "/cart", ADD_TO_CART), hit(at(9, 7), "/cart", ADD_TO_CART)]);
    expect(increments[1]).toEqual(only({ goalVisitors: 1, classVisitors: 1 }));
    expect(increments[2]).toEqual(ZERO);
  });

  it("counts the first macro conversion once as a class visitor", () => {
    const { increments } = play(null, [
      hit(at(9, 5), "/checkout"),
      hit(at(9, 6), "/checkout", PURCHASE),
      hit(at(9, 7), "/checkout", PURCHASE),
      hit(at(9, 8), "/contact", LEAD),
    ]);
    expect(increments[1]).toEqual(only({ goalVisitors: 1, classVisitors: 1 }));
    expect(increments[2]).toEqual(ZERO);
    // A second macro goal is a new goal visitor but not a new macro visitor.
    expect(increments[3]).toEqual(only({ pageVisitors: 1, goalVisitors: 1 }));
  });

  it("counts the first micro conversion as a class visitor separately from the first macro", () => {
    const { increments, row } = play(null, [
      hit(at(9, 5), "/"),
      hit(at(9, 6), "/", PURCHASE),
      hit(at(9, 7), "/", NEWSLETTER),
      hit(at(9, 8), "/", ADD_TO_CART),
    ]);
    expect(increments[1]).toEqual(only({ goalVisitors: 1, classVisitors: 1 }));
    expect(increments[2]).toEqual(only({ goalVisitors: 1, classVisitors: 1 }));
    // Milestone and secondary are both micro: only the first micro counts.
    expect(increments[3]).toEqual(only({ goalVisitors: 1 }));
    expect(row?.convertedMacro).toBe(true);
    expect(row?.convertedMicro).toBe(true);
    expect(row?.goals).toEqual(["purchase", "newsletter_signup", "add_to_cart"]);
  });

  it("counts no goal or class for an unclassified event", () => {
    const { increments } = play(null, [hit(at(9, 5), "/"), hit(at(9, 6), "/", UNCLASSIFIED)]);
    expect(increments[1]).toEqual(ZERO);
  });

  it("counts a conversion that is the visitor's first hit of the day in every counter", () => {
    const result = advanceVisitor(null, "visitor-today", hit(at(9, 5), "/thank-you", PURCHASE));
    expect(uniques(result.increments)).toEqual({ visitors: 1, hourVisitors: 1, pageVisitors: 1, goalVisitors: 1, classVisitors: 1 });
  });
});

describe("advanceVisitor: engagement", () => {
  it("does not start a visitor-day with an engagement hit", () => {
    const result = advanceVisitor(null, "visitor-today", hit(at(9, 5), "/", ENGAGEMENT));
    expect(result.next).toBeNull();
    expect(uniques(result.increments)).toEqual(ZERO);
  });

  it("does not start today's visitor-day with an engagement hit from a tab left open since yesterday", () => {
    const result = advanceVisitor(yesterdayRow(yesterdayAt(23, 50)), "visitor-today", hit(at(0, 5), "/", ENGAGEMENT));
    expect(result.next).toBeNull();
    expect(uniques(result.increments)).toEqual(ZERO);
    expect(result.attribution).toEqual(FROM_SEARCH);
  });

  it("does not count an engagement hit as a page view of a new page", () => {
    const { increments, row } = play(null, [hit(at(9, 5), "/"), hit(at(9, 6), "/pricing", ENGAGEMENT)]);
    expect(increments[1]).toEqual(ZERO);
    expect(row?.pages).toEqual(["/"]);
  });

  it("keeps the visit alive: an engagement hit moves lastSeen forward", () => {
    const { row } = play(null, [hit(at(9, 5), "/"), hit(at(9, 20), "/", ENGAGEMENT)]);
    expect(row?.lastSeen).toBe(at(9, 20));
  });
});

describe("resolveVisitor", () => {
  it("uses today's row when there is one", () => {
    const today = advanceVisitor(null, "visitor-today", hit(at(0, 1), "/")).next;
    expect(resolveVisitor(today, yesterdayRow(yesterdayAt(23, 59)), at(0, 2))).toEqual({ prior: today, continuesFromYesterday: false });
  });

  it("starts a new visitor when there is no row", () => {
    expect(resolveVisitor(null, null, at(9, 0))).toEqual({ prior: null, continuesFromYesterday: false });
  });

  it("continues yesterday's visit when its last hit was less than 30 minutes ago", () => {
    const yesterday = yesterdayRow(yesterdayAt(23, 50));
    expect(resolveVisitor(null, yesterday, at(0, 5))).toEqual({ prior: yesterday, continuesFromYesterday: true });
    expect(resolveVisitor(null, yesterdayRow(yesterdayAt(23, 40)), at(0, 9, 59)).continuesFromYesterday).toBe(true);
  });

  it("does not continue yesterday's visit after 30 minutes without a hit", () => {
    expect(resolveVisitor(null, yesterdayRow(yesterdayAt(23, 30)), at(0, 5))).toEqual({ prior: null, continuesFromYesterday: false });
    expect(resolveVisitor(null, yesterdayRow(yesterdayAt(23, 40)), at(0, 10, 1)).continuesFromYesterday).toBe(false);
  });

  it("does not continue a visit from earlier yesterday", () => {
    expect(resolveVisitor(null, yesterdayRow(yesterdayAt(14, 0)), at(9, 0)).prior).toBeNull();
  });
});

describe("a visit across midnight", () => {
  it("keeps yesterday's attribution and counts as a new visitor for the new day", () => {
    const yesterday = yesterdayRow(yesterdayAt(23, 50));
    const { prior } = resolveVisitor(null, yesterday, at(0, 5));
    const result = advanceVisitor(prior, "visitor-today", hit(at(0, 5), "/products/red-shoes", PAGEVIEW, INTERNAL));
    expect(uniques(result.increments)).toEqual({ visitors: 1, hourVisitors: 1, pageVisitors: 1, goalVisitors: 0, classVisitors: 0 });
    expect(result.attribution).toEqual(FROM_SEARCH);
    expect(result.next).toEqual({
      vid: "visitor-today",
      day: DAY,
      lastSeen: at(0, 5),
      lastHour: FIRST_HOUR,
      attribution: FROM_SEARCH,
      variant: "(none)",
      pages: ["/products/red-shoes"],
      goals: [],
      microGoals: [],
      convertedMacro: false,
      convertedMicro: false,
      funnels: {},
      // Engagement figures count the day's part of the visit as a visit of its own.
      visitStart: at(0, 5),
      visitPageviews: 1,
      visitBounced: true,
      entryPage: "/products/red-shoes",
      exitPage: "/products/red-shoes",
      visitsByEntry: {
        "/products/red-shoes": { visits: 1, bounces: 1, durationMs: 0, events: { [PAGEVIEW_KEY]: [1, 0, 0, 0] } },
      },
      exits: { "/products/red-shoes": 1 },
      propTallies: {},
    });
  });

  it("counts yesterday's goals and conversions again on the new day", () => {
    const { prior } = resolveVisitor(null, yesterdayRow(yesterdayAt(23, 50)), at(0, 5));
    const result = advanceVisitor(prior, "visitor-today", hit(at(0, 5), "/cart", ADD_TO_CART, INTERNAL));
    expect(uniques(result.increments)).toEqual({ visitors: 1, hourVisitors: 1, pageVisitors: 1, goalVisitors: 1, classVisitors: 1 });
  });

  it("takes the new hit's attribution when yesterday's visit has timed out", () => {
    const { prior } = resolveVisitor(null, yesterdayRow(yesterdayAt(23, 0)), at(0, 5));
    const result = advanceVisitor(prior, "visitor-today", hit(at(0, 5), "/", PAGEVIEW, INTERNAL));
    expect(result.attribution).toEqual(INTERNAL);
    expect(result.increments.visitors).toBe(1);
  });
});

describe("engagement beacons and hourly visitors", () => {
  it("an engagement beacon in a new hour does not count the visitor as active in that hour", () => {
    const { increments } = play(null, [hit(at(9, 50), "/a"), hit(at(10, 5), "/a", ENGAGEMENT), hit(at(10, 20), "/b")]);
    expect(increments).toEqual([only({ visitors: 1, hourVisitors: 1, pageVisitors: 1 }), ZERO, only({ hourVisitors: 1, pageVisitors: 1 })]);
  });
});
