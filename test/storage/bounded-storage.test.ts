import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getStats, postEventAt, readJson, USER_AGENTS } from "../support/collector";
import { keepDaysInTables } from "../support/site-store";
import { dumpTables } from "../support/storage-dump";

/**
 * Storage stays bounded: hourly buckets older than HOURLY_DETAIL_DAYS (31 in wrangler.toml) fold
 * into one bucket per day, visitor rows and salts go after 48 h, and reports do not change.
 */
const SITE = "fold.test";
const store = () => env.SITE_STORE.getByName(SITE);
const hit = (name: string, path: string, extra: Record<string, unknown> = {}) => ({
  n: name,
  u: `https://${SITE}${path}`,
  d: SITE,
  ...extra,
});
const hourOf = (row: Record<string, SqlStorageValue>) => Number(row.hour);

afterEach(() => {
  vi.useRealTimers();
});

describe("bounded storage", () => {
  // ~0.6 s idle, up to 1.1 s with both cores busy.
  it("folds old hours into days without changing any daily figure, idempotently", async () => {
    // Days that stay in quiet-day rows are never folded: these start in the tables.
    await keepDaysInTables(SITE);
    const visitors = [1, 2, 3, 4].map((n) => ({
      ip: `198.51.100.${n}`,
      userAgent: n % 2 ? USER_AGENTS.windowsChrome : USER_AGENTS.iPhoneSafari,
    }));
    for (const day of ["01", "02", "03"]) {
      for (const [index, sender] of visitors.entries()) {
        for (const hour of [8, 13, 21]) {
          const time = `2031-11-${day}T${String(hour).padStart(2, "0")}:${String(10 + index).padStart(2, "0")}:00Z`;
          await postEventAt(time, hit("pageview", "/", index === 0 ? { r: "https://www.google.com/" } : {}), sender);
          // The same events each time: the day's counter keys repeat across hours, so folding them pays.
          await postEventAt(time, hit("add_to_cart", "/shoes"), sender);
          if (index < 2) await postEventAt(time, hit("purchase", "/checkout", { $: { amount: 7.5, currency: "EUR" } }), sender);
        }
      }
    }
    const range = "from=2031-11-01&to=2031-11-03";
    const reports = async () =>
      Promise.all(
        ["", "/channels", "/lift", "/funnels", "/variants"].map(async (endpoint) => readJson(await getStats(`${SITE}${endpoint}`, range))),
      );
    const before = await reports();
    const hourlyBefore = (await dumpTables(store())).hourly_counters ?? [];
    expect(hourlyBefore.some((row) => hourOf(row) % 24 !== 0)).toBe(true);

    // Forty days later the daily alarm folds November's first days (older than 31 days).
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2031-12-11T00:01:00Z"));
    expect(await runDurableObjectAlarm(store())).toBe(true);
    const folded = await dumpTables(store());
    vi.useRealTimers();

    // Funnel and lift counters count each visitor once a day, in one hour: folding them would
    // save no row, so they stay hourly (site-store.ts, foldHoursBefore).
    expect((folded.hourly_counters ?? []).filter((row) => hourOf(row) % 24 !== 0)).toEqual([]);
    // One bucket per day and key instead of one per hour and key.
    expect(folded.hourly_counters?.length).toBeLessThan(hourlyBefore.length);
    const sum = (rows: Record<string, SqlStorageValue>[], column: string) => rows.reduce((total, row) => total + Number(row[column]), 0);
    for (const column of ["hits", "visitors", "page_visitors", "goal_visitors", "class_visitors", "revenue_minor"]) {
      expect(sum(folded.hourly_counters ?? [], column)).toBe(sum(hourlyBefore, column));
    }
    // Visitor rows and salts of those days are long gone; their days were rolled up first.
    expect(folded.visitors).toEqual([]);
    // No salt remains (a day's salt is made by its first hit, and these days had their last long ago).
    expect(folded.salts).toEqual([]);
    const day = (iso: string) => Date.parse(iso) / 86_400_000;
    expect(folded.rolled_up_days?.map((row) => Number(row.day))).toEqual(
      expect.arrayContaining([day("2031-11-01T00:00:00Z"), day("2031-11-02T00:00:00Z"), day("2031-11-03T00:00:00Z")]),
    );

    expect(await reports()).toEqual(before);

    // A repeated alarm finds nothing more to fold.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2031-12-11T00:02:00Z"));
    await runDurableObjectAlarm(store());
    vi.useRealTimers();
    expect(await dumpTables(store())).toEqual(folded);
  }, 20_000);
});
