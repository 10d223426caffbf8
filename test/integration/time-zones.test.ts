import { describe, expect, it } from "vitest";
import { getStats, postEventAt, readJson } from "../support/collector";

/**
 * Each site counts its days from its own local midnight (test/fixtures/stepwise.config.json gives
 * each *.test site below its zone, a `signup` goal and a funnel / -> signup). Every instant here
 * is worked out by hand from the zone's rules; none is computed by the code under test.
 */
interface Report {
  range: { from: string; to: string; interval: string; timezone: string };
  totals: { visitors: number; pageviews: number; events: number };
  conversions: { micro: { count: number; visitors: number } };
  timeseries: { t: string; visitors: number; pageviews: number; micro: number }[];
}
interface Funnels {
  funnels: { name: string; steps: { visitors: number }[] }[];
}

const pageview = (site: string) => ({ n: "pageview", u: `https://${site}/`, d: site });
const signup = (site: string) => ({ n: "signup", u: `https://${site}/join`, d: site });
const send = async (iso: string, body: object, ip: string) => expect((await postEventAt(iso, body, { ip })).status).toBe(202);
const addMinutes = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000).toISOString();
const report = async (site: string, from: string, to = from, extra = "") =>
  readJson<Report>(await getStats(site, `from=${from}&to=${to}${extra}`));
const funnel = async (site: string, date: string) =>
  (await readJson<Funnels>(await getStats(`${site}/funnels`, `from=${date}&to=${date}`))).funnels[0]?.steps.map((step) => step.visitors);

describe("days start at each site's local midnight", () => {
  // The UTC instant at which 2026-11-30 begins in each zone (November: St John's -03:30, Chatham
  // +13:45 summer time, Lord Howe +11:00 summer time, Vilnius +02:00, New York -05:00).
  it.each([
    ["kolkata.test", "Asia/Kolkata", "2026-11-29T18:30:00Z", "+05:30"],
    ["kathmandu.test", "Asia/Kathmandu", "2026-11-29T18:15:00Z", "+05:45"],
    ["stjohns.test", "America/St_Johns", "2026-11-30T03:30:00Z", "-03:30"],
    ["chatham.test", "Pacific/Chatham", "2026-11-29T10:15:00Z", "+13:45"],
    ["vilnius.test", "Europe/Vilnius", "2026-11-29T22:00:00Z", "+02:00"],
    ["newyork.test", "America/New_York", "2026-11-30T05:00:00Z", "-05:00"],
    ["lordhowe.test", "Australia/Lord_Howe", "2026-11-29T13:00:00Z", "+11:00"],
  ])("%s (%s): counts, uniques, funnels and hour labels either side of midnight at %s", async (site, zone, midnight, offset) => {
    // A: the home page 10 minutes before midnight, signs up 10 minutes after (one visit across
    // midnight: a visitor on both days; the funnel starts over, so the sign-up is no step 2).
    await send(addMinutes(midnight, -10), pageview(site), "198.51.100.1");
    await send(addMinutes(midnight, 10), signup(site), "198.51.100.1");
    // B: home page 5 minutes after midnight, signs up at 20 minutes past: both funnel steps on day 2.
    await send(addMinutes(midnight, 5), pageview(site), "198.51.100.2");
    await send(addMinutes(midnight, 20), signup(site), "198.51.100.2");
    // C: the home page one minute before midnight only.
    await send(addMinutes(midnight, -1), pageview(site), "198.51.100.3");

    const first = await report(site, "2026-11-29");
    expect(first.range).toEqual({ from: "2026-11-29", to: "2026-11-29", interval: "day", timezone: zone });
    expect(first.totals).toEqual({ visitors: 2, pageviews: 2, events: 0 });
    expect(first.conversions.micro).toMatchObject({ count: 0, visitors: 0 });
    const second = await report(site, "2026-11-30");
    expect(second.totals).toEqual({ visitors: 2, pageviews: 1, events: 2 });
    expect(second.conversions.micro).toMatchObject({ count: 2, visitors: 2 });
    const both = await report(site, "2026-11-29", "2026-11-30");
    expect(both.timeseries.map((point) => [point.t, point.visitors, point.pageviews])).toEqual([
      ["2026-11-29", 2, 2],
      ["2026-11-30", 2, 1],
    ]);

    expect(await funnel(site, "2026-11-29")).toEqual([2, 0]);
    expect(await funnel(site, "2026-11-30")).toEqual([1, 1]);

    // Hours are the site's wall-clock hours, labelled with the offset.
    const hours = await report(site, "2026-11-30", "2026-11-30", "&interval=hour");
    expect(hours.timeseries).toHaveLength(24);
    expect(hours.timeseries[0]).toEqual({ t: `2026-11-30T00:00:00${offset}`, visitors: 2, pageviews: 1, macro: 0, micro: 2 });
    expect(hours.timeseries[23]?.t).toBe(`2026-11-30T23:00:00${offset}`);
    const evening = await report(site, "2026-11-29", "2026-11-29", "&interval=hour");
    expect(evening.timeseries[23]).toEqual({ t: `2026-11-29T23:00:00${offset}`, visitors: 2, pageviews: 2, macro: 0, micro: 0 });
  });
});

describe("days where the clocks change", () => {
  it("Europe/Vilnius, 2026-10-25: a 25-hour day; the repeated 03:00 hour is one bucket", async () => {
    const site = "vilnius.test";
    // The day runs from 2026-10-24T21:00Z (+03:00) to 2026-10-25T22:00Z (+02:00).
    await send("2026-10-24T20:55:00Z", pageview(site), "198.51.100.10"); // 23:55 on the 24th
    await send("2026-10-24T21:05:00Z", pageview(site), "198.51.100.11"); // 00:05
    await send("2026-10-25T00:30:00Z", pageview(site), "198.51.100.12"); // 03:30 +03:00
    await send("2026-10-25T01:30:00Z", pageview(site), "198.51.100.13"); // 03:30 again, +02:00
    await send("2026-10-25T21:55:00Z", pageview(site), "198.51.100.14"); // 23:55
    await send("2026-10-25T22:05:00Z", pageview(site), "198.51.100.15"); // 00:05 on the 26th
    const days = await report(site, "2026-10-24", "2026-10-26");
    expect(days.timeseries.map((point) => [point.t, point.pageviews, point.visitors])).toEqual([
      ["2026-10-24", 1, 1],
      ["2026-10-25", 4, 4],
      ["2026-10-26", 1, 1],
    ]);
    const hours = (await report(site, "2026-10-25", "2026-10-25", "&interval=hour")).timeseries;
    expect(hours).toHaveLength(24);
    expect(hours[3]).toMatchObject({ t: "2026-10-25T03:00:00+03:00", pageviews: 2 });
    expect(hours[4]?.t).toBe("2026-10-25T04:00:00+02:00");
    expect(hours[0]).toMatchObject({ t: "2026-10-25T00:00:00+03:00", pageviews: 1 });
    expect(hours[23]).toMatchObject({ t: "2026-10-25T23:00:00+02:00", pageviews: 1 });
  });

  it("America/New_York, 2026-03-08: a 23-hour day without a 02:00 hour", async () => {
    const site = "newyork.test";
    // The day runs from 2026-03-08T05:00Z (-05:00) to 2026-03-09T04:00Z (-04:00).
    await send("2026-03-08T04:55:00Z", pageview(site), "198.51.100.20"); // 23:55 on the 7th
    await send("2026-03-08T05:05:00Z", pageview(site), "198.51.100.21"); // 00:05
    await send("2026-03-08T07:05:00Z", pageview(site), "198.51.100.22"); // 03:05 -04:00, just after the jump
    await send("2026-03-09T03:55:00Z", pageview(site), "198.51.100.23"); // 23:55
    await send("2026-03-09T04:05:00Z", pageview(site), "198.51.100.24"); // 00:05 on the 9th
    const days = await report(site, "2026-03-07", "2026-03-09");
    expect(days.timeseries.map((point) => [point.t, point.pageviews])).toEqual([
      ["2026-03-07", 1],
      ["2026-03-08", 3],
      ["2026-03-09", 1],
    ]);
    const hours = (await report(site, "2026-03-08", "2026-03-08", "&interval=hour")).timeseries;
    expect(hours).toHaveLength(23);
    expect(hours.map((point) => point.t).slice(0, 3)).toEqual([
      "2026-03-08T00:00:00-05:00",
      "2026-03-08T01:00:00-05:00",
      "2026-03-08T03:00:00-04:00",
    ]);
    expect(hours[2]?.pageviews).toBe(1);
  });

  it("Australia/Lord_Howe, 2026-10-04: half an hour forward, a day of 23.5 hours", async () => {
    const site = "lordhowe.test";
    // The day runs from 2026-10-03T13:30Z (+10:30) to 2026-10-04T13:00Z (+11:00).
    await send("2026-10-03T13:25:00Z", pageview(site), "198.51.100.30"); // 23:55 on the 3rd
    await send("2026-10-03T13:35:00Z", pageview(site), "198.51.100.31"); // 00:05
    await send("2026-10-04T12:55:00Z", pageview(site), "198.51.100.32"); // 23:55
    await send("2026-10-04T13:05:00Z", pageview(site), "198.51.100.33"); // 00:05 on the 5th
    const days = await report(site, "2026-10-03", "2026-10-05");
    expect(days.timeseries.map((point) => [point.t, point.pageviews])).toEqual([
      ["2026-10-03", 1],
      ["2026-10-04", 2],
      ["2026-10-05", 1],
    ]);
    const hours = (await report(site, "2026-10-04", "2026-10-04", "&interval=hour")).timeseries;
    expect(hours).toHaveLength(24);
    expect(hours[0]?.t).toBe("2026-10-04T00:00:00+10:30");
    expect(hours[2]?.t).toBe("2026-10-04T02:00:00+11:00");
  });
});
