import type { GoalClass, MicroStage } from "../site/conversion-class";
import type { ReportRows } from "./report";

/**
 * Breakage alerts: did a goal suddenly stop converting? A day's converting visitors of a goal are
 * compared with what the same weekday of the last four weeks predicts for that day's traffic:
 *
 *   expected = visitors today × (converting visitors / visitors over the four baseline days)
 *
 * Converting visitors are counts of rare, independent events, so under "nothing broke" today's
 * count is Poisson with mean `expected`; the p-value is P(X ≤ today's count). A goal is flagged
 * when that is below ALERT_P_VALUE (a drop that chance explains once in a thousand days), and as
 * `stopped` when it had none at all today while the traffic went on. Days with too little to
 * expect (under MIN_EXPECTED) are never flagged: there, zero is no news. Using today's visitors so
 * far makes "today" comparable at any hour. Pure.
 */
export const ALERT_P_VALUE = 0.001;
export const MIN_EXPECTED = 5;
export const BASELINE_WEEKS = 4;

/** How a check decides, as the alerts answer states it. */
export const ALERT_METHOD = {
  test: "poisson",
  p_value_below: ALERT_P_VALUE,
  min_expected: MIN_EXPECTED,
  baseline_weeks: BASELINE_WEEKS,
} as const;

export interface DayGoalFigures {
  /** Unique visitors of the day. */
  visitors: number;
  /** Converting visitors per goal (by name). */
  goals: ReadonlyMap<string, number>;
}

export interface AlertGoal {
  name: string;
  class: GoalClass;
  stage?: MicroStage;
}

export interface GoalCheck {
  goal: string;
  class: GoalClass;
  stage?: MicroStage;
  /** `stopped`: none today; `drop`: significantly fewer; null: within what chance explains. */
  alert: "stopped" | "drop" | null;
  today: { converting_visitors: number; visitors: number };
  baseline: { weeks: number; converting_visitors: number; visitors: number };
  expected: number;
  p_value: number;
}

/** P(X ≤ k) for X ~ Poisson(mean), summed in log space so large means do not underflow. */
export function poissonCdf(k: number, mean: number): number {
  if (mean <= 0) return 1;
  let logTerm = -mean;
  let total = Math.exp(logTerm);
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log(mean) - Math.log(i);
    total += Math.exp(logTerm);
  }
  return Math.min(1, total);
}

/** Checks each goal of `today` against the baseline days (the same weekday, 1 to 4 weeks back). */
export function checkGoals(goals: readonly AlertGoal[], today: DayGoalFigures, baseline: readonly DayGoalFigures[]): GoalCheck[] {
  const baselineVisitors = baseline.reduce((sum, day) => sum + day.visitors, 0);
  return goals.map((goal) => {
    const converted = today.goals.get(goal.name) ?? 0;
    const baselineConverted = baseline.reduce((sum, day) => sum + (day.goals.get(goal.name) ?? 0), 0);
    const expected = baselineVisitors === 0 ? 0 : (today.visitors * baselineConverted) / baselineVisitors;
    const pValue = converted >= expected ? 1 : poissonCdf(converted, expected);
    const alert = expected < MIN_EXPECTED || pValue >= ALERT_P_VALUE ? null : converted === 0 ? "stopped" : "drop";
    return {
      goal: goal.name,
      class: goal.class,
      ...(goal.stage ? { stage: goal.stage } : {}),
      alert,
      today: { converting_visitors: converted, visitors: today.visitors },
      baseline: { weeks: baseline.length, converting_visitors: baselineConverted, visitors: baselineVisitors },
      expected,
      p_value: pValue,
    };
  });
}

/** The days a check of `day` reads: the day itself, then the same weekday 1 to BASELINE_WEEKS weeks back. */
export const alertDays = (day: number): number[] => [day, ...Array.from({ length: BASELINE_WEEKS }, (_, week) => day - 7 * (week + 1))];

/** A whole local day's figures from its report rows (every shard of the site summed). */
export function dayGoalFigures(rows: Pick<ReportRows, "buckets" | "goals">): DayGoalFigures {
  const goals = new Map<string, number>();
  for (const row of rows.goals) goals.set(row.goal, (goals.get(row.goal) ?? 0) + row.goalVisitors);
  return { visitors: rows.buckets.reduce((sum, bucket) => sum + bucket.visitors, 0), goals };
}

/** Reads one whole local day of the site, unfiltered, every shard summed. */
export type AlertDayReader = (day: number) => Promise<Pick<ReportRows, "buckets" | "goals">>;

/**
 * Checks a day of a site: the configured goals, and any other goal that converted on a baseline
 * day (as a micro goal). The one computation behind `GET /api/stats/:site/alerts` and the alert
 * webhook, so both say the same about the same day.
 */
export async function checkDay(day: number, configured: readonly AlertGoal[], readDay: AlertDayReader): Promise<GoalCheck[]> {
  const [today, ...baseline] = (await Promise.all(alertDays(day).map(readDay))).map(dayGoalFigures);
  const goals = new Map(configured.map((goal) => [goal.name, goal]));
  for (const figures of baseline) for (const name of figures.goals.keys()) if (!goals.has(name)) goals.set(name, { name, class: "micro" });
  return checkGoals([...goals.values()], today ?? { visitors: 0, goals: new Map() }, baseline);
}
