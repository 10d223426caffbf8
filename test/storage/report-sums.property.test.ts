import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAIN_DIMENSIONS } from "../../src/domain/reports/dimensions";
import { type BreakdownRows, buildReport, type ReportRange, type ReportRows, rangeHours } from "../../src/domain/reports/report";
import { FILTER_FIELDS, type ReportFilters } from "../../src/domain/reports/report-filter";
import { SEGMENT_DIMENSIONS } from "../../src/domain/reports/segment-reports";
import { firstHourOfDay } from "../../src/domain/time/utc-time";
import { sumBreakdown, sumFunnelSteps, sumGoals, sumLiftPairs, sumTotals, sumVariantGoals } from "../../src/storage/counter-reads";
import { HOURLY_TABLES } from "../../src/storage/counter-tables";
import { DayAggregates } from "../../src/storage/day-aggregates";
import { DayBuckets } from "../../src/storage/day-buckets";
import { DimensionCounters } from "../../src/storage/dimension-counters";
import { DropCounter } from "../../src/storage/drop-counter";
import { PackedCounters } from "../../src/storage/packed-counters";
import {
  readBreakdown,
  readFunnelSteps,
  readGoals,
  readLiftPairs,
  readReportRows,
  readTotals,
  readVariantGoals,
} from "../../src/storage/report-queries";
import { ReportReader } from "../../src/storage/report-reader";
import { scanReportRows } from "../../src/storage/report-scan";
import { VisitorDays } from "../../src/storage/visitor-days";

/**
 * Reports are summed three ways: the GROUP BY queries of report-queries.ts (the reference), the
 * one-scan sums of report-scan.ts (filtered and hourly reports), and the day aggregates merged
 * with live days (unfiltered reports). On random counter rows, including engagement reports
 * reaching goals, "(other)" values, several currencies and values that SQLite and JavaScript
 * order differently, all three must give the same report.
 */
const FIRST_DAY = 22_000;
const DAYS = 4;
const pick = <T>(values: readonly T[]) => fc.constantFrom(...values);
const VALUES = {
  name: ["pageview", "engagement", "purchase", "search", "(other)"],
  goal: ["", "purchase", "search", "Engaged 30 s", "(other)"],
  class: ["pageview", "unclassified", "macro", "micro_milestone", "micro_secondary"],
  page: ["/", "/a", "(other)", "/\u00e4", "/\u{1F600}", "/\uE000"],
  source: ["(none)", "google.com", "(other)"],
  channel: ["direct", "organic_search", "email"],
  campaign: ["(none)", "spring", "(other)"],
  country: ["DE", "FR", "NL"],
  device: ["desktop", "mobile"],
  variant: ["(none)", "A", "B", "(other)"],
  currency: ["", "EUR", "USD"],
} as const;
const { key: KEY, sums: SUMS } = HOURLY_TABLES[0];

const counterRow = fc.record({
  day: fc.integer({ min: 0, max: DAYS - 1 }),
  // Hour 0 also stands for a day already folded into one bucket.
  hour: fc.constantFrom(0, 0, 5, 13, 23),
  key: fc.tuple(...KEY.map((column) => pick(VALUES[column]))),
  sums: fc.tuple(fc.integer({ min: 1, max: 4 }), ...SUMS.slice(1).map(() => fc.integer({ min: 0, max: 3 }))),
  revenue: fc.integer({ min: 0, max: 5_000 }),
});
const filters = fc
  .subarray([...FILTER_FIELDS], { maxLength: 2 })
  .chain((fields) =>
    fc.tuple(
      ...fields.map((field) =>
        pick<string>(field === "goal" ? VALUES.goal.filter(Boolean) : VALUES[field]).map((value) => [field, value] as const),
      ),
    ),
  )
  .map((entries): ReportFilters => Object.fromEntries(entries));

type CounterRow = typeof counterRow extends fc.Arbitrary<infer T> ? T : never;

function load(sql: SqlStorage, rows: CounterRow[]): void {
  sql.exec("DELETE FROM hourly_counters_parts");
  // Through the store's own writer of packed counters, one hour at a time (same keys summed there).
  const counters = new PackedCounters(sql);
  for (const { day, hour, key, sums, revenue } of rows) {
    const values = [...sums];
    values[SUMS.indexOf("revenue_minor")] = key[KEY.indexOf("currency")] === "" ? 0 : revenue;
    counters.add("hourly_counters", firstHourOfDay(FIRST_DAY + day) + hour, [{ key, sums: values }]);
  }
}

const by =
  <T>(key: (row: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
const revenue = by((row: { key: string; currency: string }) => `${row.key}\u001f${row.currency}`);

/** Lists whose order carries no meaning, sorted, so that rows compare as sets. */
function normalized(rows: Omit<ReportRows, "dropped">): Omit<ReportRows, "dropped"> {
  return {
    ...rows,
    classes: [...rows.classes].sort(by((row) => row.class)),
    goals: [...rows.goals].sort(by((row) => `${row.class}\u001f${row.goal}`)),
    goalRevenue: [...rows.goalRevenue].sort(revenue),
    breakdowns: Object.fromEntries(
      MAIN_DIMENSIONS.map((dimension) => {
        const breakdown = rows.breakdowns[dimension] ?? { rows: [], revenue: [], engagement: [] };
        return [
          dimension,
          {
            rows: breakdown.rows,
            revenue: [...breakdown.revenue].sort(revenue),
            engagement: [...breakdown.engagement].sort(by((row) => row.page)),
          },
        ];
      }),
    ) as ReportRows["breakdowns"],
  };
}

const store = () => env.SITE_STORE.getByName("report-sums.test");

describe("report sums", () => {
  it("in one scan equal the GROUP BY queries, with any filters, hourly or daily", { timeout: 60_000 }, async () => {
    await runInDurableObject(store(), (_instance, state) => {
      const sql = state.storage.sql;
      fc.assert(
        fc.property(
          fc.array(counterRow, { maxLength: 40 }),
          filters,
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 0, max: DAYS - 1 }),
          (rows, chosen, limit, from) => {
            load(sql, rows);
            const scope = { ...rangeHours({ fromDay: FIRST_DAY + from, toDay: FIRST_DAY + DAYS - 1, interval: "day" }), filters: chosen };
            expect(normalized(scanReportRows(sql, scope, limit))).toEqual(normalized(readReportRows(sql, scope, limit)));
          },
        ),
        { numRuns: 150 },
      );
    });
  });

  it("of funnels, lift, variants and breakdowns summed in JavaScript equal the GROUP BY queries", { timeout: 60_000 }, async () => {
    await runInDurableObject(store(), (_instance, state) => {
      const sql = state.storage.sql;
      const counters = new PackedCounters(sql);
      fc.assert(
        fc.property(
          fc.array(counterRow, { maxLength: 40 }),
          fc.array(
            fc.tuple(
              fc.integer({ min: 0, max: DAYS - 1 }),
              fc.constantFrom("checkout", "signup"),
              fc.integer({ min: 0, max: 2 }),
              pick(VALUES.country),
              fc.integer({ min: 1, max: 3 }),
            ),
            { maxLength: 12 },
          ),
          filters,
          fc.constantFrom(...MAIN_DIMENSIONS, "variant" as const),
          fc.integer({ min: 1, max: 4 }),
          (rows, funnelRows, chosen, dimension, limit) => {
            load(sql, rows);
            sql.exec("DELETE FROM funnel_counters_parts");
            sql.exec("DELETE FROM lift_counters_parts");
            for (const [day, funnel, step, country, visitors] of funnelRows) {
              const hour = firstHourOfDay(FIRST_DAY + day) + 10;
              counters.add("funnel_counters", hour, [
                { key: [funnel, step, "(none)", "direct", "(none)", country, "desktop", "(none)"], sums: [visitors] },
              ]);
              counters.add("lift_counters", hour, [
                { key: [`goal-${step}`, "(none)", "direct", "(none)", country, "desktop", "(none)"], sums: [visitors] },
              ]);
            }
            counters.forget();
            const scope = { ...rangeHours({ fromDay: FIRST_DAY, toDay: FIRST_DAY + DAYS - 1, interval: "day" }), filters: chosen };
            const inJs = { ...scope, sql };
            const byKey = <T>(list: T[], key: (row: T) => string) => [...list].sort(by(key));
            const breakdown = (rows: BreakdownRows) => ({
              rows: rows.rows,
              revenue: byKey(rows.revenue, (row) => `${row.key}\u001f${row.currency}`),
              engagement: byKey(rows.engagement, (row) => row.page),
            });
            expect(breakdown(sumBreakdown(inJs, dimension, limit))).toEqual(breakdown(readBreakdown(sql, scope, dimension, limit)));
            expect(byKey(sumGoals(inJs), (row) => `${row.class}\u001f${row.goal}`)).toEqual(
              byKey(readGoals(sql, scope).goals, (row) => `${row.class}\u001f${row.goal}`),
            );
            expect(sumTotals(inJs)).toEqual(readTotals(sql, scope));
            expect(byKey(sumVariantGoals(inJs), (row) => `${row.variant}\u001f${row.goal}\u001f${row.class}`)).toEqual(
              byKey(readVariantGoals(sql, scope), (row) => `${row.variant}\u001f${row.goal}\u001f${row.class}`),
            );
            expect(byKey(sumFunnelSteps(inJs), (row) => `${row.funnel}\u001f${row.step}`)).toEqual(
              byKey(readFunnelSteps(sql, scope), (row) => `${row.funnel}\u001f${row.step}`),
            );
            expect([...sumLiftPairs(inJs)].sort()).toEqual([...readLiftPairs(sql, scope)].sort());
          },
        ),
        { numRuns: 150 },
      );
    });
  });

  it("from day aggregates merged with live days equal the sums over the counters", { timeout: 60_000 }, async () => {
    await runInDurableObject(store(), (_instance, state) => {
      const sql = state.storage.sql;
      const aggregates = new DayAggregates(sql);
      const visitorDays = new VisitorDays(sql, new DayBuckets(sql));
      const noVisitors = { visitorsOf: () => [], isRolledUp: () => true, openDays: () => [] };
      const reader = new ReportReader(sql, new DropCounter(sql), visitorDays, aggregates, new DimensionCounters(sql, noVisitors));
      fc.assert(
        fc.property(
          fc.array(counterRow, { maxLength: 40 }),
          fc.subarray([0, 1, 2, 3]),
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 0, max: DAYS - 1 }),
          (rows, open, limit, from) => {
            load(sql, rows);
            // Every day closed, then some reopened (or, with no counters, never aggregated).
            for (let day = 0; day < DAYS; day++) aggregates.reopen(FIRST_DAY + day);
            aggregates.closeDaysBefore(FIRST_DAY + DAYS);
            for (const day of open) aggregates.reopen(FIRST_DAY + day);
            const range: ReportRange = { fromDay: FIRST_DAY + from, toDay: FIRST_DAY + DAYS - 1, interval: "day" };
            const scope = { ...rangeHours(range), filters: {} };
            const live = { ...readReportRows(sql, scope, limit), dropped: [] };
            expect(buildReport("report-sums.test", range, reader.report(range, {}, limit, MAIN_DIMENSIONS), [])).toEqual(
              buildReport("report-sums.test", range, live, []),
            );
            for (const dimension of SEGMENT_DIMENSIONS) {
              const segments = reader.segments(range, {}, dimension, limit);
              const expected = readBreakdown(sql, scope, dimension, limit);
              expect(segments.rows).toEqual(expected.rows);
              expect([...segments.revenue].sort(revenue)).toEqual([...expected.revenue].sort(revenue));
            }
          },
        ),
        { numRuns: 100 },
      );
    });
  });
});
