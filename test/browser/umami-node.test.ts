import { Umami } from "@umami/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CollectorProcess } from "./support/collector-process";

/**
 * `@umami/node` 0.4.0, Umami's server-side client, unmodified, sending to stepwise under
 * `wrangler dev` with the tests' fixture sites (test/fixtures/stepwise.config.json). It cannot
 * send a header of its own, so umami-node.example lists its address (127.0.0.1) in
 * `trustedSenders`: its timestamps are then honoured. It runs in Node, next to the browser tests
 * (the workers tests cannot run a Node client).
 */
const WEBSITE = "c9e7a5b3-1f2d-4e6c-8b0a-9d8c7b6a5f4e";

interface Report {
  totals: { visitors: number; pageviews: number; events: number };
  conversions: { macro: { count: number; revenue: Record<string, number> } };
  goals: { name: string; count: number }[];
  timeseries: { t: string; pageviews: number }[];
  breakdowns: Record<string, { value: string; pageviews?: number }[]>;
}

describe("@umami/node 0.4.0 against wrangler dev", () => {
  const collector = new CollectorProcess({ siteConfig: "test/fixtures/stepwise.config.json" });
  const statuses: number[] = [];
  const answers: unknown[] = [];
  // An hour ago, in whole seconds, as Umami dates hits.
  const anHourAgo = Math.floor(Date.now() / 1_000) - 3_600;
  let report: Report;

  beforeAll(async () => {
    await collector.start();
    const umami = new Umami({ hostUrl: collector.origin, websiteId: WEBSITE });
    for (const call of [
      () => umami.track({ url: "/pricing", hostname: "umami-node.example", title: "Pricing" }),
      () => umami.track("purchase", { revenue: 20, currency: "EUR", orderedAt: new Date() }),
      () => umami.identify({ plan: "pro" }),
      // Accepted by track's typing as any object: Umami's payload field `timestamp`.
      () => umami.track({ url: "/", timestamp: anHourAgo }),
    ]) {
      const response = await call();
      statuses.push(response.status);
      answers.push(await response.json());
    }
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const today = new Date().toISOString().slice(0, 10);
    report = await collector.stats<Report>("umami-node.example", "", `from=${yesterday}&to=${today}&interval=hour`);
  });

  afterAll(async () => {
    await collector.stop();
  });

  it("is answered 200 with the constant cache for each call", () => {
    expect(statuses).toEqual([200, 200, 200, 200]);
    expect(answers).toEqual([
      { cache: "stepwise", recorded: ["umami-node.example"], dropped: [] },
      { cache: "stepwise", recorded: ["umami-node.example"], dropped: [] },
      { cache: "stepwise", recorded: [], dropped: [] },
      { cache: "stepwise", recorded: ["umami-node.example"], dropped: [] },
    ]);
  });

  it("counts its pageviews and events, classified by the site's goals; identify counts nothing", () => {
    // One visitor, counted once per day: twice when the hit dated an hour back falls on yesterday
    // (a run between 00:00 and 01:00 UTC).
    const days = new Set([new Date(anHourAgo * 1_000).toISOString().slice(0, 10), new Date().toISOString().slice(0, 10)]).size;
    expect(report.totals).toEqual({ visitors: days, pageviews: 2, events: 1 });
    expect(Object.fromEntries(report.goals.map((goal) => [goal.name, goal.count]))).toEqual({ purchase: 1, "pricing page": 1 });
    expect(report.conversions.macro).toMatchObject({ count: 1, revenue: { EUR: 20 } });
  });

  it("counts a hit it dates when it happened, since its address is a trusted sender", () => {
    const hour = new Date(anHourAgo * 1_000).toISOString().slice(0, 13);
    const home = report.breakdowns.page?.find((row) => row.value === "/");
    expect(home).toMatchObject({ pageviews: 1 });
    const counted = report.timeseries.filter((point) => point.pageviews > 0).map((point) => point.t.slice(0, 13));
    expect(counted).toContain(hour);
  });
});
