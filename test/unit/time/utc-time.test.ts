import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  dayOf,
  dayOfHour,
  firstHourOfDay,
  formatDay,
  formatHour,
  hourOf,
  lastHourOfDay,
  nextMidnight,
  parseDay,
} from "../../../src/domain/time/utc-time";

// Day numbers counted by hand (days since 1970-01-01): 56 years of 365 days + 14 leap days.
const DAY_2026_01_01 = 20_454;
const HOUR_2026_01_01 = DAY_2026_01_01 * 24; // 490_896
const DAY_9999_12_31 = 2_932_896;
const DAY_0001_01_01 = -719_162;

describe("parseDay", () => {
  it("reads the epoch as day 0", () => {
    expect(parseDay("1970-01-01")).toBe(0);
    expect(parseDay("1970-01-02")).toBe(1);
  });

  it("reads a date as its day number", () => {
    expect(parseDay("2026-01-01")).toBe(DAY_2026_01_01);
    expect(parseDay("2026-03-01")).toBe(DAY_2026_01_01 + 31 + 28);
  });

  it("reads a date before the epoch as a negative day number", () => {
    expect(parseDay("1969-12-31")).toBe(-1);
  });

  it("accepts 29 February in a leap year", () => {
    expect(parseDay("2028-02-29")).toBe(DAY_2026_01_01 + 365 + 365 + 31 + 28);
  });

  it.each(["2026-02-30", "2026-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00", "2026-01-32"])(
    "rejects the impossible date %s",
    (text) => {
      expect(parseDay(text)).toBeNull();
    },
  );

  it.each([
    "",
    "2026-1-5",
    "26-01-05",
    "2026/01/05",
    "20260105",
    " 2026-01-05",
    "2026-01-05 ",
    "2026-01-05T00:00:00Z",
    "today",
    "２０２６-01-05",
  ])("rejects the badly formatted %j", (text) => {
    expect(parseDay(text)).toBeNull();
  });

  it("reads back every day formatDay writes (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: DAY_0001_01_01, max: DAY_9999_12_31 }), (day) => {
        expect(parseDay(formatDay(day))).toBe(day);
      }),
    );
  });

  it("writes back every calendar date parseDay reads (property)", () => {
    const dates = fc
      .date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true })
      .map((date) => date.toISOString().slice(0, 10));
    fc.assert(
      fc.property(dates, (text) => {
        const day = parseDay(text);
        expect(day).not.toBeNull();
        expect(formatDay(day ?? Number.NaN)).toBe(text);
      }),
    );
  });
});

describe("formatDay and formatHour", () => {
  it("formats day numbers as YYYY-MM-DD", () => {
    expect(formatDay(0)).toBe("1970-01-01");
    expect(formatDay(DAY_2026_01_01)).toBe("2026-01-01");
    expect(formatDay(DAY_2026_01_01 - 1)).toBe("2025-12-31");
  });

  it("formats hour numbers as YYYY-MM-DDTHH:00:00Z", () => {
    expect(formatHour(0)).toBe("1970-01-01T00:00:00Z");
    expect(formatHour(HOUR_2026_01_01 + 13)).toBe("2026-01-01T13:00:00Z");
    expect(formatHour(HOUR_2026_01_01 + 23)).toBe("2026-01-01T23:00:00Z");
    expect(formatHour(HOUR_2026_01_01 + 24)).toBe("2026-01-02T00:00:00Z");
  });
});

describe("hour and day helpers", () => {
  const afternoon = Date.UTC(2026, 0, 1, 13, 59, 59, 999);

  it("gives a timestamp's hour number", () => {
    expect(hourOf(afternoon)).toBe(HOUR_2026_01_01 + 13);
    expect(hourOf(Date.UTC(2026, 0, 1, 14))).toBe(HOUR_2026_01_01 + 14);
  });

  it("gives a timestamp's day number", () => {
    expect(dayOf(afternoon)).toBe(DAY_2026_01_01);
    expect(dayOf(Date.UTC(2026, 0, 1))).toBe(DAY_2026_01_01);
    expect(dayOf(Date.UTC(2026, 0, 1) - 1)).toBe(DAY_2026_01_01 - 1);
  });

  it("rounds times before the epoch down, not towards zero", () => {
    expect(hourOf(-1)).toBe(-1);
    expect(dayOf(-1)).toBe(-1);
  });

  it("gives an hour's day", () => {
    expect(dayOfHour(HOUR_2026_01_01)).toBe(DAY_2026_01_01);
    expect(dayOfHour(HOUR_2026_01_01 + 23)).toBe(DAY_2026_01_01);
    expect(dayOfHour(HOUR_2026_01_01 + 24)).toBe(DAY_2026_01_01 + 1);
    expect(dayOfHour(HOUR_2026_01_01 - 1)).toBe(DAY_2026_01_01 - 1);
  });

  it("gives the first and last hour of a day", () => {
    expect(firstHourOfDay(DAY_2026_01_01)).toBe(HOUR_2026_01_01);
    expect(lastHourOfDay(DAY_2026_01_01)).toBe(HOUR_2026_01_01 + 23);
  });

  it("gives the next UTC midnight", () => {
    expect(nextMidnight(afternoon)).toBe(Date.UTC(2026, 0, 2));
    expect(nextMidnight(Date.UTC(2026, 0, 1))).toBe(Date.UTC(2026, 0, 2));
    expect(nextMidnight(Date.UTC(2026, 0, 1) - 1)).toBe(Date.UTC(2026, 0, 1));
  });

  it("puts every timestamp in the day and hour that contain it (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(9999, 11, 31) }), (timestamp) => {
        const hour = hourOf(timestamp);
        const day = dayOf(timestamp);
        expect(dayOfHour(hour)).toBe(day);
        expect(hour).toBeGreaterThanOrEqual(firstHourOfDay(day));
        expect(hour).toBeLessThanOrEqual(lastHourOfDay(day));
        expect(formatHour(hour)).toBe(`${new Date(timestamp).toISOString().slice(0, 13)}:00:00Z`);
        const midnight = nextMidnight(timestamp);
        expect(midnight).toBeGreaterThan(timestamp);
        expect(midnight - timestamp).toBeLessThanOrEqual(86_400_000);
        expect(midnight % 86_400_000).toBe(0);
      }),
    );
  });
});
