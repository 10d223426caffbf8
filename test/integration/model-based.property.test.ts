import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { getStats, postEventAt, readJson, USER_AGENTS } from "../support/collector";

/**
 * Model-based test: random sequences of valid hits (a few visitors, pages, goals, revenue in two
 * currencies, engagement beacons, a clock moving by minutes to many hours, so across hours, days
 * and salt rotations) go to the collector and to the reference model below, written from the
 * definitions in docs/definitions.md. Every figure of the report must equal the model's.
 */
const NAMES = ["pageview", "pageview", "pageview", "add_to_cart", "newsletter_signup", "purchase", "clicked_banner", "engagement"] as const;
type Name = (typeof NAMES)[number];
const PAGES = ["/", "/shoes", "/blog/post"];
const SOURCES = [
  { referrer: undefined, channel: "direct", source: "(none)" },
  { referrer: "https://www.google.com/", channel: "organic_search", source: "google.com" },
  { referrer: "https://t.co/x", channel: "organic_social", source: "t.co" },
];
const CLASS: Record<Name, "macro" | "micro" | null> = {
  pageview: null,
  add_to_cart: "micro",
  newsletter_signup: "micro",
  purchase: "macro",
  clicked_banner: null,
  engagement: null,
};

interface Step {
  visitor: number;
  name: Name;
  page: number;
  minutes: number;
  amount: number;
  currency: "EUR" | "USD";
}

const stepArbitrary = fc.record({
  visitor: fc.integer({ min: 0, max: 4 }),
  name: fc.constantFrom(...NAMES),
  page: fc.integer({ min: 0, max: PAGES.length - 1 }),
  // Mostly minutes apart, sometimes many hours: visits end, days and salts turn.
  minutes: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 40 }), weight: 4 }, fc.integer({ min: 60, max: 2_000 })),
  amount: fc.integer({ min: 1, max: 500 }),
  currency: fc.constantFrom("EUR" as const, "USD" as const),
});

interface Rate {
  count: number;
  visitors: number;
  conversion_rate: number;
}
type Money = Record<string, number>;
interface Report {
  totals: { visitors: number; pageviews: number; events: number };
  conversions: { macro: Rate & { revenue: Money }; micro: Rate };
  goals: (Rate & { name: string; revenue: Money })[];
  timeseries: { t: string; visitors: number; pageviews: number; micro: number; macro: number }[];
  breakdowns: { channel: { value: string; visitors: number; pageviews: number; micro: Rate; macro: Rate & { revenue: Money } }[] };
}

/** The reference model: counts straight from the definitions, over the hits with their times. */
function model(hits: { step: Step; time: number }[], fromDay: number, toDay: number) {
  const day = (time: number) => Math.floor(time / 86_400_000);
  const key = (visitor: number, d: number) => `${visitor}@${d}`;
  // A visitor-day exists once the visitor sends anything but an engagement beacon that day.
  const visitorDays = new Set(hits.filter(({ step }) => step.name !== "engagement").map(({ step, time }) => key(step.visitor, day(time))));
  const converting = (kind: "macro" | "micro") =>
    new Set(hits.filter(({ step }) => CLASS[step.name] === kind).map(({ step, time }) => key(step.visitor, day(time))));
  const count = (predicate: (step: Step) => boolean) => hits.filter(({ step }) => predicate(step)).length;
  const revenue = (selected: { step: Step }[]) => {
    const sums: Money = {};
    for (const { step } of selected) if (step.name === "purchase") sums[step.currency] = (sums[step.currency] ?? 0) + step.amount;
    return sums;
  };
  const rate = (n: number, d: number) => (d === 0 ? 0 : n / d);
  const visitors = visitorDays.size;
  const macroVisitors = converting("macro").size;
  const microVisitors = converting("micro").size;
  const goal = (name: Name) => {
    const reached = new Set(hits.filter(({ step }) => step.name === name).map(({ step, time }) => key(step.visitor, day(time))));
    return { count: count((step) => step.name === name), visitors: reached.size, conversion_rate: rate(reached.size, visitors) };
  };
  const days = Array.from({ length: toDay - fromDay + 1 }, (_, i) => fromDay + i);
  const channels = SOURCES.map(({ channel }, sourceIndex) => {
    const mine = hits.filter(({ step }) => step.visitor % SOURCES.length === sourceIndex);
    const mineDays = [...visitorDays].filter((entry) => Number(entry.split("@")[0]) % SOURCES.length === sourceIndex).length;
    const conv = (kind: "macro" | "micro") =>
      new Set(mine.filter(({ step }) => CLASS[step.name] === kind).map(({ step, time }) => key(step.visitor, day(time)))).size;
    return {
      value: channel,
      visitors: mineDays,
      pageviews: mine.filter(({ step }) => step.name === "pageview").length,
      micro: {
        count: mine.filter(({ step }) => CLASS[step.name] === "micro").length,
        visitors: conv("micro"),
        conversion_rate: rate(conv("micro"), mineDays),
      },
      macro: {
        count: mine.filter(({ step }) => step.name === "purchase").length,
        visitors: conv("macro"),
        conversion_rate: rate(conv("macro"), mineDays),
        revenue: revenue(mine),
      },
    };
  }).filter((row) => row.visitors > 0 || row.pageviews > 0 || row.micro.count > 0 || row.macro.count > 0);
  return {
    totals: {
      visitors,
      pageviews: count((s) => s.name === "pageview"),
      events: count((s) => s.name !== "pageview" && s.name !== "engagement"),
    },
    conversions: {
      macro: {
        count: count((s) => s.name === "purchase"),
        visitors: macroVisitors,
        conversion_rate: rate(macroVisitors, visitors),
        revenue: revenue(hits),
      },
      micro: { count: count((s) => CLASS[s.name] === "micro"), visitors: microVisitors, conversion_rate: rate(microVisitors, visitors) },
    },
    goals: { purchase: goal("purchase"), add_to_cart: goal("add_to_cart"), newsletter_signup: goal("newsletter_signup") },
    timeseries: days.map((d) => {
      const today = hits.filter(({ time }) => day(time) === d);
      return {
        t: new Date(d * 86_400_000).toISOString().slice(0, 10),
        visitors: [...visitorDays].filter((entry) => entry.endsWith(`@${d}`)).length,
        pageviews: today.filter(({ step }) => step.name === "pageview").length,
        micro: today.filter(({ step }) => CLASS[step.name] === "micro").length,
        macro: today.filter(({ step }) => step.name === "purchase").length,
      };
    }),
    channels,
  };
}

let run = 0;

describe("model-based test of the report", () => {
  it("matches the reference model on random streams", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArbitrary, { minLength: 1, maxLength: 40 }), async (steps) => {
        const site = `model-${run++}.test`;
        let time = Date.parse("2033-01-01T22:00:00Z") + run * 20 * 86_400_000;
        const hits: { step: Step; time: number }[] = [];
        for (const step of steps) {
          time += step.minutes * 60_000;
          hits.push({ step, time });
          const source = SOURCES[step.visitor % SOURCES.length] ?? SOURCES[0];
          const body = {
            n: step.name,
            u: `https://${site}${PAGES[step.page] ?? "/"}`,
            d: site,
            ...(source?.referrer ? { r: source.referrer } : {}),
            ...(step.name === "purchase" ? { $: { amount: step.amount, currency: step.currency } } : {}),
            ...(step.name === "engagement" ? { sd: 40, e: 5_000 } : {}),
          };
          const sender = {
            ip: `198.51.100.${200 + step.visitor}`,
            userAgent: step.visitor % 2 ? USER_AGENTS.iPhoneSafari : USER_AGENTS.windowsChrome,
          };
          expect((await postEventAt(new Date(time).toISOString(), body, sender)).status).toBe(202);
        }
        const firstDay = Math.floor((hits[0]?.time ?? 0) / 86_400_000);
        const lastDay = Math.floor(time / 86_400_000);
        const from = new Date(firstDay * 86_400_000).toISOString().slice(0, 10);
        const to = new Date(lastDay * 86_400_000).toISOString().slice(0, 10);
        const report = await readJson<Report>(await getStats(site, `from=${from}&to=${to}`));
        const expected = model(hits, firstDay, lastDay);

        expect(report.totals).toEqual(expected.totals);
        expect(report.conversions).toEqual(expected.conversions);
        for (const [name, figures] of Object.entries(expected.goals)) {
          const row = report.goals.find((goal) => goal.name === name);
          if (figures.count === 0) expect(row).toBeUndefined();
          else expect(row).toMatchObject(figures);
        }
        expect(report.timeseries).toEqual(expected.timeseries);
        const channels = report.breakdowns.channel.map(({ value, visitors, pageviews, micro, macro }) => ({
          value,
          visitors,
          pageviews,
          micro,
          macro,
        }));
        expect(channels.sort((a, b) => a.value.localeCompare(b.value))).toEqual(
          expected.channels.sort((a, b) => a.value.localeCompare(b.value)),
        );
      }),
      { numRuns: 40 },
    );
  }, 180_000);
});
