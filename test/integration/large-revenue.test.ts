import { describe, expect, it } from "vitest";
import { getStats, postEventAt, readJson } from "../support/collector";

/**
 * Ten purchases of 10^12 EUR on ten pages in one hour: 10^15 cents in all. Summed in millionths
 * this overflowed SQLite's 64-bit SUM and four endpoints answered 500; in cents it is exact.
 */
const SITE = "shop.example";
const DAY = "2031-03-04";

describe("revenue far beyond any real shop", () => {
  it("never breaks a report: every endpoint answers 200 with the exact sums", async () => {
    for (let i = 0; i < 10; i++) {
      const response = await postEventAt(
        `${DAY}T10:0${i}:00Z`,
        {
          n: "purchase",
          u: `https://${SITE}/checkout/${i}?utm_source=news&utm_campaign=c${i}`,
          d: SITE,
          $: { amount: 1e12, currency: "EUR" },
        },
        { ip: `198.51.100.${i + 1}` },
      );
      expect(response.status).toBe(202);
    }
    const total = 1e13;
    const range = `from=${DAY}&to=${DAY}`;
    const report = await readJson<{
      conversions: { macro: { count: number; revenue: Record<string, number> } };
      goals: { name: string; revenue: Record<string, number> }[];
      breakdowns: Record<string, { value: string; macro: { revenue: Record<string, number> } }[]>;
    }>(await getStats(SITE, range));
    expect(report.conversions.macro).toMatchObject({ count: 10, revenue: { EUR: total } });
    expect(report.goals.find((goal) => goal.name === "purchase")?.revenue).toEqual({ EUR: total });
    expect(report.breakdowns.page?.map((row) => row.macro.revenue.EUR)).toEqual(Array(10).fill(1e12));
    expect(report.breakdowns.source?.[0]?.macro.revenue).toEqual({ EUR: total });

    for (const query of ["", "&interval=hour", "&page=/checkout/3", "&goal=purchase", "&source=news"]) {
      expect((await getStats(SITE, `${range}${query}`)).status, query).toBe(200);
    }
    const perPage = await readJson<{ conversions: { macro: { revenue: Record<string, number> } } }>(
      await getStats(SITE, `${range}&page=/checkout/3`),
    );
    expect(perPage.conversions.macro.revenue).toEqual({ EUR: 1e12 });

    for (const endpoint of ["/funnels", "/channels", "/channels?by=source", "/channels?by=campaign", "/variants", "/lift"]) {
      const [path, by] = endpoint.split("?");
      const response = await getStats(`${SITE}${path}`, [range, by].filter(Boolean).join("&"));
      expect(response.status, endpoint).toBe(200);
    }
    const channels = await readJson<{ channels: { macro: { revenue: Record<string, number> } }[] }>(
      await getStats(`${SITE}/channels`, range),
    );
    expect(channels.channels.reduce((sum, row) => sum + (row.macro.revenue.EUR ?? 0), 0)).toBe(total);
  });
});
