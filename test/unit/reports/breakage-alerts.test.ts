import { describe, expect, it } from "vitest";
import { alertDays, checkDay, checkGoals, type DayGoalFigures, poissonCdf } from "../../../src/domain/reports/breakage-alerts";

const day = (visitors: number, goals: Record<string, number>): DayGoalFigures => ({ visitors, goals: new Map(Object.entries(goals)) });
// Four baseline weekdays of 100 visitors, 20 of whom signed up: a rate of 0.2.
const BASELINE = [day(100, { signup: 20 }), day(100, { signup: 20 }), day(100, { signup: 20 }), day(100, { signup: 20 })];
const SIGNUP = [{ name: "signup", class: "micro" as const, stage: "milestone" as const }];

describe("poissonCdf", () => {
  it("matches values worked out by hand", () => {
    expect(poissonCdf(0, 5)).toBeCloseTo(Math.exp(-5), 12);
    // e^-1 (1 + 1 + 1/2)
    expect(poissonCdf(2, 1)).toBeCloseTo(2.5 * Math.exp(-1), 12);
    // Published table values for a mean of 20.
    expect(poissonCdf(15, 20)).toBeCloseTo(0.1565, 4);
    expect(poissonCdf(5, 20)).toBeCloseTo(0.0000719, 6);
    expect(poissonCdf(400, 400)).toBeGreaterThan(0.5);
  });
});

describe("checkGoals", () => {
  it("flags a goal that stopped while traffic went on", () => {
    const [check] = checkGoals(SIGNUP, day(100, { signup: 0 }), BASELINE);
    expect(check).toMatchObject({ goal: "signup", alert: "stopped", expected: 20, today: { converting_visitors: 0, visitors: 100 } });
    expect(check?.p_value).toBeCloseTo(Math.exp(-20), 15);
  });

  it("flags a significant drop, not a dip within noise", () => {
    expect(checkGoals(SIGNUP, day(100, { signup: 5 }), BASELINE)[0]?.alert).toBe("drop");
    expect(checkGoals(SIGNUP, day(100, { signup: 15 }), BASELINE)[0]?.alert).toBeNull();
    expect(checkGoals(SIGNUP, day(100, { signup: 25 }), BASELINE)[0]).toMatchObject({ alert: null, p_value: 1 });
  });

  it("scales the expectation to today's traffic so far, and stays quiet when little is expected", () => {
    // Noon: 50 visitors so far, 10 expected; none yet is still a stop.
    expect(checkGoals(SIGNUP, day(50, {}), BASELINE)[0]).toMatchObject({ expected: 10, alert: "stopped" });
    // 10 visitors so far: 2 expected, and none is no news.
    expect(checkGoals(SIGNUP, day(10, {}), BASELINE)[0]).toMatchObject({ expected: 2, alert: null });
  });
});

describe("checkDay", () => {
  it("reads the day and the same weekday of the four weeks before, and checks goals seen only on baseline days as micro", async () => {
    const read: number[] = [];
    const rows = (visitors: number, goals: Record<string, number>) => ({
      buckets: [{ hour: 0, visitors, hourVisitors: visitors, pageviews: visitors, events: 0, micro: 0, macro: 0 }],
      goals: Object.entries(goals).map(([goal, goalVisitors]) => ({
        goal,
        class: "micro_milestone" as const,
        hits: goalVisitors,
        goalVisitors,
      })),
    });
    const checks = await checkDay(1_000, SIGNUP, async (on) => {
      read.push(on);
      return on === 1_000 ? rows(100, { signup: 0 }) : rows(100, { signup: 20, newsletter: 10 });
    });
    expect(read).toEqual(alertDays(1_000));
    expect(alertDays(1_000)).toEqual([1_000, 993, 986, 979, 972]);
    expect(checks.map((check) => [check.goal, check.class, check.alert])).toEqual([
      ["signup", "micro", "stopped"],
      ["newsletter", "micro", "stopped"],
    ]);
  });
});
