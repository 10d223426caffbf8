import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { firstHourOfDay, lastHourOfDay } from "../../src/domain/time/utc-time";
import { HOURLY_TABLES } from "../../src/storage/counter-tables";
import { daysWithColumns, scanDayColumns, writeDayColumns } from "../../src/storage/day-columns";
import { PackedCounters, scanEntries } from "../../src/storage/packed-counters";

/**
 * The column copy of closed days yields the same entries as the packed hours it was written from,
 * with any filter: on random counters written through the store's own packed-counter writer,
 * with non-ASCII, escaped and long values, sums up to 2^53 - 1 (and a few that are not unsigned
 * integers), and days of thousands of distinct pages (several parts, dictionaries past 256 values).
 */
const FIRST_DAY = 21_000;
const DAYS = 3;
const { key: KEY, sums: SUMS } = HOURLY_TABLES[0];
type KeyColumn = (typeof KEY)[number];

const LONG = `/${"ä".repeat(120)}/${"\u{1F600}".repeat(40)}`;
/** Values JSON escapes (quote, backslash, control character, lone surrogate): a dictionary holds them escaped. */
const ESCAPED = ['/"quoted"\\', "/\u0001control", "/\uD800lone"];
const VALUES: Record<KeyColumn, readonly string[]> = {
  name: ["pageview", "engagement", "purchase", "(other)"],
  goal: ["", "purchase", "Engaged 30 s"],
  class: ["pageview", "unclassified", "macro", "micro_milestone"],
  page: ["/", "/a", "(other)", "/\u00e4", "/\u{1F600}", "/\uE000", ...ESCAPED, LONG],
  source: ["(none)", "google.com", "bücher.de"],
  channel: ["direct", "organic_search", "email"],
  campaign: ["(none)", "spring", "(other)", ...ESCAPED],
  country: ["DE", "FR", "NL", "JP"],
  device: ["desktop", "mobile"],
  variant: ["(none)", "A", "B"],
  currency: ["", "EUR", "JPY"],
};
/** Values no entry has: a filter on one of them must yield nothing. */
const ABSENT = ["XX", "/nowhere", "", "ä"];

const sum = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 100_000 }) },
  { weight: 1, arbitrary: fc.constant(Number.MAX_SAFE_INTEGER) },
  { weight: 1, arbitrary: fc.integer({ min: 2 ** 32, max: Number.MAX_SAFE_INTEGER }) },
  // Not what the writer adds, but a sum is any number to the layout: these take Float64.
  { weight: 1, arbitrary: fc.constantFrom(-1, 0.5, 2 ** 32 + 0.25) },
);
const counterRow = fc.record({
  day: fc.integer({ min: 0, max: DAYS - 1 }),
  hour: fc.constantFrom(0, 0, 5, 13, 23),
  key: fc.tuple(...KEY.map((column) => fc.constantFrom(...VALUES[column]))),
  sums: fc.tuple(...SUMS.map(() => sum)),
});
type CounterRow = typeof counterRow extends fc.Arbitrary<infer T> ? T : never;

/** mulberry32, so a day's bulk of entries follows from one generated seed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `count` entries of many distinct pages (some long and non-ASCII), for a day of several parts. */
function bulk(seed: number, count: number): { hour: number; key: string[]; sums: number[] }[] {
  const random = seeded(seed);
  const of = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
  return Array.from({ length: count }, (_, i) => ({
    hour: Math.floor(random() * 24),
    key: KEY.map((column) => (column === "page" ? `/bulk/${i % 3 === 0 ? "日本語".repeat(20) : "p"}/${i}` : of(VALUES[column]))),
    sums: SUMS.map(() => (random() < 0.1 ? Math.floor(random() * Number.MAX_SAFE_INTEGER) : Math.floor(random() * 300))),
  }));
}

function load(sql: SqlStorage, rows: CounterRow[], bulkSeed: number, bulkDay: number, bulkCount: number): void {
  sql.exec("DELETE FROM hourly_counters_parts");
  sql.exec("DELETE FROM day_column_parts");
  const counters = new PackedCounters(sql);
  for (const { hour, key, sums } of bulk(bulkSeed, bulkCount))
    counters.add("hourly_counters", firstHourOfDay(FIRST_DAY + bulkDay) + hour, [{ key, sums }]);
  for (const { day, hour, key, sums } of rows) counters.add("hourly_counters", firstHourOfDay(FIRST_DAY + day) + hour, [{ key, sums }]);
}

const filterColumn = fc.constantFrom<KeyColumn>(...KEY);
const filterValue = (column: KeyColumn) => fc.constantFrom(...VALUES[column], ...ABSENT);
const filters = fc.oneof(
  fc.constant<[string, SqlStorageValue][]>([]),
  fc.array(
    filterColumn.chain((column) => filterValue(column).map((value): [string, SqlStorageValue] => [column, value])),
    { minLength: 1, maxLength: 2 },
  ),
  fc.constantFrom(...ESCAPED).chain((value) => fc.constantFrom<[string, SqlStorageValue][]>([["page", value]], [["campaign", value]])),
  // A sum compared as a number, a number against a key column, a column entries do not have.
  fc.constantFrom<[string, SqlStorageValue][]>(
    [["hits", 1]],
    [["country", 1]],
    [
      ["country", "DE"],
      ["nope", "DE"],
    ],
    [["device", null]],
  ),
);

/** Entries as sorted JSON texts: equal lists mean the same multiset of {hour, entry}. */
const multiset = (entries: Iterable<{ hour: number; entry: readonly SqlStorageValue[] }>) =>
  [...entries].map(({ hour, entry }) => JSON.stringify([hour, ...entry])).sort();

const store = () => env.SITE_STORE.getByName("day-columns-property.test");

describe("day columns", () => {
  it("yield the entries the packed hours yield, for any filter", { timeout: 180_000 }, async () => {
    await runInDurableObject(store(), (_instance, state) => {
      const sql = state.storage.sql;
      let severalParts = 0;
      fc.assert(
        fc.property(
          fc.array(counterRow, { maxLength: 60 }),
          fc.record({ seed: fc.integer(), day: fc.integer({ min: 0, max: DAYS - 1 }), count: fc.constantFrom(0, 10, 300, 2_500) }),
          fc.subarray([0, 1, 2]),
          fc.array(filters, { minLength: 1, maxLength: 4 }),
          fc.integer({ min: 0, max: DAYS - 1 }),
          fc.integer({ min: 0, max: DAYS - 1 }),
          (rows, bulkOf, closed, chosenFilters, from, to) => {
            load(sql, rows, bulkOf.seed, bulkOf.day, bulkOf.count);
            for (const day of closed) writeDayColumns(sql, FIRST_DAY + day);
            const parts = sql
              .exec<{ day: number; part: number; bytes: number }>("SELECT day, part, length(body) AS bytes FROM day_column_parts")
              .toArray();
            for (const { bytes } of parts) expect(bytes).toBeLessThanOrEqual(60_000);
            if (parts.some(({ part }) => part > 0)) severalParts += 1;

            const [fromDay, toDay] = [FIRST_DAY + Math.min(from, to), FIRST_DAY + Math.max(from, to)];
            const withColumns = daysWithColumns(sql, fromDay, toDay);
            // Every closed day in range with entries has columns; no other day has.
            const hasEntries = (day: number) =>
              scanEntries(sql, "hourly_counters", firstHourOfDay(day), lastHourOfDay(day)).next().done === false;
            expect(withColumns).toEqual(
              closed
                .map((day) => FIRST_DAY + day)
                .filter((day) => day >= fromDay && day <= toDay && hasEntries(day))
                .sort((a, b) => a - b),
            );
            for (const equal of chosenFilters) {
              const expected = withColumns.flatMap((day) => [
                ...scanEntries(sql, "hourly_counters", firstHourOfDay(day), lastHourOfDay(day), equal),
              ]);
              expect(multiset(scanDayColumns(sql, fromDay, toDay, equal))).toEqual(multiset(expected));
            }
          },
        ),
        { numRuns: 40 },
      );
      // The runs above did cover days cut into several parts.
      expect(severalParts).toBeGreaterThan(0);
    });
  });
});
