import { describe, expect, it } from "vitest";
import type { Dimension } from "../../../src/domain/reports/dimensions";
import { type BucketRow, buildReport, type ConfiguredGoal, type ReportRange, type ReportRows } from "../../../src/domain/reports/report";

// Day and hour numbers counted by hand: 2026-01-01 is day 20_454, its first hour 490_896.
const JAN_1 = 20_454;
const JAN_3 = 20_456;
const hourOn = (day: number, hourOfDay: number) => day * 24 + hourOfDay;
const KEY_SEPARATOR = "\u001f";

const DAYS: ReportRange = { fromDay: JAN_1, toDay: JAN_3, interval: "day" };

function bucket(hour: number, figures: Omit<BucketRow, "hour">): BucketRow {
  return { hour, ...figures };
}

const emptyBreakdown = () => ({ rows: [], revenue: [], engagement: [] });

function rows(overrides: Partial<ReportRows> = {}, breakdowns: Partial<ReportRows["breakdowns"]> = {}): ReportRows {
  const all: ReportRows["breakdowns"] = {
    page: emptyBreakdown(),
    source: emptyBreakdown(),
    channel: emptyBreakdown(),
    campaign: emptyBreakdown(),
    country: emptyBreakdown(),
    device: emptyBreakdown(),
    ...breakdowns,
  };
  return {
    buckets: [],
    classes: [],
    goals: [],
    goalRevenue: [],
    dropped: [],
    engagement: { visits: 0, bounces: 0, visitDurationMs: 0, pageviews: 0 },
    otherHits: { page: 0, source: 0, campaign: 0, name: 0, goal: 0, variant: 0 },
    ...overrides,
    breakdowns: all,
  };
}

/** Three days: two hours on 1 January, nothing on 2 January, one hour on 3 January. 10 visitors in all. */
const BUCKETS: BucketRow[] = [
  bucket(hourOn(JAN_1, 9), { visitors: 3, hourVisitors: 3, pageviews: 10, events: 4, micro: 2, macro: 1 }),
  bucket(hourOn(JAN_1, 15), { visitors: 2, hourVisitors: 4, pageviews: 6, events: 1, micro: 1, macro: 0 }),
  bucket(hourOn(JAN_3, 0), { visitors: 5, hourVisitors: 5, pageviews: 7, events: 2, micro: 0, macro: 1 }),
];

const SHOP_ROWS = rows({
  buckets: BUCKETS,
  classes: [
    { class: "macro", hits: 2, classVisitors: 2 },
    { class: "micro_milestone", hits: 2, classVisitors: 2 },
    { class: "micro_secondary", hits: 1, classVisitors: 1 },
    { class: "pageview", hits: 23, classVisitors: 0 },
    { class: "unclassified", hits: 4, classVisitors: 0 },
  ],
  goals: [
    { goal: "purchase", class: "macro", hits: 2, goalVisitors: 2 },
    { goal: "add_to_cart", class: "micro_milestone", hits: 2, goalVisitors: 2 },
    { goal: "newsletter_signup", class: "micro_secondary", hits: 1, goalVisitors: 1 },
  ],
  goalRevenue: [
    { key: `macro${KEY_SEPARATOR}purchase`, currency: "EUR", minor: 6_000 },
    { key: `macro${KEY_SEPARATOR}purchase`, currency: "EUR", minor: 3_950 },
    { key: `macro${KEY_SEPARATOR}purchase`, currency: "USD", minor: 2_000 },
    // Money on a micro goal is the goal's, not macro revenue.
    { key: `micro_milestone${KEY_SEPARATOR}add_to_cart`, currency: "EUR", minor: 500 },
  ],
  dropped: [
    { reason: "bot", hits: 7 },
    { reason: "do_not_track", hits: 2 },
  ],
});

const CONFIGURED: ConfiguredGoal[] = [
  { name: "purchase", class: "macro" },
  { name: "Quote request", class: "macro" },
  { name: "add_to_cart", class: "micro", stage: "milestone" },
  { name: "video_complete", class: "micro", stage: "secondary" },
];

const report = buildReport("shop.example", DAYS, SHOP_ROWS, CONFIGURED);
const goalNamed = (name: string) => report.goals.find((goal) => goal.name === name);

describe("buildReport: totals and conversions", () => {
  it("names the site and the range as dates", () => {
    expect(report.site).toBe("shop.example");
    expect(report.range).toEqual({ from: "2026-01-01", to: "2026-01-03", interval: "day", timezone: "UTC" });
  });

  it("sums visitors, pageviews and events over all buckets", () => {
    expect(report.totals).toEqual({ visitors: 10, pageviews: 23, events: 7 });
  });

  it("gives macro conversions with conversion_rate = converting visitors / visitors and revenue per currency", () => {
    expect(report.conversions.macro).toEqual({ count: 2, visitors: 2, conversion_rate: 0.2, revenue: { EUR: 99.5, USD: 20 } });
  });

  it("adds milestone and secondary micro conversions together", () => {
    expect(report.conversions.micro).toEqual({ count: 3, visitors: 3, conversion_rate: 0.3 });
  });

  it("gives a conversion rate of 0, not NaN, when there were no visitors", () => {
    const empty = buildReport("shop.example", DAYS, rows(), CONFIGURED);
    expect(empty.totals).toEqual({ visitors: 0, pageviews: 0, events: 0 });
    expect(empty.conversions.macro).toEqual({ count: 0, visitors: 0, conversion_rate: 0, revenue: {} });
    expect(empty.conversions.micro).toEqual({ count: 0, visitors: 0, conversion_rate: 0 });
  });

  it("counts every drop reason, zero for the ones that did not happen", () => {
    expect(report.dropped).toEqual({ bot: 7, hostname_mismatch: 0, do_not_track: 2, global_privacy_control: 0, rate_limited: 0 });
  });
});

describe("buildReport: goals", () => {
  it("reports a goal's count, converting visitors, rate and revenue per currency", () => {
    expect(goalNamed("purchase")).toEqual({
      name: "purchase",
      class: "macro",
      count: 2,
      visitors: 2,
      conversion_rate: 0.2,
      revenue: { EUR: 99.5, USD: 20 },
    });
  });

  it("reports a micro goal with its stage", () => {
    expect(goalNamed("add_to_cart")).toEqual({
      name: "add_to_cart",
      class: "micro",
      stage: "milestone",
      count: 2,
      visitors: 2,
      conversion_rate: 0.2,
      revenue: { EUR: 5 },
    });
    expect(goalNamed("newsletter_signup")).toEqual({
      name: "newsletter_signup",
      class: "micro",
      stage: "secondary",
      count: 1,
      visitors: 1,
      conversion_rate: 0.1,
      revenue: {},
    });
  });

  it("lists configured goals that had no conversions at zero", () => {
    expect(goalNamed("Quote request")).toEqual({
      name: "Quote request",
      class: "macro",
      count: 0,
      visitors: 0,
      conversion_rate: 0,
      revenue: {},
    });
    expect(goalNamed("video_complete")).toEqual({
      name: "video_complete",
      class: "micro",
      stage: "secondary",
      count: 0,
      visitors: 0,
      conversion_rate: 0,
      revenue: {},
    });
  });

  it("lists a configured goal once, merged with its counts", () => {
    expect(report.goals.filter((goal) => goal.name === "purchase")).toHaveLength(1);
    expect(report.goals.map((goal) => goal.name).sort()).toEqual(
      ["Quote request", "add_to_cart", "newsletter_signup", "purchase", "video_complete"].sort(),
    );
  });

  it("lists configured goals at zero, with rate 0, when there were no visitors at all", () => {
    const empty = buildReport("shop.example", DAYS, rows(), CONFIGURED);
    expect(empty.goals).toHaveLength(4);
    for (const goal of empty.goals) {
      expect(goal, goal.name).toMatchObject({ count: 0, visitors: 0, conversion_rate: 0, revenue: {} });
    }
  });

  it("does not list pageviews or unclassified events as goals", () => {
    const withOddRows = rows({
      buckets: BUCKETS,
      goals: [
        { goal: "", class: "pageview", hits: 23, goalVisitors: 10 },
        { goal: "", class: "unclassified", hits: 4, goalVisitors: 3 },
      ],
    });
    expect(buildReport("shop.example", DAYS, withOddRows, []).goals).toEqual([]);
  });

  it("lists macro goals before micro goals", () => {
    const classes = report.goals.map((goal) => goal.class);
    expect(classes.lastIndexOf("macro")).toBeLessThan(classes.indexOf("micro"));
  });
});

describe("buildReport: timeseries", () => {
  it("gives one point per day, zero-filled, summing the hours of each day", () => {
    expect(report.timeseries).toEqual([
      { t: "2026-01-01", visitors: 5, pageviews: 16, micro: 3, macro: 1 },
      { t: "2026-01-02", visitors: 0, pageviews: 0, micro: 0, macro: 0 },
      { t: "2026-01-03", visitors: 5, pageviews: 7, micro: 0, macro: 1 },
    ]);
  });

  it("gives zero-filled points for a range with no data", () => {
    expect(buildReport("shop.example", DAYS, rows(), []).timeseries).toEqual([
      { t: "2026-01-01", visitors: 0, pageviews: 0, micro: 0, macro: 0 },
      { t: "2026-01-02", visitors: 0, pageviews: 0, micro: 0, macro: 0 },
      { t: "2026-01-03", visitors: 0, pageviews: 0, micro: 0, macro: 0 },
    ]);
  });

  it("gives 24 points a day by hour, counting hourly unique visitors", () => {
    const hours = buildReport(
      "shop.example",
      { fromDay: JAN_1, toDay: JAN_1, interval: "hour" },
      rows({ buckets: BUCKETS.slice(0, 2) }),
      [],
    );
    expect(hours.range).toEqual({ from: "2026-01-01", to: "2026-01-01", interval: "hour", timezone: "UTC" });
    expect(hours.timeseries).toHaveLength(24);
    expect(hours.timeseries[0]).toEqual({ t: "2026-01-01T00:00:00+00:00", visitors: 0, pageviews: 0, micro: 0, macro: 0 });
    expect(hours.timeseries[9]).toEqual({ t: "2026-01-01T09:00:00+00:00", visitors: 3, pageviews: 10, micro: 2, macro: 1 });
    expect(hours.timeseries[15]).toEqual({ t: "2026-01-01T15:00:00+00:00", visitors: 4, pageviews: 6, micro: 1, macro: 0 });
    expect(hours.timeseries[23]).toEqual({ t: "2026-01-01T23:00:00+00:00", visitors: 0, pageviews: 0, micro: 0, macro: 0 });
  });

  it("keeps daily unique visitors in the totals when the timeseries is by hour", () => {
    const hours = buildReport(
      "shop.example",
      { fromDay: JAN_1, toDay: JAN_1, interval: "hour" },
      rows({ buckets: BUCKETS.slice(0, 2) }),
      [],
    );
    expect(hours.totals.visitors).toBe(5);
  });

  it("runs hourly points across days in order", () => {
    const twoDays = buildReport("shop.example", { fromDay: JAN_1, toDay: JAN_1 + 1, interval: "hour" }, rows(), []);
    expect(twoDays.timeseries).toHaveLength(48);
    expect(twoDays.timeseries[24]?.t).toBe("2026-01-02T00:00:00+00:00");
    expect(twoDays.timeseries[47]?.t).toBe("2026-01-02T23:00:00+00:00");
  });
});

describe("buildReport: breakdowns", () => {
  const withSources = buildReport(
    "shop.example",
    DAYS,
    rows(
      { buckets: BUCKETS },
      {
        source: {
          rows: [
            { value: "google.com", visitors: 4, pageviews: 9, microHits: 2, microVisitors: 1, macroHits: 1, macroVisitors: 1 },
            { value: "(none)", visitors: 0, pageviews: 0, microHits: 0, microVisitors: 0, macroHits: 0, macroVisitors: 0 },
          ],
          revenue: [
            { key: "google.com", currency: "EUR", minor: 1_234 },
            { key: "google.com", currency: "EUR", minor: 66 },
          ],
          engagement: [],
        },
      },
    ),
    [],
  );

  it("gives each value its micro and macro rates over that value's visitors, with macro revenue", () => {
    expect(withSources.breakdowns.source?.[0]).toEqual({
      value: "google.com",
      visitors: 4,
      pageviews: 9,
      micro: { count: 2, visitors: 1, conversion_rate: 0.25 },
      macro: { count: 1, visitors: 1, conversion_rate: 0.25, revenue: { EUR: 13 } },
    });
  });

  it("gives a rate of 0 to a value with no visitors", () => {
    expect(withSources.breakdowns.source?.[1]).toEqual({
      value: "(none)",
      visitors: 0,
      pageviews: 0,
      micro: { count: 0, visitors: 0, conversion_rate: 0 },
      macro: { count: 0, visitors: 0, conversion_rate: 0, revenue: {} },
    });
  });

  it("reports every dimension, empty when it has no rows", () => {
    const dimensions: Dimension[] = ["page", "channel", "campaign", "country", "device"];
    for (const dimension of dimensions) expect(withSources.breakdowns[dimension], dimension).toEqual([]);
  });
});
