import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RowMeter, type RowsByTable, totalsOf } from "../../bench/row-meter";
import { getStats, postEventAt, readJson, type Sender, USER_AGENTS } from "../support/collector";
import { alarmAt, keepDaysInTables, sqlRows, siteStore as store } from "../support/site-store";
import { dumpTables, dumpText, saltsOf } from "../support/storage-dump";

/**
 * Quiet days (src/storage/quiet-days.ts): a small local day lives whole in one `quiet_days` row
 * (salt, visitor-days, counters, later its roll-up) until it outgrows it. What a lone hit costs,
 * what every reader makes of such a day through its life, how a day moves into the tables, and
 * that its salt survives a failed write and a reset.
 */

afterEach(() => {
  vi.useRealTimers();
});

const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000;
const json = async <T>(site: string, path: string, query: string) => {
  const response = await getStats(`${site}${path}`, query);
  if (response.status !== 200) expect.fail(`${path}?${query}: ${response.status} ${await response.text()}`);
  return readJson<T>(response);
};

interface Report {
  totals: { visitors: number; pageviews: number; events: number };
  timeseries: { t: string; visitors: number; pageviews: number; micro: number; macro: number }[];
  breakdowns: Record<string, { value: string; visitors: number; pageviews: number }[]>;
}

/** Rows written inside `site`'s object from now on, counted from the SQL cursors (bench/row-meter.ts). */
async function meterRows(site: string): Promise<() => RowsByTable> {
  let meter: RowMeter | null = null;
  await runInDurableObject(store(site), (instance: object) => {
    meter = new RowMeter((instance as { sql: SqlStorage }).sql);
  });
  return () => meter?.byTable() ?? {};
}

/**
 * Makes the next SQL statement of `site`'s live object that starts with `statement` fail, once: a
 * storage failure in the real object (its one SqlStorage, shared by every table module). Returns
 * how many failures were injected so far.
 */
async function failOnce(site: string, statement: string): Promise<() => number> {
  let failures = 0;
  await runInDurableObject(store(site), (instance: object) => {
    const sql = (instance as { sql: SqlStorage }).sql;
    const exec = sql.exec.bind(sql);
    sql.exec = ((query: string, ...bindings: SqlStorageValue[]) => {
      if (failures === 0 && query.trimStart().startsWith(statement)) {
        failures += 1;
        throw new Error(`injected storage failure: ${statement}`);
      }
      return exec(query, ...bindings);
    }) as SqlStorage["exec"];
  });
  return () => failures;
}

describe("quiet days", () => {
  it("keep a lone hit on an idle site to two rows written all-in, its one day row, with every figure exact", {
    timeout: 60_000,
  }, async () => {
    // shop.example (test/fixtures): the home page is step 1 of its checkout funnel.
    const site = "shop.example";
    const rows = await meterRows(site);
    const sender: Sender = { ip: "198.51.100.71", userAgent: USER_AGENTS.windowsChrome, country: "DE" };
    const hit = { n: "pageview", u: `https://${site}/?utm_source=newsletter&utm_medium=email&utm_term=lonely-term`, d: site };
    expect((await postEventAt("2033-03-10T14:20:00Z", hit, sender)).status).toBe(202);

    const query = "from=2033-03-10&to=2033-03-10&breakdowns=page,source,country,browser,entry_page,exit_page,utm_medium";
    const expectFigures = async () => {
      const report = await json<Report>(site, "", query);
      expect(report.totals).toEqual({ visitors: 1, pageviews: 1, events: 0 });
      expect(report.timeseries.map(({ t, visitors, pageviews }) => [t, visitors, pageviews])).toEqual([["2033-03-10", 1, 1]]);
      for (const [dimension, value] of [
        ["page", "/"],
        ["source", "newsletter"],
        ["country", "DE"],
        ["browser", "Chrome"],
        ["entry_page", "/"],
        ["exit_page", "/"],
        ["utm_medium", "email"],
      ]) {
        expect(
          report.breakdowns[dimension ?? ""]?.map((row) => [row.value, row.visitors]),
          dimension,
        ).toEqual([[value, 1]]);
      }
      const funnels = await json<{ funnels: { name: string; steps: { visitors: number }[] }[] }>(
        site,
        "/funnels",
        "from=2033-03-10&to=2033-03-10",
      );
      expect(funnels.funnels[0]?.steps.map((step) => step.visitors)).toEqual([1, 0, 0, 0, 0, 0]);
      const filtered = await json<Report>(site, "", "from=2033-03-10&to=2033-03-10&entry_page=/");
      expect(filtered.totals).toEqual({ visitors: 1, pageviews: 1, events: 0 });
      const hourly = await json<Report>(site, "", "from=2033-03-10&to=2033-03-10&interval=hour");
      expect(hourly.timeseries.filter((point) => point.pageviews > 0).map((point) => point.t)).toEqual(["2033-03-10T14:00:00+00:00"]);
    };

    // Ingest: the day's row, with its salt, the visitor-day and the counters; nothing else (the
    // meter files everything under "other": it is told no phases here).
    expect(rows()).toEqual({ quiet_days: { ingest: 0, checkpoint: 0, maintenance: 0, other: 1 } });
    const [row] = await sqlRows(site, "SELECT day, body FROM quiet_days");
    expect(row?.day).toBe(dayNumber("2033-03-10"));
    expect(Object.keys(JSON.parse(String(row?.body))).sort()).toEqual(["counters", "salt", "visitor"]);
    await expectFigures();

    // The close: nothing to write (a quiet day is read from its row, neither aggregated nor rolled up yet).
    await alarmAt(site, "2033-03-11T00:01:00Z");
    expect(totalsOf(rows()).all).toBe(1);
    await expectFigures();

    // Two local days on: rolled up and its salt and visitor-day dropped, in one rewrite of the row.
    await alarmAt(site, "2033-03-12T00:01:00Z");
    expect(rows()).toEqual({ quiet_days: { ingest: 0, checkpoint: 0, maintenance: 0, other: 2 } });
    const dump = await dumpTables(store(site));
    expect(saltsOf(dump)).toEqual([]);
    expect(dump.visitors).toEqual([]);
    const sealed = JSON.parse(String(dump.quiet_days?.[0]?.body)) as { segments?: Record<string, unknown>[] };
    expect(Object.keys(sealed).sort()).toEqual(["counters", "dimensions", "segments"]);
    // Segment counts keep what segment_day_parts keeps, not the rest of a visitor-day's attribution.
    const counted = ["campaign", "channel", "country", "device", "filter", "key", "kind", "source", "step", "value", "variant", "visitors"];
    expect(sealed.segments?.length).toBeGreaterThan(0);
    for (const count of sealed.segments ?? []) expect(Object.keys(count).sort()).toEqual(counted);
    await expectFigures();

    // A month on, past the hourly detail: nothing folded, nothing written; the figures stay.
    await alarmAt(site, "2033-04-12T00:01:00Z");
    expect(totalsOf(rows()).all).toBe(2);
    await expectFigures();
    // Every other table is empty of the day: the row is all of it.
    for (const table of [
      "salts",
      "day_buckets",
      "hourly_counters_parts",
      "funnel_counters_parts",
      "aggregated_days",
      "day_totals",
      "segment_day_parts",
      "dimension_days",
      "rolled_up_days",
    ]) {
      expect(dump[table] ?? [], table).toEqual([]);
    }
  });

  it("answer every endpoint exactly as the tables do for the same stream, through a day's whole life", { timeout: 90_000 }, async () => {
    const quiet = "quiet-twin.test";
    const tables = "tables-twin.test";
    await keepDaysInTables(tables);
    const A: Sender = { ip: "198.51.100.81", userAgent: USER_AGENTS.windowsChrome, country: "DE" };
    const B: Sender = { ip: "198.51.100.82", userAgent: USER_AGENTS.iPhoneSafari, country: "FR" };
    const C: Sender = { ip: "198.51.100.83", userAgent: USER_AGENTS.linuxFirefox, country: "NL" };
    const stream: [string, string, Record<string, unknown>, Sender][] = [
      // D1: A enters on /, reads /pricing, signs up; B bounces on /blog from search; C buys at 23:50 and comes back after midnight.
      ["2033-05-01T09:00:00Z", "pageview", { path: "/", r: "https://www.google.com/" }, A],
      ["2033-05-01T09:02:00Z", "pageview", { path: "/pricing" }, A],
      ["2033-05-01T09:03:00Z", "signup", { path: "/pricing", p: { plan: "pro" } }, A],
      ["2033-05-01T12:00:00Z", "pageview", { path: "/blog?utm_source=news&utm_campaign=may" }, B],
      ["2033-05-01T23:50:00Z", "pageview", { path: "/", p: { variant: "b" } }, C],
      ["2033-05-01T23:52:00Z", "purchase", { path: "/checkout", $: { amount: 19.99, currency: "EUR" } }, C],
      // D2: C's visit goes on; A again.
      ["2033-05-02T00:05:00Z", "pageview", { path: "/thanks" }, C],
      ["2033-05-02T10:00:00Z", "pageview", { path: "/" }, A],
    ];
    for (const site of [quiet, tables]) {
      for (const [time, name, { path, ...extra }, sender] of stream) {
        expect((await postEventAt(time, { n: name, u: `https://${site}${path}`, d: site, ...extra }, sender)).status).toBe(202);
      }
    }
    const range = "from=2033-05-01&to=2033-05-02";
    const reads: [string, string][] = [
      ["", `${range}&limit=10&breakdowns=page,source,channel,campaign,country,device,browser,os,utm_medium,entry_page,exit_page,city`],
      ["", `${range}&interval=hour`],
      ["", `${range}&page=/`],
      ["", `${range}&country=DE`],
      ["", `${range}&entry_page=/`],
      ["", `${range}&browser=Chrome`],
      ["/channels", `${range}&by=source`],
      ["/channels", `${range}&by=channel&page=/`],
      ["/lift", range],
      ["/variants", range],
      ["/funnels", range],
    ];
    const answers = async (site: string) => {
      const all: unknown[] = [];
      for (const [path, query] of reads) {
        const answer = await json<Record<string, unknown>>(site, path, query);
        // The answers name their site; the rest must be the same.
        all.push(JSON.parse(JSON.stringify(answer).replaceAll(site, "SITE")));
      }
      return all;
    };
    const expectTwins = async (stage: string) => {
      const fromQuiet = await answers(quiet);
      expect(fromQuiet, stage).toEqual(await answers(tables));
      return fromQuiet;
    };

    const [live] = (await expectTwins("live")) as [Report];
    // By hand: D1 A B C, D2 C A; pageviews 1 2 4 5 | 7 8; events 3 6.
    expect(live.totals).toEqual({ visitors: 5, pageviews: 6, events: 2 });
    expect(live.timeseries.map(({ t, visitors, pageviews }) => [t, visitors, pageviews])).toEqual([
      ["2033-05-01", 3, 4],
      ["2033-05-02", 2, 2],
    ]);
    expect((await sqlRows(quiet, "SELECT day FROM quiet_days ORDER BY day")).map((row) => row.day)).toEqual([
      dayNumber("2033-05-01"),
      dayNumber("2033-05-02"),
    ]);
    await alarmAt(quiet, "2033-05-03T00:01:00Z");
    await alarmAt(tables, "2033-05-03T00:01:00Z");
    await expectTwins("D2 closed, D1's visitors forgotten");
    await alarmAt(quiet, "2033-05-04T00:01:00Z");
    await alarmAt(tables, "2033-05-04T00:01:00Z");
    const [closed] = (await expectTwins("both days rolled up")) as [Report];
    expect(closed.totals).toEqual(live.totals);
    await alarmAt(quiet, "2033-06-10T00:01:00Z");
    await alarmAt(tables, "2033-06-10T00:01:00Z");
    await expectTwins("past the hourly detail");
    // The tables twin aggregated and rolled up its days; the quiet one kept each in its row.
    expect((await sqlRows(tables, "SELECT day FROM aggregated_days")).length).toBe(2);
    expect(await sqlRows(quiet, "SELECT day FROM aggregated_days")).toEqual([]);
    expect((await sqlRows(quiet, "SELECT day FROM quiet_days")).length).toBe(2);
  });

  it("move a day that outgrows its row into the tables, in the same transaction, with the same figures", { timeout: 60_000 }, async () => {
    const site = "outgrown.test";
    const send = (minute: number, visitor: number) =>
      postEventAt(
        `2033-07-01T10:${String(minute).padStart(2, "0")}:00Z`,
        { n: "pageview", u: `https://${site}/page-${visitor}`, d: site },
        { ip: `198.51.100.${visitor}`, country: "DE" },
      );
    // Ten visitors: the day's row holds them.
    for (let visitor = 1; visitor <= 10; visitor++) expect((await send(visitor, visitor)).status).toBe(202);
    expect((await sqlRows(site, "SELECT day FROM quiet_days")).length).toBe(1);
    expect(await sqlRows(site, "SELECT day FROM salts")).toEqual([]);
    // A hundred more do not fit in 32,000 bytes: the day moves into the tables, salt included.
    for (let visitor = 11; visitor <= 110; visitor++) expect((await send(visitor % 60, visitor)).status).toBe(202);
    expect(await sqlRows(site, "SELECT day FROM quiet_days")).toEqual([]);
    expect((await sqlRows(site, "SELECT day FROM salts")).map((row) => row.day)).toEqual([dayNumber("2033-07-01")]);
    expect((await sqlRows(site, "SELECT COUNT(*) AS n FROM visitors"))[0]?.n).toBe(110);
    const report = await json<Report>(site, "", "from=2033-07-01&to=2033-07-01&limit=100");
    expect(report.totals).toEqual({ visitors: 110, pageviews: 110, events: 0 });
    expect(report.breakdowns.page?.every((row) => row.visitors === 1 && row.pageviews === 1)).toBe(true);
    expect(report.breakdowns.page).toHaveLength(100);
    // A visitor of the first ten, again: the same salt, the same visitor.
    expect((await send(59, 3)).status).toBe(202);
    expect((await json<Report>(site, "", "from=2033-07-01&to=2033-07-01")).totals).toEqual({ visitors: 110, pageviews: 111, events: 0 });
    // From then on it is a day of the tables: aggregated at its close.
    await alarmAt(site, "2033-07-02T00:01:00Z");
    expect((await sqlRows(site, "SELECT day FROM aggregated_days")).map((row) => row.day)).toEqual([dayNumber("2033-07-01")]);
    expect((await json<Report>(site, "", "from=2033-07-01&to=2033-07-01")).totals).toEqual({ visitors: 110, pageviews: 111, events: 0 });
  });

  it("keep a new day's salt through a failed write and a reset: the visitor stays one visitor", { timeout: 60_000 }, async () => {
    const site = "quiet-fault.test";
    const sender: Sender = { ip: "198.51.100.91", userAgent: USER_AGENTS.linuxFirefox };
    const pageview = (id: string) => ({ n: "pageview", u: `https://${site}/`, d: site, id });
    // The next write of a quiet day's row fails, once: a storage failure in the real object.
    const failures = await failOnce(site, "INSERT INTO quiet_days");
    // The first hit made the day's salt, then its write failed: refused, so the sender retries.
    expect((await postEventAt("2033-08-01T10:00:00Z", pageview("first-hit"), sender)).status).toBe(503);
    expect(failures()).toBe(1);
    expect(await sqlRows(site, "SELECT day FROM quiet_days")).toEqual([]);
    expect((await postEventAt("2033-08-01T10:00:05Z", pageview("first-hit"), sender)).status).toBe(202);
    // A reset (a crash or a deploy): memory gone, storage kept; the salt is in the day's row.
    await runInDurableObject(store(site), (_instance: unknown, state: DurableObjectState) => state.abort("injected reset")).catch(
      () => undefined,
    );
    expect((await postEventAt("2033-08-01T10:30:00Z", pageview("second-hit"), sender)).status).toBe(202);
    const report = await json<Report>(site, "", "from=2033-08-01&to=2033-08-01");
    expect(report.totals).toEqual({ visitors: 1, pageviews: 2, events: 0 });
    const dump = await dumpTables(store(site));
    expect(saltsOf(dump).map((row) => row.day)).toEqual([dayNumber("2033-08-01")]);
    // Nothing personal in the row: the address and browser string are never stored.
    expect(dumpText(dump)).not.toContain(sender.ip);
  });

  it("keep a new day's salt when the batch that moves the day into the tables fails", { timeout: 60_000 }, async () => {
    const site = "quiet-move-fault.test";
    // The first counter part written into the tables fails, once: the move's transaction rolls back.
    const failures = await failOnce(site, "INSERT INTO hourly_counters_parts");
    // 120 new visitors at once on an idle site: one batch, too large for a quiet row, made the
    // day's salt and fails as it moves the day into the tables.
    const statuses = await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        postEventAt("2033-09-01T10:00:00Z", { n: "pageview", u: `https://${site}/p-${i}`, d: site }, { ip: `198.51.100.${i}` }),
      ),
    );
    expect(failures()).toBe(1);
    expect(statuses.map((response) => response.status)).toContain(503);
    const A: Sender = { ip: "203.0.113.5", userAgent: USER_AGENTS.linuxFirefox };
    expect((await postEventAt("2033-09-01T10:05:00Z", { n: "pageview", u: `https://${site}/`, d: site }, A)).status).toBe(202);
    expect(saltsOf(await dumpTables(store(site))).map((row) => row.day)).toEqual([dayNumber("2033-09-01")]);
    await runInDurableObject(store(site), (_instance: unknown, state: DurableObjectState) => state.abort("injected reset")).catch(
      () => undefined,
    );
    expect((await postEventAt("2033-09-01T10:30:00Z", { n: "pageview", u: `https://${site}/`, d: site }, A)).status).toBe(202);
    const accepted = statuses.filter((response) => response.status === 202).length;
    const report = await json<Report>(site, "", "from=2033-09-01&to=2033-09-01");
    expect(report.totals).toEqual({ visitors: accepted + 1, pageviews: accepted + 2, events: 0 });
  });

  it("take event ids named like object properties as ids like any other", { timeout: 30_000 }, async () => {
    const site = "quiet-ids.test";
    const A: Sender = { ip: "203.0.113.6" };
    const pageview = (path: string, id: string) => ({ n: "pageview", u: `https://${site}${path}`, d: site, id });
    expect((await postEventAt("2033-09-02T10:00:00Z", pageview("/", "abcdefgh1"), A)).status).toBe(202);
    expect((await postEventAt("2033-09-02T10:01:00Z", pageview("/a", "constructor"), A)).status).toBe(202);
    expect((await postEventAt("2033-09-02T10:02:00Z", pageview("/b", "__proto__"), A)).status).toBe(202);
    expect((await postEventAt("2033-09-02T10:03:00Z", pageview("/c", "toString"), A)).status).toBe(202);
    // A retry of one of them is still one hit.
    expect((await postEventAt("2033-09-02T10:04:00Z", pageview("/b", "__proto__"), A)).status).toBe(202);
    expect((await json<Report>(site, "", "from=2033-09-02&to=2033-09-02")).totals).toEqual({ visitors: 1, pageviews: 4, events: 0 });
  });
});
