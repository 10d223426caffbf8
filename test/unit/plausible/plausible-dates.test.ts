import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { echoDateRange, resolveDateRange, timeLabels, weekStart } from "../../../src/domain/plausible/plausible-dates";
import { PlausibleQueryError } from "../../../src/domain/plausible/query-error";
import { parseV1Filters, v1DateRange } from "../../../src/domain/plausible/v1-query";
import { formatDay, parseDay } from "../../../src/domain/time/utc-time";

const day = (text: string) => parseDay(text) ?? Number.NaN;
const days = (range: { fromDay: number; toDay: number }) => [formatDay(range.fromDay), formatDay(range.toDay)];
const TODAY = day("2031-06-11");

describe("resolveDateRange (v2)", () => {
  it("resolves each shorthand against the site's today", () => {
    expect(days(resolveDateRange("day", TODAY, "UTC"))).toEqual(["2031-06-11", "2031-06-11"]);
    expect(days(resolveDateRange("7d", TODAY, "UTC"))).toEqual(["2031-06-04", "2031-06-10"]);
    expect(days(resolveDateRange("28d", TODAY, "UTC"))).toEqual(["2031-05-14", "2031-06-10"]);
    expect(days(resolveDateRange("30d", TODAY, "UTC"))).toEqual(["2031-05-12", "2031-06-10"]);
    expect(days(resolveDateRange("91d", TODAY, "UTC"))).toEqual(["2031-03-12", "2031-06-10"]);
    expect(days(resolveDateRange("month", TODAY, "UTC"))).toEqual(["2031-06-01", "2031-06-30"]);
    expect(days(resolveDateRange("6mo", TODAY, "UTC"))).toEqual(["2030-12-01", "2031-05-31"]);
    expect(days(resolveDateRange("12mo", TODAY, "UTC"))).toEqual(["2030-06-01", "2031-05-31"]);
    expect(days(resolveDateRange("year", TODAY, "UTC"))).toEqual(["2031-01-01", "2031-12-31"]);
    expect(resolveDateRange("all", TODAY, "UTC").all).toBe(true);
    expect(days(resolveDateRange(["2031-02-01", "2031-02-28"], TODAY, "UTC"))).toEqual(["2031-02-01", "2031-02-28"]);
  });

  it("<n>d is the n days before today, today left out", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000 }), fc.integer({ min: 20_000, max: 25_000 }), (n, today) => {
        const range = resolveDateRange(`${n}d`, today, "UTC");
        expect(range.toDay).toBe(today - 1);
        expect(range.toDay - range.fromDay + 1).toBe(n);
      }),
    );
  });

  it("takes date-time pairs that cover whole local days, and echoes the local offsets", () => {
    const range = resolveDateRange(["2031-06-10T00:00:00+03:00", "2031-06-11T23:59:59+03:00"], TODAY, "Europe/Tallinn");
    expect(days(range)).toEqual(["2031-06-10", "2031-06-11"]);
    expect(echoDateRange(range, "Europe/Tallinn")).toEqual(["2031-06-10T00:00:00+03:00", "2031-06-11T23:59:59+03:00"]);
    // Winter: the same zone is +02:00.
    expect(echoDateRange({ fromDay: day("2031-01-05"), toDay: day("2031-01-05") }, "Europe/Tallinn")).toEqual([
      "2031-01-05T00:00:00+02:00",
      "2031-01-05T23:59:59+02:00",
    ]);
  });

  it("takes date-time pairs on whole local hours (end inclusive at :59:59, or the next hour's start), and refuses others", () => {
    const tallinn = "Europe/Tallinn";
    const hours = resolveDateRange(["2031-06-10T08:00:00+03:00", "2031-06-10T13:59:59+03:00"], TODAY, tallinn);
    // Local hours are counted from the epoch on the wall clock: 2031-06-10 is day 22_440.
    expect(hours).toEqual({ fromDay: 22_440, toDay: 22_440, hours: { fromHour: 22_440 * 24 + 8, toHour: 22_440 * 24 + 13 }, all: false });
    expect(echoDateRange(hours, tallinn)).toEqual(["2031-06-10T08:00:00+03:00", "2031-06-10T13:59:59+03:00"]);
    // The same hours written in UTC, with an exclusive end.
    expect(resolveDateRange(["2031-06-10T05:00:00Z", "2031-06-10T11:00:00Z"], TODAY, tallinn)).toEqual(hours);
    // Across midnight: two local days.
    const overnight = resolveDateRange(["2031-06-10T22:00:00+03:00", "2031-06-11T01:59:59+03:00"], TODAY, tallinn);
    expect(days(overnight)).toEqual(["2031-06-10", "2031-06-11"]);
    expect(timeLabels(overnight, "hour", tallinn)).toEqual([
      "2031-06-10 22:00:00",
      "2031-06-10 23:00:00",
      "2031-06-11 00:00:00",
      "2031-06-11 01:00:00",
    ]);
    for (const pair of [
      ["2031-06-10T12:30:00+03:00", "2031-06-10T13:59:59+03:00"],
      ["2031-06-10T12:00:00+03:00", "2031-06-10T13:30:00+03:00"],
      ["2031-06-10T12:00:00+03:00", "2031-06-10T12:00:00+03:00"],
      ["2031-06-10T13:00:00+03:00", "2031-06-10T11:59:59+03:00"],
    ] as const) {
      expect(() => resolveDateRange(pair, TODAY, tallinn), JSON.stringify(pair)).toThrow(/whole hours/);
    }
  });

  it("refuses ranges it cannot answer, and malformed ones", () => {
    for (const input of ["24h", "realtime", "fortnight", "0d", ["2031-06-10", "2031-06-01"], ["x", "y"]] as const) {
      expect(() => resolveDateRange(input as string | [string, string], TODAY, "UTC"), JSON.stringify(input)).toThrow(PlausibleQueryError);
    }
  });

  it("labels buckets as Plausible does: hours of the local day, weeks from Monday, months from the 1st, clipped to the range", () => {
    const june = { fromDay: day("2031-06-01"), toDay: day("2031-06-30") };
    expect(timeLabels(june, "week", "UTC")).toEqual(["2031-06-01", "2031-06-02", "2031-06-09", "2031-06-16", "2031-06-23", "2031-06-30"]);
    expect(timeLabels(june, "month", "UTC")).toEqual(["2031-06-01"]);
    expect(formatDay(weekStart(day("2031-06-10")))).toBe("2031-06-09");
    // A spring-forward day in New York has 23 hours; the skipped 02:00 has no label.
    const spring = { fromDay: day("2031-03-09"), toDay: day("2031-03-09") };
    const hours = timeLabels(spring, "hour", "America/New_York");
    expect(hours).toHaveLength(23);
    expect(hours).not.toContain("2031-03-09 02:00:00");
  });
});

describe("Plausible v1 parameters", () => {
  it("resolves periods relative to `date`, both ends included", () => {
    expect(v1DateRange("day", "2031-06-10", TODAY)).toEqual(["2031-06-10", "2031-06-10"]);
    expect(v1DateRange("7d", undefined, TODAY)).toEqual(["2031-06-05", "2031-06-11"]);
    expect(v1DateRange("30d", "2031-06-10", TODAY)).toEqual(["2031-05-12", "2031-06-10"]);
    expect(v1DateRange("month", "2031-02-10", TODAY)).toEqual(["2031-02-01", "2031-02-28"]);
    expect(v1DateRange("6mo", "2031-06-10", TODAY)).toEqual(["2031-01-01", "2031-06-30"]);
    expect(v1DateRange("12mo", "2031-06-10", TODAY)).toEqual(["2030-07-01", "2031-06-30"]);
    expect(v1DateRange("year", "2031-06-10", TODAY)).toEqual(["2031-01-01", "2031-12-31"]);
    expect(v1DateRange("custom", "2031-01-01,2031-01-31", TODAY)).toEqual(["2031-01-01", "2031-01-31"]);
    expect(() => v1DateRange("custom", "2031-01-01", TODAY)).toThrow(PlausibleQueryError);
  });

  it("parses the v1 filter syntax: `;` and, `|` one of (escaped `\\|` literal), `*` wildcards, `!=`", () => {
    expect(parseV1Filters("event:page==/blog/**;visit:country==DE|FR")).toEqual([
      ["matches_wildcard", "event:page", ["/blog/**"]],
      ["is", "visit:country", ["DE", "FR"]],
    ]);
    expect(parseV1Filters("visit:utm_campaign==campaign\\|one")).toEqual([["is", "visit:utm_campaign", ["campaign|one"]]]);
    expect(parseV1Filters("visit:country!=FR")).toEqual([["is_not", "visit:country", ["FR"]]]);
    expect(parseV1Filters("visit:source== spaced")).toEqual([["is", "visit:source", [" spaced"]]]);
    expect(() => parseV1Filters("visit:browser!=Chrome|Safari")).toThrow(/one value at a time/);
    expect(() => parseV1Filters("nonsense")).toThrow(PlausibleQueryError);
  });

  it("round-trips any values through `|` with escaping", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ minLength: 1, maxLength: 8 }).filter((text) => !/[;*\\]/.test(text)),
          { minLength: 1, maxLength: 4 },
        ),
        (values) => {
          const text = `visit:source==${values.map((value) => value.replaceAll("|", "\\|")).join("|")}`;
          expect(parseV1Filters(text)).toEqual([["is", "visit:source", values]]);
        },
      ),
    );
  });
});
