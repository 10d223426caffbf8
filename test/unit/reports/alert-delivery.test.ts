import { describe, expect, it } from "vitest";
import { ALERT_RETRY_DAYS, daysToPost } from "../../../src/domain/reports/alert-delivery";

const CLOSED = 20_000;

describe("daysToPost", () => {
  it("posts only the closed day the first time, not the past week", () => {
    expect(daysToPost(CLOSED, [])).toEqual([CLOSED]);
  });

  it("posts the newly closed day after a delivered one", () => {
    expect(daysToPost(CLOSED, [{ day: CLOSED - 1, delivered: true }])).toEqual([CLOSED]);
  });

  it("posts nothing twice when the alarm runs again on the same day", () => {
    expect(daysToPost(CLOSED, [{ day: CLOSED, delivered: true }])).toEqual([]);
  });

  it("retries a failed day before the new one, oldest first", () => {
    expect(
      daysToPost(CLOSED, [
        { day: CLOSED - 2, delivered: false },
        { day: CLOSED - 1, delivered: true },
      ]),
    ).toEqual([CLOSED - 2, CLOSED]);
    // A repeated alarm retries only what is still owed.
    expect(daysToPost(CLOSED, [{ day: CLOSED, delivered: false }])).toEqual([CLOSED]);
  });

  it("catches up on days an alarm missed, within the retry window", () => {
    expect(daysToPost(CLOSED, [{ day: CLOSED - 3, delivered: true }])).toEqual([CLOSED - 2, CLOSED - 1, CLOSED]);
    const longAgo = daysToPost(CLOSED, [{ day: CLOSED - 30, delivered: true }]);
    expect(longAgo).toHaveLength(ALERT_RETRY_DAYS);
    expect(longAgo[0]).toBe(CLOSED - ALERT_RETRY_DAYS + 1);
  });

  it("gives up a failed day once it is older than the retry window", () => {
    const failed = CLOSED - ALERT_RETRY_DAYS;
    expect(
      daysToPost(CLOSED, [
        { day: failed, delivered: false },
        ...[1, 2, 3, 4, 5, 6].map((back) => ({ day: CLOSED - back, delivered: true })),
      ]),
    ).toEqual([CLOSED]);
    expect(daysToPost(CLOSED, [{ day: failed + 1, delivered: false }])).toEqual(expect.arrayContaining([failed + 1, CLOSED]));
  });
});
