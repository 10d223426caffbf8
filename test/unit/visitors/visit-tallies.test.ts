import { describe, expect, it } from "vitest";
import type { Classification } from "../../../src/domain/ingest/classify";
import { emitContribution, keyOf, type Sums } from "../../../src/domain/visitors/dimension-contribution";
import { advanceVisitor, type TrackedHit, type VisitorDay } from "../../../src/domain/visitors/visit-tracker";
import { attribution } from "../../support/request-context";

// 2026-01-10, a UTC site: local hours are UTC hours.
const at = (hour: number, minute: number) => Date.UTC(2026, 0, 10, hour, minute);
const PAGEVIEW: Classification = { kind: "pageview", class: "pageview", goal: "", revenue: null };
const SIGNUP: Classification = { kind: "event", class: "micro_milestone", goal: "signup", revenue: null };
const PURCHASE: Classification = { kind: "event", class: "macro", goal: "purchase", revenue: { amount: 12.5, currency: "EUR" } };
const SOURCE = attribution(
  { source: "google.com", channel: "organic_search", campaign: "(none)", country: "LT", device: "desktop" },
  { browser: "Firefox", os: "Linux", region: "LT-VL", regionName: "Vilnius County", city: "Vilnius" },
);

function hit(timestamp: number, page: string, classification: Classification = PAGEVIEW, props: TrackedHit["props"] = []): TrackedHit {
  const name = classification.kind === "event" ? classification.goal : classification.kind;
  return {
    timestamp,
    name,
    localHour: Math.floor(timestamp / 3_600_000),
    page,
    classification,
    attribution: SOURCE,
    variant: "(none)",
    funnels: [],
    props,
  };
}

function play(hits: readonly TrackedHit[]): VisitorDay {
  let row: VisitorDay | null = null;
  for (const next of hits) row = advanceVisitor(row, "v", next).next ?? row;
  if (row === null) throw new Error("no visitor-day");
  return row;
}

/** The visitor-day's contribution as { "dimension value name": sums }. */
function contribution(day: VisitorDay): Record<string, Sums> {
  const rows: Record<string, Sums> = {};
  emitContribution(day, (id, sums) => {
    const key = keyOf(id);
    rows[`${key.dimension} ${key.value} ${key.name}`.trim()] = sums;
  });
  return rows;
}

describe("entry and exit pages", () => {
  it("files each visit under the page it entered on and moves its exit with each pageview", () => {
    // Visit 1: / then /pricing (exit moves to /pricing). Visit 2 (45 minutes later): /blog, a bounce.
    const day = play([hit(at(9, 0), "/"), hit(at(9, 1), "/pricing"), hit(at(9, 46), "/blog")]);
    expect(day.exits).toEqual({ "/pricing": 1, "/blog": 1 });
    expect(day.visitsByEntry["/"]).toMatchObject({ visits: 1, bounces: 0, durationMs: 60_000 });
    expect(day.visitsByEntry["/blog"]).toMatchObject({ visits: 1, bounces: 1, durationMs: 0 });
    expect(day.entryPage).toBe("/blog");
  });

  it("counts a visitor once per exit page however many of its visits end there", () => {
    const day = play([hit(at(9, 0), "/a"), hit(at(10, 0), "/a"), hit(at(11, 0), "/b"), hit(at(11, 1), "/a")]);
    // Three visits: /a, /a, and /b then /a: all three end on /a.
    expect(day.exits).toEqual({ "/a": 3 });
    const rows = contribution(day);
    // The exit row: one visitor, three visits.
    expect(rows["exit_page /a"]).toEqual([0, 1, 0, 0, 3, 0, 0, 0]);
    expect(rows["exit_page /b"]).toBeUndefined();
  });

  it("leaves the exit on the last pageview when the visit ends with an event", () => {
    const day = play([hit(at(9, 0), "/"), hit(at(9, 2), "/checkout", PURCHASE)]);
    expect(day.exits).toEqual({ "/": 1 });
  });
});

describe("the contribution of a visitor-day", () => {
  it("gives each visitor-level value one visitor row and one row per event, with goals, classes and revenue", () => {
    const day = play([
      hit(at(9, 0), "/", PAGEVIEW),
      hit(at(9, 1), "/signup", SIGNUP, [{ name: "plan", value: "pro" }]),
      hit(at(9, 3), "/checkout", PURCHASE, [{ name: "plan", value: "pro" }]),
    ]);
    const rows = contribution(day);
    // Sums: hits, visitors, goal visitors, class visitors, visits, bounces, duration ms, revenue (minor units).
    expect(rows["browser Firefox"]).toEqual([0, 1, 0, 0, 1, 0, 180_000, 0]);
    expect(rows["browser Firefox pageview"]).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect(rows["browser Firefox signup"]).toEqual([1, 0, 1, 1, 0, 0, 0, 0]);
    expect(rows["browser Firefox purchase"]).toEqual([1, 0, 1, 1, 0, 0, 0, 1_250]);
    expect(rows["region LT-VL purchase"]).toEqual([1, 0, 1, 1, 0, 0, 0, 1_250]);
    expect(rows["entry_page / purchase"]).toEqual([1, 0, 1, 1, 0, 0, 0, 1_250]);
    // Properties count the hits that carried them, and the visitor once, with no visits.
    expect(rows["props.plan pro"]).toEqual([0, 1, 0, 0, 0, 0, 0, 0]);
    expect(rows["props.plan pro signup"]).toEqual([1, 0, 1, 1, 0, 0, 0, 0]);
    expect(rows["props.plan pro pageview"]).toBeUndefined();
  });

  it("is nothing for a visitor-day of an older version, with no tallies", () => {
    const day = play([hit(at(9, 0), "/")]);
    expect(contribution({ ...day, visitsByEntry: {}, exits: {}, propTallies: {} })).toEqual({});
  });
});
