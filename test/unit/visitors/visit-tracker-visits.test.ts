import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Classification } from "../../../src/domain/ingest/classify";
import type { FunnelMatch } from "../../../src/domain/visitors/funnel";
import {
  type Attribution,
  advanceVisitor,
  type Increments,
  NO_INCREMENTS,
  resolveVisitor,
  type TrackedHit,
  type VisitorDay,
} from "../../../src/domain/visitors/visit-tracker";
import { attribution } from "../../support/request-context";

const MINUTE = 60_000;
const at = (hour: number, minute = 0, second = 0) => Date.UTC(2026, 0, 10, hour, minute, second);
const yesterdayAt = (hour: number, minute = 0, second = 0) => Date.UTC(2026, 0, 9, hour, minute, second);
// 2026-01-10 is day 20_463 since the epoch.
const DAY = 20_463;

const FROM_SEARCH: Attribution = attribution({
  source: "google.com",
  channel: "organic_search",
  campaign: "(none)",
  country: "LT",
  device: "desktop",
});

const PAGEVIEW: Classification = { kind: "pageview", class: "pageview", goal: "", revenue: null };
const ENGAGEMENT: Classification = { kind: "engagement", class: "unclassified", goal: "", revenue: null };
const UNCLASSIFIED: Classification = { kind: "event", class: "unclassified", goal: "", revenue: null };
const PURCHASE: Classification = { kind: "event", class: "macro", goal: "purchase", revenue: { amount: 40, currency: "EUR" } };
const LEAD: Classification = { kind: "event", class: "macro", goal: "generate_lead", revenue: null };
const ADD_TO_CART: Classification = { kind: "event", class: "micro_milestone", goal: "add_to_cart", revenue: null };
const SIGN_UP: Classification = { kind: "event", class: "micro_milestone", goal: "sign_up", revenue: null };
const NEWSLETTER: Classification = { kind: "event", class: "micro_secondary", goal: "newsletter_signup", revenue: null };
const DEEP_SCROLL: Classification = { kind: "engagement", class: "micro_secondary", goal: "Read deeply", revenue: null };

function hit(
  timestamp: number,
  page: string,
  classification: Classification = PAGEVIEW,
  options: { variant?: string; funnels?: FunnelMatch[] } = {},
): TrackedHit {
  return {
    timestamp,
    name: classification.kind === "event" ? classification.goal || "event" : classification.kind,
    // A UTC site: its local hours are UTC hours.
    localHour: Math.floor(timestamp / 3_600_000),
    page,
    classification,
    attribution: FROM_SEARCH,
    variant: options.variant ?? "(none)",
    funnels: options.funnels ?? [],
    props: [],
  };
}

type Result = ReturnType<typeof advanceVisitor>;

/** Plays hits in order for one visitor; returns each hit's result and the final row. */
function play(
  prior: VisitorDay | null,
  hits: readonly TrackedHit[],
): { results: Result[]; increments: Increments[]; row: VisitorDay | null } {
  let row = prior;
  const results: Result[] = [];
  for (const next of hits) {
    const result = advanceVisitor(row, "visitor-today", next);
    results.push(result);
    row = result.next ?? row;
  }
  return { results, increments: results.map((result) => result.increments), row };
}

type VisitFigures = Pick<Increments, "visits" | "bounces" | "visitDurationMs">;
const visitFigures = ({ visits, bounces, visitDurationMs }: Increments): VisitFigures => ({ visits, bounces, visitDurationMs });
const figures = (visits: number, bounces: number, visitDurationMs: number): VisitFigures => ({ visits, bounces, visitDurationMs });

function yesterdayRow(lastSeen: number, fields: Partial<VisitorDay> = {}): VisitorDay {
  return {
    vid: "visitor-yesterday",
    day: DAY - 1,
    lastSeen,
    lastHour: DAY * 24 - 1,
    attribution: FROM_SEARCH,
    variant: "A",
    pages: ["/"],
    goals: ["add_to_cart"],
    microGoals: ["add_to_cart"],
    convertedMacro: false,
    convertedMicro: true,
    funnels: {},
    visitStart: lastSeen - 10 * MINUTE,
    visitPageviews: 2,
    visitBounced: false,
    entryPage: "",
    exitPage: "",
    visitsByEntry: {},
    exits: {},
    propTallies: {},
    ...fields,
  };
}

/** The row to continue from at `timestamp`, as the store picks it with resolveVisitor. */
function continuing(yesterday: VisitorDay, timestamp: number): VisitorDay {
  const { prior, continuesFromYesterday } = resolveVisitor(null, yesterday, timestamp);
  expect(continuesFromYesterday).toBe(true);
  if (prior === null) return expect.fail("yesterday's visit should continue");
  return prior;
}

describe("advanceVisitor: variants", () => {
  it("counts a variant visitor at the first hit carrying a variant and files that hit under it", () => {
    const { results } = play(null, [
      hit(at(9, 0), "/"),
      hit(at(9, 1), "/pricing", PAGEVIEW, { variant: "B" }),
      hit(at(9, 2), "/pricing", PAGEVIEW, { variant: "B" }),
    ]);
    expect(results.map((result) => [result.increments.variantVisitors, result.variant])).toEqual([
      [0, "(none)"],
      [1, "B"],
      [0, "B"],
    ]);
  });

  it("keeps the day's first variant when a later hit carries another", () => {
    const { results, row } = play(null, [hit(at(9, 0), "/", PAGEVIEW, { variant: "A" }), hit(at(9, 5), "/", PAGEVIEW, { variant: "B" })]);
    expect(results[1]?.increments.variantVisitors).toBe(0);
    expect(results[1]?.variant).toBe("A");
    expect(row?.variant).toBe("A");
  });

  it("files a later conversion without a variant under the day's variant", () => {
    const { results } = play(null, [hit(at(9, 0), "/", PAGEVIEW, { variant: "B" }), hit(at(9, 5), "/checkout", PURCHASE)]);
    expect(results[1]?.variant).toBe("B");
    expect(results[1]?.increments.variantVisitors).toBe(0);
  });

  it("counts a variant shown with the day's first hit", () => {
    const result = advanceVisitor(null, "visitor-today", hit(at(9, 0), "/", PAGEVIEW, { variant: "A" }));
    expect(result.increments.variantVisitors).toBe(1);
    expect(result.variant).toBe("A");
  });

  it("counts the variant visitor again on a new day", () => {
    const { results } = play(null, [
      hit(yesterdayAt(9, 0), "/", PAGEVIEW, { variant: "A" }),
      hit(at(9, 0), "/", PAGEVIEW, { variant: "A" }),
    ]);
    expect(results.map((result) => result.increments.variantVisitors)).toEqual([1, 1]);
  });

  it("counts the variant on the new day of a visit continuing over midnight", () => {
    const result = advanceVisitor(
      continuing(yesterdayRow(yesterdayAt(23, 55)), at(0, 5)),
      "visitor-today",
      hit(at(0, 5), "/", PAGEVIEW, { variant: "A" }),
    );
    expect(result.increments.variantVisitors).toBe(1);
    expect(result.variant).toBe("A");
  });
});

describe("advanceVisitor: visits and bounces", () => {
  it("starts a visit with the day's first hit, a bounce while it is one pageview", () => {
    expect(visitFigures(advanceVisitor(null, "visitor-today", hit(at(9, 0), "/")).increments)).toEqual(figures(1, 1, 0));
  });

  it("starts a visit that is no bounce when its first hit is a custom event", () => {
    expect(visitFigures(advanceVisitor(null, "visitor-today", hit(at(9, 0), "/", UNCLASSIFIED)).increments)).toEqual(figures(1, 0, 0));
  });

  it("takes the bounce back once at the visit's second pageview, and adds the time between hits", () => {
    const { increments } = play(null, [hit(at(9, 0), "/"), hit(at(9, 5), "/pricing"), hit(at(9, 7), "/about"), hit(at(9, 20), "/")]);
    expect(increments.map(visitFigures)).toEqual([
      figures(1, 1, 0),
      figures(0, -1, 5 * MINUTE),
      figures(0, 0, 2 * MINUTE),
      figures(0, 0, 13 * MINUTE),
    ]);
  });

  it("counts a second pageview of the same page as ending the bounce", () => {
    const { increments } = play(null, [hit(at(9, 0), "/"), hit(at(9, 1), "/")]);
    expect(increments.map(visitFigures)).toEqual([figures(1, 1, 0), figures(0, -1, MINUTE)]);
  });

  it.each([
    ["an unclassified event", UNCLASSIFIED],
    ["a micro conversion", ADD_TO_CART],
    ["a macro conversion", PURCHASE],
  ])("takes the bounce back once at %s in the visit", (_, event) => {
    const { increments } = play(null, [
      hit(at(9, 0), "/"),
      hit(at(9, 1), "/", event),
      hit(at(9, 2), "/", event),
      hit(at(9, 3), "/pricing"),
    ]);
    expect(increments.map((increment) => increment.bounces)).toEqual([1, -1, 0, 0]);
  });

  it("never counts a visit that starts with an event as a bounce", () => {
    const { increments } = play(null, [hit(at(9, 0), "/", UNCLASSIFIED), hit(at(9, 1), "/")]);
    expect(increments.map(visitFigures)).toEqual([figures(1, 0, 0), figures(0, 0, MINUTE)]);
  });

  it("does not take the bounce back for an engagement hit, and adds its time to the visit", () => {
    const { increments } = play(null, [hit(at(9, 0), "/"), hit(at(9, 10), "/", ENGAGEMENT), hit(at(9, 15), "/pricing")]);
    expect(increments.map((increment) => [increment.visits, increment.bounces])).toEqual([
      [1, 1],
      [0, 0],
      [0, -1],
    ]);
    // The visit runs from 9:00 to 9:15.
    expect(increments.reduce((total, increment) => total + increment.visitDurationMs, 0)).toBe(15 * MINUTE);
  });

  it("does not take the bounce back for an engagement hit that reaches a threshold goal", () => {
    const { increments } = play(null, [hit(at(9, 0), "/"), hit(at(9, 2), "/", DEEP_SCROLL)]);
    expect(visitFigures(increments[1] ?? NO_INCREMENTS)).toEqual(figures(0, 0, 2 * MINUTE));
  });

  it("starts a new visit after 30 minutes without a hit, and keeps a visit going under 30 minutes", () => {
    const { increments } = play(null, [
      hit(at(9, 0), "/"),
      hit(at(9, 29, 59), "/pricing"),
      // 30 min 1 s after the last hit
      hit(at(10, 0), "/"),
      hit(at(11, 0), "/", UNCLASSIFIED),
    ]);
    expect(increments.map(visitFigures)).toEqual([
      figures(1, 1, 0),
      figures(0, -1, 29 * MINUTE + 59_000),
      figures(1, 1, 0),
      // A new visit starting with an event: no bounce.
      figures(1, 0, 0),
    ]);
  });

  it("does not start a visit with an engagement hit after 30 minutes, nor add that gap to the old visit", () => {
    const { increments } = play(null, [hit(at(9, 0), "/"), hit(at(10, 0), "/", ENGAGEMENT)]);
    expect(visitFigures(increments[1] ?? NO_INCREMENTS)).toEqual(figures(0, 0, 0));
  });

  it("counts no visit for an engagement hit that would start the day", () => {
    const result = advanceVisitor(null, "visitor-today", hit(at(9, 0), "/", ENGAGEMENT));
    expect(visitFigures(result.increments)).toEqual(figures(0, 0, 0));
  });

  it("counts a visit continuing over midnight as a new visit of the new day", () => {
    // Yesterday's visit had two pageviews: no bounce. Today's part starts with a pageview.
    const prior = continuing(yesterdayRow(yesterdayAt(23, 55)), at(0, 5));
    const { increments } = play(prior, [hit(at(0, 5), "/pricing"), hit(at(0, 10), "/about")]);
    expect(increments.map((increment) => [increment.visits, increment.bounces])).toEqual([
      [1, 1],
      [0, -1],
    ]);
    expect(increments[1]?.visitDurationMs).toBe(5 * MINUTE);
  });

  it("counts a visit continuing over midnight with an event as a new visit that is no bounce", () => {
    const prior = continuing(yesterdayRow(yesterdayAt(23, 55)), at(0, 5));
    const { visits, bounces } = advanceVisitor(prior, "visitor-today", hit(at(0, 5), "/", UNCLASSIFIED)).increments;
    expect([visits, bounces]).toEqual([1, 0]);
  });

  it("counts visits, bounces and duration of any day of pageviews and events as a visit-by-visit count would", () => {
    // Gaps in seconds; 30 minutes exactly is left out, where "after 30 minutes" could be read either way.
    const gap = fc.integer({ min: 0, max: 3_600 }).filter((seconds) => seconds !== 1_800);
    const dayOfHits = fc.array(fc.tuple(gap, fc.boolean()), { minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(dayOfHits, (hits) => {
        let timestamp = at(1, 0);
        const tracked = hits.map(([seconds, isPageview], index) => {
          if (index > 0) timestamp += seconds * 1_000;
          return hit(timestamp, `/page-${index % 3}`, isPageview ? PAGEVIEW : UNCLASSIFIED);
        });
        // The model: split where 30 minutes or more passed; a bounce is a visit of one pageview and no event.
        const visits: TrackedHit[][] = [];
        for (const next of tracked) {
          const current = visits[visits.length - 1];
          const last = current?.[current.length - 1];
          if (current === undefined || last === undefined || next.timestamp - last.timestamp > 30 * MINUTE) visits.push([next]);
          else current.push(next);
        }
        const bounces = visits.filter((visit) => visit.length === 1 && visit[0]?.classification.kind === "pageview").length;
        const duration = visits.reduce(
          (total, visit) => total + ((visit[visit.length - 1]?.timestamp ?? 0) - (visit[0]?.timestamp ?? 0)),
          0,
        );

        const { increments } = play(null, tracked);
        const sum = (pick: (increment: Increments) => number) => increments.reduce((total, increment) => total + pick(increment), 0);
        expect(sum((increment) => increment.visits)).toBe(visits.length);
        expect(sum((increment) => increment.bounces)).toBe(bounces);
        expect(sum((increment) => increment.visitDurationMs)).toBe(duration);
        // The running bounce count never goes below zero.
        let running = 0;
        for (const increment of increments) {
          running += increment.bounces;
          expect(running).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });
});

describe("advanceVisitor: micro-to-macro lift", () => {
  it("lists at the day's first macro conversion every micro goal reached before it", () => {
    const { increments } = play(null, [
      hit(at(9, 0), "/"),
      hit(at(9, 1), "/", ADD_TO_CART),
      hit(at(9, 2), "/", NEWSLETTER),
      hit(at(9, 3), "/", PURCHASE),
    ]);
    expect(increments.slice(0, 3).map((increment) => increment.liftGoals)).toEqual([[], [], []]);
    expect([...(increments[3]?.liftGoals ?? [])].sort()).toEqual(["add_to_cart", "newsletter_signup"]);
  });

  it("lists a micro goal reached several times before the macro conversion once", () => {
    const { increments } = play(null, [hit(at(9, 1), "/", ADD_TO_CART), hit(at(9, 2), "/", ADD_TO_CART), hit(at(9, 3), "/", PURCHASE)]);
    expect(increments[2]?.liftGoals).toEqual(["add_to_cart"]);
  });

  it("lists a micro goal first reached after the day's macro conversion when it is reached", () => {
    const { increments } = play(null, [hit(at(9, 0), "/", ADD_TO_CART), hit(at(9, 1), "/", PURCHASE), hit(at(9, 2), "/", SIGN_UP)]);
    expect(increments.map((increment) => increment.liftGoals)).toEqual([[], ["add_to_cart"], ["sign_up"]]);
  });

  it("lists each goal at most once a day, whatever follows", () => {
    const { increments } = play(null, [
      hit(at(9, 0), "/", ADD_TO_CART),
      hit(at(9, 1), "/", PURCHASE),
      hit(at(9, 2), "/", ADD_TO_CART),
      hit(at(9, 3), "/", PURCHASE),
      hit(at(9, 4), "/", LEAD),
      hit(at(9, 5), "/", SIGN_UP),
      hit(at(9, 6), "/", SIGN_UP),
    ]);
    expect(increments.map((increment) => increment.liftGoals)).toEqual([[], ["add_to_cart"], [], [], [], ["sign_up"], []]);
  });

  it("lists nothing for a macro conversion without micro goals, and never lists macro goals", () => {
    const { increments } = play(null, [hit(at(9, 0), "/", PURCHASE), hit(at(9, 1), "/", LEAD)]);
    expect(increments.map((increment) => increment.liftGoals)).toEqual([[], []]);
  });

  it("lists nothing on a day without a macro conversion", () => {
    const { increments } = play(null, [hit(at(9, 0), "/", ADD_TO_CART), hit(at(9, 1), "/", NEWSLETTER), hit(at(9, 2), "/", SIGN_UP)]);
    expect(increments.flatMap((increment) => increment.liftGoals)).toEqual([]);
  });

  it("lists a micro goal reached by an engagement threshold", () => {
    const { increments } = play(null, [hit(at(9, 0), "/"), hit(at(9, 1), "/", DEEP_SCROLL), hit(at(9, 2), "/", PURCHASE)]);
    expect(increments[2]?.liftGoals).toEqual(["Read deeply"]);
  });

  it("does not pair yesterday's micro goals with today's macro conversion on a visit over midnight", () => {
    const prior = continuing(yesterdayRow(yesterdayAt(23, 55), { microGoals: ["add_to_cart"], goals: ["add_to_cart"] }), at(0, 5));
    const { increments } = play(prior, [hit(at(0, 5), "/checkout", PURCHASE), hit(at(0, 6), "/", ADD_TO_CART)]);
    expect(increments.map((increment) => increment.liftGoals)).toEqual([[], ["add_to_cart"]]);
  });

  it("lists exactly the day's micro goals, each once, when the day has a macro conversion", () => {
    const classification = fc.constantFrom(PAGEVIEW, UNCLASSIFIED, PURCHASE, LEAD, ADD_TO_CART, SIGN_UP, NEWSLETTER, DEEP_SCROLL);
    fc.assert(
      fc.property(fc.array(classification, { minLength: 1, maxLength: 15 }), (classifications) => {
        // A pageview first, so that engagement hits never start the day.
        const hits = [hit(at(8, 0), "/"), ...classifications.map((c, i) => hit(at(9, i), "/", c))];
        const listed = play(null, hits).increments.flatMap((increment) => increment.liftGoals);
        const microGoals = new Set(
          classifications.filter((c) => c.class === "micro_milestone" || c.class === "micro_secondary").map((c) => c.goal),
        );
        const converted = classifications.some((c) => c.class === "macro");
        expect(listed.length).toBe(new Set(listed).size);
        expect(new Set(listed)).toEqual(converted ? microGoals : new Set());
      }),
    );
  });
});

const HOUR = 60 * MINUTE;
const checkout = (steps: number[]): FunnelMatch => ({ funnel: "Checkout", windowMs: HOUR, stepCount: 3, steps });
const lead = (steps: number[]): FunnelMatch => ({ funnel: "Lead", windowMs: 24 * HOUR, stepCount: 2, steps });

describe("advanceVisitor: funnel steps", () => {
  it("reports the funnel steps a hit reaches for the first time today", () => {
    const { increments } = play(null, [
      hit(at(9, 0), "/products/a", PAGEVIEW, { funnels: [checkout([0])] }),
      hit(at(9, 1), "/products/a", ADD_TO_CART, { funnels: [checkout([1])] }),
      hit(at(9, 2), "/products/a", ADD_TO_CART, { funnels: [checkout([1])] }),
      hit(at(9, 3), "/checkout", PURCHASE, { funnels: [checkout([2]), lead([1])] }),
    ]);
    expect(increments.map((increment) => increment.funnelSteps)).toEqual([
      [{ funnel: "Checkout", step: 1 }],
      [{ funnel: "Checkout", step: 2 }],
      [],
      // Lead's second step without its first: nothing for Lead.
      [{ funnel: "Checkout", step: 3 }],
    ]);
  });

  it("reports steps of several funnels reached by one hit", () => {
    const result = advanceVisitor(null, "visitor-today", hit(at(9, 0), "/pricing", PAGEVIEW, { funnels: [checkout([0]), lead([0])] }));
    expect(result.increments.funnelSteps).toEqual([
      { funnel: "Checkout", step: 1 },
      { funnel: "Lead", step: 1 },
    ]);
  });

  it("keeps each funnel's progress in the visitor's row", () => {
    const { row } = play(null, [
      hit(at(9, 0), "/", PAGEVIEW, { funnels: [checkout([0])] }),
      hit(at(9, 1), "/", ADD_TO_CART, { funnels: [checkout([1])] }),
    ]);
    expect(row?.funnels).toEqual({ Checkout: { current: 2, startedAt: at(9, 0), best: 2 } });
  });

  it("reports no funnel steps for a hit without funnel matches", () => {
    expect(advanceVisitor(null, "visitor-today", hit(at(9, 0), "/")).increments.funnelSteps).toEqual([]);
  });

  it("reports nothing for an engagement hit that would start the day", () => {
    expect(
      advanceVisitor(null, "visitor-today", hit(at(9, 0), "/", DEEP_SCROLL, { funnels: [checkout([0])] })).increments.funnelSteps,
    ).toEqual([]);
  });

  it("counts the steps again on a new day", () => {
    const { increments } = play(null, [
      hit(yesterdayAt(9, 0), "/", PAGEVIEW, { funnels: [checkout([0])] }),
      hit(at(9, 0), "/", PAGEVIEW, { funnels: [checkout([0])] }),
    ]);
    expect(increments.map((increment) => increment.funnelSteps)).toEqual([
      [{ funnel: "Checkout", step: 1 }],
      [{ funnel: "Checkout", step: 1 }],
    ]);
  });

  it("keeps the new day's step counts from growing along the funnel when an attempt continues over midnight", () => {
    // Yesterday: steps 1 and 2 at 23:40 and 23:50, within the one-hour window. Today 00:05: step 3.
    const yesterday = yesterdayRow(yesterdayAt(23, 50), { funnels: { Checkout: { current: 2, startedAt: yesterdayAt(23, 40), best: 2 } } });
    const { increments } = play(continuing(yesterday, at(0, 5)), [hit(at(0, 5), "/checkout", PURCHASE, { funnels: [checkout([2])] })]);
    // Each day's funnel counts can only fall from one step to the next (domain/funnel.ts): whatever
    // today counts for this visitor must be steps 1..k, never step 3 without steps 1 and 2.
    const steps = increments.flatMap((increment) => increment.funnelSteps.map((reached) => reached.step)).sort();
    expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1));
  });
});

describe("advanceVisitor: a visit running over midnight and its variant", () => {
  it("keeps the variant the visit was shown and counts it as today's exposure once", () => {
    const prior = continuing(yesterdayRow(yesterdayAt(23, 55)), at(0, 5));
    const { increments, row } = play(prior, [hit(at(0, 5), "/cart"), hit(at(0, 6), "/checkout", PAGEVIEW, { variant: "B" })]);
    expect(increments.map((increment) => increment.variantVisitors)).toEqual([1, 0]);
    expect(row?.variant).toBe("A");
  });
});
