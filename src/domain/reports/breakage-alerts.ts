import type { GoalClass, MicroStage } from "../site/conversion-class";

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
