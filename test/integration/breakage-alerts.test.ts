import { afterEach, describe, expect, it, vi } from "vitest";
import { getStats, postEventAt, readJson } from "../support/collector";

/**
 * A designed stream for breakage alerts on dimensions-csv.test (goals: signup, micro; purchase,
 * macro). Four Mondays of 30 visitors: 10 sign up, 3 buy. On the fifth Monday 30 visitors come,
 * nobody signs up (the form broke) and 2 buy. Signups: expected 30 × 40/120 = 10, none: p = e^-10,
 * an alert. Purchases: expected 3, 2 came: P(X ≤ 2) = e^-3 (1 + 3 + 4.5) = 0.42, no alert.
 */
const SITE = "dimensions-csv.test";
const MONDAYS = ["2031-06-02", "2031-06-09", "2031-06-16", "2031-06-23", "2031-06-30"];

afterEach(() => {
  vi.useRealTimers();
});

describe("breakage alerts", () => {
  it("flags the goal that stopped and not the one that dipped within noise", { timeout: 60_000 }, async () => {
    for (const [week, date] of MONDAYS.entries()) {
      const last = week === MONDAYS.length - 1;
      for (let visitor = 0; visitor < 30; visitor++) {
        const sender = { ip: `198.51.${100 + week}.${visitor + 1}` };
        const at = `${date}T10:${String(visitor).padStart(2, "0")}:00Z`;
        await postEventAt(at, { n: "pageview", u: `https://${SITE}/`, d: SITE }, sender);
        if (!last && visitor < 10) await postEventAt(at, { n: "signup", u: `https://${SITE}/signup`, d: SITE }, sender);
        if (visitor < (last ? 2 : 3)) await postEventAt(at, { n: "purchase", u: `https://${SITE}/checkout`, d: SITE }, sender);
      }
    }
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2031-06-30T18:00:00Z"));
    const response = await getStats(`${SITE}/alerts`, "");
    vi.useRealTimers();
    expect(response.status).toBe(200);
    const body = await readJson<{
      date: string;
      alerts: { goal: string; alert: string; expected: number; p_value: number }[];
      goals: { goal: string; alert: string | null; p_value: number }[];
    }>(response);
    expect(body.date).toBe("2031-06-30");
    expect(body.alerts).toHaveLength(1);
    expect(body.alerts[0]).toMatchObject({ goal: "signup", alert: "stopped", expected: 10 });
    expect(body.alerts[0]?.p_value).toBeCloseTo(Math.exp(-10), 12);
    const purchase = body.goals.find((goal) => goal.goal === "purchase");
    expect(purchase?.alert).toBeNull();
    expect(purchase?.p_value).toBeCloseTo(8.5 * Math.exp(-3), 12);

    // A closed day can be checked too, and filters are refused.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2031-07-01T09:00:00Z"));
    const closed = await readJson<{ alerts: { goal: string }[] }>(await getStats(`${SITE}/alerts`, "to=2031-06-30"));
    const filtered = await getStats(`${SITE}/alerts`, "country=DE");
    vi.useRealTimers();
    expect(closed.alerts.map((alert) => alert.goal)).toEqual(["signup"]);
    expect(filtered.status).toBe(400);
  });
});
