import type { GoalClass, MicroStage } from "../site/conversion-class";
import { goalClassOf } from "../site/conversion-class";
import type { SegmentKind } from "../visitors/segment-rollup";
import {
  type BreakdownRows,
  breakdownRows,
  type ConfiguredGoal,
  conversionRate,
  type FunnelStepRow,
  type GoalRow,
  ratio,
  type VariantGoalRow,
} from "./report";
import { type ProportionTest, twoProportionTest } from "./two-proportion-test";

/** The figures behind the funnels, channels, variants and lift endpoints (docs/definitions.md defines each). */

export interface FunnelShape {
  name: string;
  steps: readonly { name: string }[];
}

export interface FunnelStepReport {
  name: string;
  visitors: number;
  dropoff: number;
  dropoff_rate: number;
  conversion_rate: number;
  step_conversion_rate: number;
}

/**
 * Per step: visitors who reached it in order; dropoff from the previous step, as a count and a
 * fraction of it; conversion from the first step and from the previous one. The first step has
 * no dropoff and a step conversion of 1 (0 when nobody reached it).
 */
export function buildFunnelsReport(
  funnels: readonly FunnelShape[],
  rows: readonly FunnelStepRow[],
): { funnels: { name: string; steps: FunnelStepReport[] }[] } {
  const reached = new Map(rows.map((row) => [`${row.funnel}\u001f${row.step}`, row.visitors]));
  return {
    funnels: funnels.map((funnel) => {
      const counts = funnel.steps.map((_, index) => reached.get(`${funnel.name}\u001f${index + 1}`) ?? 0);
      const first = counts[0] ?? 0;
      return {
        name: funnel.name,
        steps: funnel.steps.map((step, index) => {
          const visitors = counts[index] ?? 0;
          const previous = index === 0 ? visitors : (counts[index - 1] ?? 0);
          const dropoff = index === 0 ? 0 : previous - visitors;
          return {
            name: step.name,
            visitors,
            dropoff,
            dropoff_rate: ratio(dropoff, previous),
            conversion_rate: ratio(visitors, first),
            step_conversion_rate: index === 0 ? (visitors > 0 ? 1 : 0) : ratio(visitors, previous),
          };
        }),
      };
    }),
  };
}

export const SEGMENT_DIMENSIONS = ["channel", "source", "campaign"] as const;
export type SegmentDimension = (typeof SEGMENT_DIMENSIONS)[number];
const SEGMENT_KEY = { channel: "channels", source: "sources", campaign: "campaigns" } as const;

/** Per channel (or source, or campaign): visitors, and converting visitors and rates by class. */
export function buildSegmentReport(dimension: SegmentDimension, breakdown: BreakdownRows): Record<string, unknown[]> {
  return {
    [SEGMENT_KEY[dimension]]: breakdownRows(breakdown).map((row) => ({
      [dimension]: row.value,
      visitors: row.visitors,
      micro: row.micro,
      macro: row.macro,
    })),
  };
}

interface GoalMeta {
  name: string;
  class: GoalClass;
  stage?: MicroStage;
}

export interface VariantsReport {
  variants: {
    variant: string;
    visitors: number;
    goals: (GoalMeta & { conversions: number; visitors: number; conversion_rate: number })[];
  }[];
  comparisons: ({ goal: string; a: string; b: string; rate_a: number; rate_b: number; difference: number } & ProportionTest)[];
}

/**
 * Per variant: the visitors shown it and, per goal, conversions and conversion rate after that.
 * For each pair of variants (a before b by name) and each macro goal: the difference b - a and a
 * two-proportion z-test.
 */
export function buildVariantsReport(
  variantVisitors: ReadonlyMap<string, number>,
  rows: readonly VariantGoalRow[],
  configuredGoals: readonly ConfiguredGoal[],
): VariantsReport {
  const goals = new Map<string, GoalMeta>();
  for (const goal of configuredGoals) goals.set(goal.name, goal);
  for (const row of rows) {
    const meta = goalClassOf(row.class);
    if (meta && !goals.has(row.goal)) goals.set(row.goal, { name: row.goal, ...meta });
  }
  const byKey = new Map(rows.map((row) => [`${row.variant}\u001f${row.goal}`, row]));
  const names = [...variantVisitors.keys()].sort((a, b) => a.localeCompare(b));
  const converted = (variant: string, goal: string) => byKey.get(`${variant}\u001f${goal}`)?.goalVisitors ?? 0;

  const variants = names.map((variant) => {
    const visitors = variantVisitors.get(variant) ?? 0;
    return {
      variant,
      visitors,
      goals: [...goals.values()].map((goal) => ({
        ...goal,
        conversions: byKey.get(`${variant}\u001f${goal.name}`)?.hits ?? 0,
        visitors: converted(variant, goal.name),
        conversion_rate: conversionRate(converted(variant, goal.name), visitors),
      })),
    };
  });

  const comparisons: VariantsReport["comparisons"] = [];
  const macroGoals = [...goals.values()].filter((goal) => goal.class === "macro");
  names.forEach((a, i) => {
    for (const b of names.slice(i + 1)) {
      const visitorsA = variantVisitors.get(a) ?? 0;
      const visitorsB = variantVisitors.get(b) ?? 0;
      for (const goal of macroGoals) {
        const rateA = conversionRate(converted(a, goal.name), visitorsA);
        const rateB = conversionRate(converted(b, goal.name), visitorsB);
        comparisons.push({
          goal: goal.name,
          a,
          b,
          rate_a: rateA,
          rate_b: rateB,
          difference: rateB - rateA,
          ...twoProportionTest(converted(a, goal.name), visitorsA, converted(b, goal.name), visitorsB),
        });
      }
    }
  });
  return { variants, comparisons };
}

/**
 * The lift inputs inside a page filter, from segment counts (domain/segment-rollup.ts): the
 * visitor-days with a hit on the page, their macro converters, and per micro goal those who
 * reached it and those who also converted. `goals` supplies each goal's class (one row per goal).
 */
export function liftInputsInsidePage(
  counts: readonly { kind: SegmentKind; key: string; visitors: number }[],
  goals: readonly GoalRow[],
): { totals: { visitors: number; macroVisitors: number }; goals: GoalRow[]; pairs: Map<string, number> } {
  const sum = (kind: SegmentKind, key = "") =>
    counts.filter((count) => count.kind === kind && count.key === key).reduce((total, count) => total + count.visitors, 0);
  // One row per goal (a goal can have rows under two classes if its config changed).
  const unique = [...new Map(goals.map((row) => [row.goal, row])).values()];
  return {
    totals: { visitors: sum("base"), macroVisitors: sum("base_macro") },
    goals: unique.map((row) => ({ ...row, goalVisitors: sum("lift_completed", row.goal) })),
    pairs: new Map(unique.map((row) => [row.goal, sum("lift_both", row.goal)])),
  };
}

export interface LiftRow {
  goal: string;
  stage: MicroStage;
  completed: { visitors: number; macro_visitors: number; macro_rate: number };
  not_completed: { visitors: number; macro_visitors: number; macro_rate: number };
  /** completed.macro_rate / not_completed.macro_rate; null when the latter is 0. */
  lift: number | null;
}

/**
 * Micro-to-macro lift, per micro goal, within the same visitor-day: the macro conversion rate
 * of visitors who completed the goal and of those who did not, and their ratio. Correlation,
 * not causation: it says which small steps go together with the goal.
 */
export function buildLiftReport(
  totals: { visitors: number; macroVisitors: number },
  goalRows: readonly GoalRow[],
  pairs: ReadonlyMap<string, number>,
  configuredGoals: readonly ConfiguredGoal[],
): { lift: LiftRow[] } {
  const micro = new Map<string, { stage: MicroStage; visitors: number }>();
  for (const goal of configuredGoals) if (goal.class === "micro") micro.set(goal.name, { stage: goal.stage ?? "milestone", visitors: 0 });
  for (const row of goalRows) {
    const meta = goalClassOf(row.class);
    if (meta?.class !== "micro") continue;
    const entry = micro.get(row.goal) ?? { stage: meta.stage ?? "milestone", visitors: 0 };
    entry.visitors += row.goalVisitors;
    micro.set(row.goal, entry);
  }
  const lift = [...micro].map(([goal, { stage, visitors }]) => {
    const both = pairs.get(goal) ?? 0;
    const withoutVisitors = totals.visitors - visitors;
    const withoutMacro = totals.macroVisitors - both;
    const completedRate = ratio(both, visitors);
    const notCompletedRate = ratio(withoutMacro, withoutVisitors);
    return {
      goal,
      stage,
      completed: { visitors, macro_visitors: both, macro_rate: completedRate },
      not_completed: { visitors: withoutVisitors, macro_visitors: withoutMacro, macro_rate: notCompletedRate },
      lift: notCompletedRate === 0 ? null : completedRate / notCompletedRate,
    };
  });
  // Strongest association first; goals whose lift is undefined last.
  lift.sort((a, b) => (b.lift ?? -1) - (a.lift ?? -1) || a.goal.localeCompare(b.goal));
  return { lift };
}
