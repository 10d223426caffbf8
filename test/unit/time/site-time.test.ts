import { describe, expect, it } from "vitest";
import {
  formatLocalHour,
  isTimeZone,
  localDayOf,
  localHourOf,
  nextLocalMidnight,
  offsetMinutesAt,
  startOfLocalDay,
} from "../../../src/domain/time/site-time";
import { parseDay } from "../../../src/domain/time/utc-time";

const at = (iso: string) => Date.parse(iso);
const day = (date: string) => parseDay(date) ?? Number.NaN;
const hours = (start: number, end: number) => (end - start) / 3_600_000;

/**
 * Expected values are worked out from the zones' published rules for 2026: EU clocks change on the
 * last Sundays of March and October at 01:00 UTC; the US on 8 March and 1 November at 02:00 local;
 * Lord Howe moves 30 minutes at 02:00 local on the first Sundays of October and April.
 */
describe("a site's local midnight", () => {
  it.each([
    ["UTC", "2026-11-30T00:00:00Z"],
    ["Asia/Kolkata", "2026-11-29T18:30:00Z"], // +05:30
    ["Asia/Kathmandu", "2026-11-29T18:15:00Z"], // +05:45
    ["America/St_Johns", "2026-11-30T03:30:00Z"], // -03:30 in winter
    ["Pacific/Chatham", "2026-11-29T10:15:00Z"], // +13:45 in the southern summer
    ["Europe/Vilnius", "2026-11-29T22:00:00Z"], // +02:00 in winter
    ["America/New_York", "2026-11-30T05:00:00Z"], // -05:00 in winter
    ["Australia/Lord_Howe", "2026-11-29T13:00:00Z"], // +11:00 in the southern summer
  ])("starts 2026-11-30 in %s at %s", (zone, midnight) => {
    expect(startOfLocalDay(day("2026-11-30"), zone)).toBe(at(midnight));
    expect(localDayOf(at(midnight), zone)).toBe(day("2026-11-30"));
    expect(localDayOf(at(midnight) - 1, zone)).toBe(day("2026-11-29"));
    expect(nextLocalMidnight(at(midnight) - 60_000, zone)).toBe(at(midnight));
  });

  it("makes days of 23 and 25 hours where clocks change, and 23.5 and 24.5 on Lord Howe", () => {
    const length = (date: string, zone: string) => hours(startOfLocalDay(day(date), zone), startOfLocalDay(day(date) + 1, zone));
    expect(length("2026-03-29", "Europe/Vilnius")).toBe(23);
    expect(length("2026-10-25", "Europe/Vilnius")).toBe(25);
    expect(length("2026-03-08", "America/New_York")).toBe(23);
    expect(length("2026-11-01", "America/New_York")).toBe(25);
    expect(length("2026-10-04", "Australia/Lord_Howe")).toBe(23.5);
    expect(length("2026-04-05", "Australia/Lord_Howe")).toBe(24.5);
    expect(length("2026-11-29", "Asia/Kathmandu")).toBe(24);
  });
});

describe("offsets and local hours", () => {
  it("reads offsets that are not whole hours", () => {
    expect(offsetMinutesAt(at("2026-06-01T12:00:00Z"), "Asia/Kolkata")).toBe(330);
    expect(offsetMinutesAt(at("2026-06-01T12:00:00Z"), "Asia/Kathmandu")).toBe(345);
    expect(offsetMinutesAt(at("2026-01-15T12:00:00Z"), "America/St_Johns")).toBe(-210);
    expect(offsetMinutesAt(at("2026-06-01T12:00:00Z"), "Pacific/Chatham")).toBe(765); // +12:45 in winter
    expect(offsetMinutesAt(at("2026-06-01T12:00:00Z"), "Australia/Lord_Howe")).toBe(630);
    expect(offsetMinutesAt(at("2026-06-01T12:00:00Z"), "UTC")).toBe(0);
  });

  it("buckets by the wall clock: Kathmandu's 10:00 hour runs from 04:15 to 05:15 UTC", () => {
    const tenOClock = localHourOf(at("2026-06-01T04:15:00Z"), "Asia/Kathmandu");
    expect(localHourOf(at("2026-06-01T05:14:59Z"), "Asia/Kathmandu")).toBe(tenOClock);
    expect(localHourOf(at("2026-06-01T04:14:59Z"), "Asia/Kathmandu")).toBe(tenOClock - 1);
    expect(formatLocalHour(tenOClock, "Asia/Kathmandu")).toBe("2026-06-01T10:00:00+05:45");
  });

  it("labels the repeated hour of a 25-hour day with the offset it began in, and the hours around it with theirs", () => {
    // Vilnius, 2026-10-25: 03:00-04:00 local happens twice, at 00:00Z (+03:00) and 01:00Z (+02:00).
    const repeated = localHourOf(at("2026-10-25T00:30:00Z"), "Europe/Vilnius");
    expect(localHourOf(at("2026-10-25T01:30:00Z"), "Europe/Vilnius")).toBe(repeated);
    expect(formatLocalHour(repeated, "Europe/Vilnius")).toBe("2026-10-25T03:00:00+03:00");
    expect(formatLocalHour(repeated - 1, "Europe/Vilnius")).toBe("2026-10-25T02:00:00+03:00");
    expect(formatLocalHour(repeated + 1, "Europe/Vilnius")).toBe("2026-10-25T04:00:00+02:00");
    // New York, 2026-03-08: 02:00 does not exist; 03:00 is the first hour in -04:00.
    const three = localHourOf(at("2026-03-08T07:00:00Z"), "America/New_York");
    expect(formatLocalHour(three, "America/New_York")).toBe("2026-03-08T03:00:00-04:00");
    expect(formatLocalHour(three - 2, "America/New_York")).toBe("2026-03-08T01:00:00-05:00");
    expect(formatLocalHour(three - 1, "America/New_York")).toBeNull();
    // Lord Howe, 2026-10-04: 02:00-02:30 (+10:30) is skipped, 02:30-03:00 (+11:00) exists.
    const two = localHourOf(at("2026-10-03T15:45:00Z"), "Australia/Lord_Howe");
    expect(formatLocalHour(two, "Australia/Lord_Howe")).toBe("2026-10-04T02:00:00+11:00");
  });

  it("accepts IANA names and refuses anything else", () => {
    for (const zone of ["UTC", "Europe/Vilnius", "Asia/Kathmandu", "Australia/Lord_Howe", "America/St_Johns"]) {
      expect(isTimeZone(zone), zone).toBe(true);
    }
    for (const zone of ["Europe/Vilnus", "+02:00", "", "Mars/Olympus"]) expect(isTimeZone(zone), zone).toBe(false);
  });
});
