import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { BreakdownRows, ConfiguredGoal, FunnelStepRow, GoalRow, VariantGoalRow } from "../../../src/domain/reports/report";
import {
  buildFunnelsReport,
  buildLiftReport,
  buildSegmentReport,
  buildVariantsReport,
  type LiftRow,
} from "../../../src/domain/reports/segment-reports";

const CHECKOUT = { name: "Checkout", steps: [{ name: "Product page" }, { name: "Cart" }, { name: "Checkout" }, { name: "Paid" }] };
const LEAD = { name: "Lead", steps: [{ name: "Pricing" }, { name: "Quote request" }] };

const stepRows = (funnel: string, visitors: readonly number[]): FunnelStepRow[] =>
  visitors.map((count, index) => ({ funnel, step: index + 1, visitors: count }));

describe("buildFunnelsReport", () => {
  it("reports visitors, dropoff and conversion per step", () => {
    const report = buildFunnelsReport([CHECKOUT], stepRows("Checkout", [200, 50, 40, 10]));
    expect(report).toEqual({
      funnels: [
        {
          name: "Checkout",
          steps: [
            // The first step: no dropoff, a step conversion of 1.
            { name: "Product page", visitors: 200, dropoff: 0, dropoff_rate: 0, conversion_rate: 1, step_conversion_rate: 1 },
            // 200 -> 50: 150 lost = 0.75 of 200; 50/200 = 0.25 from the first step and from the previous one.
            { name: "Cart", visitors: 50, dropoff: 150, dropoff_rate: 0.75, conversion_rate: 0.25, step_conversion_rate: 0.25 },
            // 50 -> 40: 10 lost = 0.2 of 50; 40/200 = 0.2 overall; 40/50 = 0.8 from the previous step.
            { name: "Checkout", visitors: 40, dropoff: 10, dropoff_rate: 0.2, conversion_rate: 0.2, step_conversion_rate: 0.8 },
            // 40 -> 10: 30 lost = 0.75 of 40; 10/200 = 0.05 overall; 10/40 = 0.25 from the previous step.
            { name: "Paid", visitors: 10, dropoff: 30, dropoff_rate: 0.75, conversion_rate: 0.05, step_conversion_rate: 0.25 },
          ],
        },
      ],
    });
  });

  it("counts a step with no row as 0 visitors", () => {
    // Rows for steps 1 and 2 only: 10 -> 4 -> (0) -> (0).
    const [funnel] = buildFunnelsReport([CHECKOUT], stepRows("Checkout", [10, 4])).funnels;
    expect(funnel?.steps).toEqual([
      { name: "Product page", visitors: 10, dropoff: 0, dropoff_rate: 0, conversion_rate: 1, step_conversion_rate: 1 },
      { name: "Cart", visitors: 4, dropoff: 6, dropoff_rate: 0.6, conversion_rate: 0.4, step_conversion_rate: 0.4 },
      { name: "Checkout", visitors: 0, dropoff: 4, dropoff_rate: 1, conversion_rate: 0, step_conversion_rate: 0 },
      // Nobody to lose: rates with a zero denominator are 0.
      { name: "Paid", visitors: 0, dropoff: 0, dropoff_rate: 0, conversion_rate: 0, step_conversion_rate: 0 },
    ]);
  });

  it("reports every step at zero, with a first-step conversion of 0, when nobody entered the funnel", () => {
    expect(buildFunnelsReport([LEAD], [])).toEqual({
      funnels: [
        {
          name: "Lead",
          steps: [
            { name: "Pricing", visitors: 0, dropoff: 0, dropoff_rate: 0, conversion_rate: 0, step_conversion_rate: 0 },
            { name: "Quote request", visitors: 0, dropoff: 0, dropoff_rate: 0, conversion_rate: 0, step_conversion_rate: 0 },
          ],
        },
      ],
    });
  });

  it("keeps the configured funnels in order and takes each one's own rows", () => {
    const report = buildFunnelsReport(
      [LEAD, CHECKOUT],
      [...stepRows("Checkout", [8, 2, 1, 1]), ...stepRows("Lead", [5, 1]), ...stepRows("Old funnel", [99, 98])],
    );
    expect(report.funnels.map((funnel) => funnel.name)).toEqual(["Lead", "Checkout"]);
    expect(report.funnels[0]?.steps.map((step) => step.visitors)).toEqual([5, 1]);
    expect(report.funnels[1]?.steps.map((step) => step.visitors)).toEqual([8, 2, 1, 1]);
    // Lead: 5 -> 1, conversion 1/5 = 0.2
    expect(report.funnels[0]?.steps[1]).toEqual({
      name: "Quote request",
      visitors: 1,
      dropoff: 4,
      dropoff_rate: 0.8,
      conversion_rate: 0.2,
      step_conversion_rate: 0.2,
    });
  });

  it("ignores rows for steps beyond the funnel's last", () => {
    const report = buildFunnelsReport([LEAD], [...stepRows("Lead", [5, 1]), { funnel: "Lead", step: 3, visitors: 1 }]);
    expect(report.funnels[0]?.steps.map((step) => step.name)).toEqual(["Pricing", "Quote request"]);
  });

  it("reports no funnels when none are configured", () => {
    expect(buildFunnelsReport([], stepRows("Checkout", [1, 1]))).toEqual({ funnels: [] });
  });

  it("never shows a step with more visitors than the one before, nor a rate outside [0, 1], for counts that do not grow", () => {
    const nonIncreasing = fc
      .array(fc.integer({ min: 0, max: 10_000 }), { minLength: 2, maxLength: 8 })
      .map((counts) => [...counts].sort((a, b) => b - a));
    fc.assert(
      fc.property(nonIncreasing, (counts) => {
        const shape = { name: "F", steps: counts.map((_, i) => ({ name: `step ${i + 1}` })) };
        const [funnel] = buildFunnelsReport([shape], stepRows("F", counts)).funnels;
        const steps = funnel?.steps ?? [];
        expect(steps.map((step) => step.visitors)).toEqual(counts);
        const first = counts[0] ?? 0;
        steps.forEach((step, i) => {
          const previous = i === 0 ? step.visitors : (counts[i - 1] ?? 0);
          expect(step.dropoff).toBe(previous - step.visitors);
          expect(step.dropoff).toBeGreaterThanOrEqual(0);
          for (const rate of [step.dropoff_rate, step.conversion_rate, step.step_conversion_rate]) {
            expect(rate).toBeGreaterThanOrEqual(0);
            expect(rate).toBeLessThanOrEqual(1);
          }
          expect(step.conversion_rate).toBe(first === 0 ? 0 : step.visitors / first);
          // What is lost and what goes on make up the previous step.
          if (i > 0 && previous > 0) expect(step.dropoff_rate + step.step_conversion_rate).toBeCloseTo(1, 12);
        });
        // Every visitor who left is lost at exactly one step.
        expect(steps.reduce((total, step) => total + step.dropoff, 0)).toBe(first - (counts[counts.length - 1] ?? 0));
      }),
    );
  });
});

const breakdown = (rows: BreakdownRows["rows"], revenue: BreakdownRows["revenue"] = []): BreakdownRows => ({
  rows,
  revenue,
  engagement: [],
});

describe("buildSegmentReport", () => {
  const rows = breakdown(
    [
      { value: "organic_search", visitors: 4, pageviews: 9, microHits: 5, microVisitors: 2, macroHits: 2, macroVisitors: 1 },
      { value: "social", visitors: 10, pageviews: 12, microHits: 1, microVisitors: 1, macroHits: 0, macroVisitors: 0 },
    ],
    // 40.5 EUR and 12 USD for organic search, in cents.
    [
      { key: "organic_search", currency: "EUR", minor: 4_050 },
      { key: "organic_search", currency: "USD", minor: 1_200 },
    ],
  );

  it("lists channels with visitors and micro and macro conversions and rates", () => {
    expect(buildSegmentReport("channel", rows)).toEqual({
      channels: [
        {
          channel: "organic_search",
          visitors: 4,
          // 2 of 4 visitors converted micro, 1 of 4 macro.
          micro: { count: 5, visitors: 2, conversion_rate: 0.5 },
          macro: { count: 2, visitors: 1, conversion_rate: 0.25, revenue: { EUR: 40.5, USD: 12 } },
        },
        {
          channel: "social",
          visitors: 10,
          micro: { count: 1, visitors: 1, conversion_rate: 0.1 },
          macro: { count: 0, visitors: 0, conversion_rate: 0, revenue: {} },
        },
      ],
    });
  });

  it("names the list and the value after the dimension: sources and source", () => {
    const report = buildSegmentReport(
      "source",
      breakdown([{ value: "linkedin.com", visitors: 8, pageviews: 8, microHits: 0, microVisitors: 0, macroHits: 1, macroVisitors: 1 }]),
    );
    expect(report).toEqual({
      sources: [
        {
          source: "linkedin.com",
          visitors: 8,
          micro: { count: 0, visitors: 0, conversion_rate: 0 },
          macro: { count: 1, visitors: 1, conversion_rate: 0.125, revenue: {} },
        },
      ],
    });
  });

  it("names the list and the value after the dimension: campaigns and campaign", () => {
    const report = buildSegmentReport(
      "campaign",
      breakdown([{ value: "spring-sale", visitors: 0, pageviews: 0, microHits: 0, microVisitors: 0, macroHits: 0, macroVisitors: 0 }]),
    );
    expect(Object.keys(report)).toEqual(["campaigns"]);
    // No visitors: rates are 0, not NaN.
    expect(report.campaigns).toEqual([
      {
        campaign: "spring-sale",
        visitors: 0,
        micro: { count: 0, visitors: 0, conversion_rate: 0 },
        macro: { count: 0, visitors: 0, conversion_rate: 0, revenue: {} },
      },
    ]);
  });

  it("gives an empty list when there are no rows", () => {
    expect(buildSegmentReport("channel", breakdown([]))).toEqual({ channels: [] });
  });
});

const PURCHASE: ConfiguredGoal = { name: "purchase", class: "macro" };
const ADD_TO_CART: ConfiguredGoal = { name: "add_to_cart", class: "micro", stage: "milestone" };
const NEWSLETTER: ConfiguredGoal = { name: "newsletter_signup", class: "micro", stage: "secondary" };

describe("buildVariantsReport", () => {
  // Insertion order B, A: the report sorts by name.
  const visitors = new Map([
    ["B", 1000],
    ["A", 1000],
  ]);
  const rows: VariantGoalRow[] = [
    { variant: "A", goal: "purchase", class: "macro", hits: 120, goalVisitors: 100 },
    { variant: "B", goal: "purchase", class: "macro", hits: 150, goalVisitors: 130 },
    { variant: "A", goal: "add_to_cart", class: "micro_milestone", hits: 400, goalVisitors: 300 },
    { variant: "B", goal: "add_to_cart", class: "micro_milestone", hits: 380, goalVisitors: 310 },
    // A built-in macro goal that is not configured, seen in B only.
    { variant: "B", goal: "generate_lead", class: "macro", hits: 3, goalVisitors: 2 },
  ];
  const report = buildVariantsReport(visitors, rows, [PURCHASE, ADD_TO_CART, NEWSLETTER]);
  const goalOf = (variant: string, goal: string) =>
    report.variants.find((row) => row.variant === variant)?.goals.find((row) => row.name === goal);

  it("lists variants sorted by name with their visitors", () => {
    expect(report.variants.map(({ variant, visitors: count }) => [variant, count])).toEqual([
      ["A", 1000],
      ["B", 1000],
    ]);
  });

  it("gives per goal the conversions, converting visitors and their rate among the variant's visitors", () => {
    expect(goalOf("A", "purchase")).toEqual({ name: "purchase", class: "macro", conversions: 120, visitors: 100, conversion_rate: 0.1 });
    expect(goalOf("B", "purchase")).toEqual({ name: "purchase", class: "macro", conversions: 150, visitors: 130, conversion_rate: 0.13 });
    expect(goalOf("A", "add_to_cart")).toEqual({
      name: "add_to_cart",
      class: "micro",
      stage: "milestone",
      conversions: 400,
      visitors: 300,
      conversion_rate: 0.3,
    });
    expect(goalOf("B", "add_to_cart")).toEqual({
      name: "add_to_cart",
      class: "micro",
      stage: "milestone",
      conversions: 380,
      visitors: 310,
      conversion_rate: 0.31,
    });
  });

  it("lists configured goals at zero and goals seen in any variant for every variant", () => {
    for (const variant of ["A", "B"]) {
      const names = report.variants.find((row) => row.variant === variant)?.goals.map((goal) => goal.name);
      expect([...(names ?? [])].sort()).toEqual(["add_to_cart", "generate_lead", "newsletter_signup", "purchase"]);
    }
    expect(goalOf("A", "newsletter_signup")).toEqual({
      name: "newsletter_signup",
      class: "micro",
      stage: "secondary",
      conversions: 0,
      visitors: 0,
      conversion_rate: 0,
    });
    expect(goalOf("A", "generate_lead")).toEqual({
      name: "generate_lead",
      class: "macro",
      conversions: 0,
      visitors: 0,
      conversion_rate: 0,
    });
    // 2 of 1000
    expect(goalOf("B", "generate_lead")).toEqual({
      name: "generate_lead",
      class: "macro",
      conversions: 3,
      visitors: 2,
      conversion_rate: 0.002,
    });
  });

  it("compares the pair for each macro goal only, b minus a, with a z-test", () => {
    expect(report.comparisons.map((row) => [row.goal, row.a, row.b]).sort()).toEqual([
      ["generate_lead", "A", "B"],
      ["purchase", "A", "B"],
    ]);
    const purchase = report.comparisons.find((row) => row.goal === "purchase");
    expect(purchase?.rate_a).toBe(0.1);
    expect(purchase?.rate_b).toBe(0.13);
    expect(purchase?.difference).toBeCloseTo(0.03, 12);
    // z = 0.03 / sqrt(0.115 * 0.885 * 0.002) = 2.10274, p = 0.0354885 (see two-proportion-test.test.ts)
    expect(purchase?.z).toBeCloseTo(2.10274, 4);
    expect(purchase?.p_value).toBeCloseTo(0.0354885, 5);
    expect(purchase?.significant).toBe(true);

    const lead = report.comparisons.find((row) => row.goal === "generate_lead");
    // 0/1000 vs 2/1000: p = 0.001, SE = sqrt(0.001 * 0.999 * 0.002) = 0.00141351, z = 0.002 / 0.00141351 = 1.41492,
    // p-value = erfc(1.41492 / sqrt 2) = 0.1570916
    expect(lead?.rate_a).toBe(0);
    expect(lead?.rate_b).toBe(0.002);
    expect(lead?.difference).toBeCloseTo(0.002, 12);
    expect(lead?.z).toBeCloseTo(1.41492, 4);
    expect(lead?.p_value).toBeCloseTo(0.1570916, 5);
    expect(lead?.significant).toBe(false);
  });

  it("compares every pair of variants once, the earlier name as a", () => {
    const three = buildVariantsReport(
      new Map([
        ["control", 100],
        ["blue-button", 100],
        ["red-button", 50],
      ]),
      [
        { variant: "control", goal: "purchase", class: "macro", hits: 10, goalVisitors: 10 },
        { variant: "blue-button", goal: "purchase", class: "macro", hits: 20, goalVisitors: 20 },
        { variant: "red-button", goal: "purchase", class: "macro", hits: 5, goalVisitors: 5 },
      ],
      [PURCHASE, ADD_TO_CART],
    );
    expect(three.variants.map((row) => row.variant)).toEqual(["blue-button", "control", "red-button"]);
    expect(three.comparisons.map((row) => [row.a, row.b]).sort()).toEqual([
      ["blue-button", "control"],
      ["blue-button", "red-button"],
      ["control", "red-button"],
    ]);
    // control 10/100 = 0.1 against blue-button 20/100 = 0.2: b - a = 0.1 - 0.2 = -0.1
    const blueControl = three.comparisons.find((row) => row.a === "blue-button" && row.b === "control");
    expect(blueControl?.rate_a).toBe(0.2);
    expect(blueControl?.rate_b).toBe(0.1);
    expect(blueControl?.difference).toBeCloseTo(-0.1, 12);
    expect(blueControl?.z).toBeLessThan(0);
    // control 0.1 against red-button 5/50 = 0.1: no difference
    const controlRed = three.comparisons.find((row) => row.a === "control" && row.b === "red-button");
    expect(controlRed?.difference).toBeCloseTo(0, 12);
    expect(controlRed?.p_value).toBeCloseTo(1, 5);
  });

  it("makes no comparison with a single variant, and no comparison without a macro goal", () => {
    expect(buildVariantsReport(new Map([["A", 10]]), [], [PURCHASE]).comparisons).toEqual([]);
    expect(
      buildVariantsReport(
        new Map([
          ["A", 10],
          ["B", 10],
        ]),
        [{ variant: "A", goal: "add_to_cart", class: "micro_milestone", hits: 1, goalVisitors: 1 }],
        [ADD_TO_CART],
      ).comparisons,
    ).toEqual([]);
  });

  it("reports nothing when no variant was shown", () => {
    expect(buildVariantsReport(new Map(), [], [PURCHASE])).toEqual({ variants: [], comparisons: [] });
  });
});

describe("buildLiftReport", () => {
  const row = (goal: string, conversionClass: GoalRow["class"], goalVisitors: number): GoalRow => ({
    goal,
    class: conversionClass,
    hits: goalVisitors + 5,
    goalVisitors,
  });
  const byGoal = (rows: readonly LiftRow[], goal: string) => rows.find((entry) => entry.goal === goal);

  it("compares the macro rate of visitors who completed a micro goal with the rate of those who did not", () => {
    // 1000 visitors, 50 converted macro. add_to_cart: 200 visitors, 40 of them converted macro.
    const { lift } = buildLiftReport(
      { visitors: 1000, macroVisitors: 50 },
      [row("add_to_cart", "micro_milestone", 200)],
      new Map([["add_to_cart", 40]]),
      [ADD_TO_CART],
    );
    expect(lift).toEqual([
      {
        goal: "add_to_cart",
        stage: "milestone",
        // 40/200 = 0.2
        completed: { visitors: 200, macro_visitors: 40, macro_rate: 0.2 },
        // 1000 - 200 = 800 visitors, 50 - 40 = 10 converted: 10/800 = 0.0125
        not_completed: { visitors: 800, macro_visitors: 10, macro_rate: 0.0125 },
        // 0.2 / 0.0125 = 16
        lift: 16,
      },
    ]);
  });

  it("lists only micro goals, configured ones at zero, sorted by lift", () => {
    const { lift } = buildLiftReport(
      { visitors: 1000, macroVisitors: 50 },
      [row("add_to_cart", "micro_milestone", 200), row("newsletter_signup", "micro_secondary", 100), row("purchase", "macro", 50)],
      new Map([
        ["add_to_cart", 40],
        ["newsletter_signup", 2],
      ]),
      [PURCHASE, { name: "Pricing page", class: "micro", stage: "milestone" }],
    );
    expect(lift.map((entry) => entry.goal)).toEqual(["add_to_cart", "newsletter_signup", "Pricing page"]);
    // newsletter: 2/100 = 0.02 against (50 - 2)/(1000 - 100) = 48/900 = 0.053333: lift 0.02 / 0.053333 = 0.375
    const newsletter = byGoal(lift, "newsletter_signup");
    expect(newsletter?.stage).toBe("secondary");
    expect(newsletter?.completed).toEqual({ visitors: 100, macro_visitors: 2, macro_rate: 0.02 });
    expect(newsletter?.not_completed.visitors).toBe(900);
    expect(newsletter?.not_completed.macro_visitors).toBe(48);
    expect(newsletter?.not_completed.macro_rate).toBeCloseTo(0.0533333, 6);
    expect(newsletter?.lift).toBeCloseTo(0.375, 10);
    // Configured, never reached: completed rate 0 against 50/1000 = 0.05, lift 0.
    expect(byGoal(lift, "Pricing page")).toEqual({
      goal: "Pricing page",
      stage: "milestone",
      completed: { visitors: 0, macro_visitors: 0, macro_rate: 0 },
      not_completed: { visitors: 1000, macro_visitors: 50, macro_rate: 0.05 },
      lift: 0,
    });
  });

  it("gives a null lift when nobody who skipped the goal converted, and lists it last", () => {
    const { lift } = buildLiftReport(
      { visitors: 100, macroVisitors: 10 },
      [row("chat_start", "micro_secondary", 20), row("search", "micro_milestone", 50), row("login", "micro_milestone", 10)],
      new Map([
        ["chat_start", 10],
        ["search", 5],
      ]),
      [],
    );
    // chat_start: 10/20 = 0.5 against (10 - 10)/(100 - 20) = 0: lift null.
    // search: 5/50 = 0.1 against 5/50 = 0.1: lift 1.
    // login: 0/10 = 0 against 10/90: lift 0.
    expect(lift.map((entry) => [entry.goal, entry.lift])).toEqual([
      ["search", 1],
      ["login", 0],
      ["chat_start", null],
    ]);
    expect(byGoal(lift, "chat_start")?.completed.macro_rate).toBe(0.5);
    expect(byGoal(lift, "chat_start")?.not_completed).toEqual({ visitors: 80, macro_visitors: 0, macro_rate: 0 });
  });

  it("gives rates of 0 and a null lift when there were no visitors", () => {
    const { lift } = buildLiftReport({ visitors: 0, macroVisitors: 0 }, [], new Map(), [NEWSLETTER]);
    expect(lift).toEqual([
      {
        goal: "newsletter_signup",
        stage: "secondary",
        completed: { visitors: 0, macro_visitors: 0, macro_rate: 0 },
        not_completed: { visitors: 0, macro_visitors: 0, macro_rate: 0 },
        lift: null,
      },
    ]);
  });

  it("lists nothing when there are no micro goals", () => {
    expect(buildLiftReport({ visitors: 10, macroVisitors: 2 }, [row("purchase", "macro", 2)], new Map(), [PURCHASE])).toEqual({ lift: [] });
  });
});
