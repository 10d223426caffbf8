import { exports } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { postEventAt, readJson, STATS_TOKEN, USER_AGENTS } from "../support/collector";

/**
 * Laws of the conversion analytics, checked on random streams of hits through the Worker and
 * the real Durable Object (shop.example, whose config has the checkout funnel):
 * - funnel step counts never increase;
 * - per-channel visitors add up to the total;
 * - figures inside a filter never exceed the unfiltered ones;
 * - the same visitors' hits interleaved in another order within a day give the same results.
 * Each run uses days of its own, so runs do not see each other's hits.
 */
const SITE = "shop.example";
const ACTIONS = [
  { n: "pageview", path: "/" },
  { n: "pageview", path: "/products/x" },
  { n: "pageview", path: "/products/y", variant: "A" },
  { n: "pageview", path: "/products/y", variant: "B" },
  { n: "search", path: "/search" },
  { n: "add_to_cart", path: "/products/x" },
  { n: "sign_up", path: "/register" },
  { n: "login", path: "/login" },
  { n: "newsletter_signup", path: "/" },
  { n: "purchase", path: "/checkout", revenue: true },
  { n: "engagement", path: "/products/x" },
] as const;
const REFERRERS = [undefined, "https://www.google.com/", "https://t.co/x", "https://news.example/post"] as const;
const DEVICES = [USER_AGENTS.windowsChrome, USER_AGENTS.iPhoneSafari] as const;

interface Visitor {
  referrer: number;
  device: number;
  actions: number[];
}
interface Hit {
  visitor: number;
  userAgent: string;
  body: Record<string, unknown>;
}

const visitorArbitrary = fc.record({
  referrer: fc.integer({ min: 0, max: REFERRERS.length - 1 }),
  device: fc.integer({ min: 0, max: DEVICES.length - 1 }),
  actions: fc.array(fc.integer({ min: 0, max: ACTIONS.length - 1 }), { minLength: 1, maxLength: 7 }),
});

function hitsOf(visitors: readonly Visitor[]): Hit[][] {
  return visitors.map((visitor, index) =>
    visitor.actions.map((actionIndex, position) => {
      const action = ACTIONS[actionIndex] ?? ACTIONS[0];
      const referrer = position === 0 ? REFERRERS[visitor.referrer] : undefined;
      return {
        visitor: index,
        userAgent: DEVICES[visitor.device] ?? USER_AGENTS.windowsChrome,
        body: {
          n: action.n,
          u: `https://${SITE}${action.path}`,
          d: SITE,
          ...(referrer ? { r: referrer } : {}),
          ...("variant" in action ? { p: { variant: action.variant } } : {}),
          ...("revenue" in action ? { $: { amount: 12.5, currency: "EUR" } } : {}),
          ...(action.n === "engagement" ? { sd: 60, e: 20_000 } : {}),
        },
      };
    }),
  );
}

/** Visitor by visitor, or interleaved by random priorities while keeping each visitor's own order. */
function interleave(perVisitor: readonly Hit[][], priorities: readonly number[]): Hit[] {
  let next = 0;
  const keyed = perVisitor.flatMap((hits) => {
    const keys = hits.map(() => priorities[next++ % priorities.length] ?? 0).sort((a, b) => a - b);
    return hits.map((hit, i) => ({ hit, key: keys[i] ?? 0, order: next + i }));
  });
  return keyed.sort((a, b) => a.key - b.key || a.order - b.order).map(({ hit }) => hit);
}

let dayCounter = 0;
const nextDay = () => new Date(Date.UTC(2032, 0, 1) + dayCounter++ * 2 * 86_400_000).toISOString().slice(0, 10);

/** Sends hits one a second from 10:00 on `day`, all within one hour and one visit per visitor. */
async function send(day: string, hits: readonly Hit[]): Promise<void> {
  for (const [i, hit] of hits.entries()) {
    const time = new Date(Date.parse(`${day}T10:00:00Z`) + i * 1_000).toISOString();
    const response = await postEventAt(time, hit.body, { ip: `198.51.100.${hit.visitor + 1}`, userAgent: hit.userAgent });
    expect(response.status).toBe(202);
  }
}

async function get<T>(day: string, endpoint: string, extra = ""): Promise<T> {
  const response = await exports.default.fetch(
    new Request(`https://collector.test/api/stats/${SITE}${endpoint}?from=${day}&to=${day}${extra}`, {
      headers: { authorization: `Bearer ${STATS_TOKEN}` },
    }),
  );
  expect(response.status).toBe(200);
  return readJson<T>(response);
}

interface MainReport {
  range: unknown;
  timeseries: { t: string }[];
  totals: { visitors: number; pageviews: number; events: number };
  conversions: { macro: { count: number; visitors: number }; micro: { count: number; visitors: number } };
  engagement: { visit_duration_s: number };
  breakdowns: Record<string, Record<string, unknown>[]>;
}

/** Every endpoint's answer for a day, without what names the day or depends on seconds between hits. */
async function everything(day: string): Promise<Record<string, unknown>> {
  const { range: _range, engagement, timeseries, breakdowns, ...main } = await get<MainReport>(day, "");
  const { visit_duration_s: _duration, ...engagementWithoutDuration } = engagement;
  // Entry pages, browsers and the other added dimensions carry their visits' durations too.
  const breakdownsWithoutDuration = Object.fromEntries(
    Object.entries(breakdowns).map(([dimension, rows]) => [dimension, rows.map(({ visit_duration_s: _d, ...row }) => row)]),
  );
  const points = timeseries.map(({ t: _t, ...point }) => point);
  const strip = async (endpoint: string, extra = "") => {
    const { range: _r, ...rest } = await get<Record<string, unknown>>(day, endpoint, extra);
    return rest;
  };
  return {
    main: { ...main, timeseries: points, engagement: engagementWithoutDuration, breakdowns: breakdownsWithoutDuration },
    funnels: await strip("/funnels"),
    funnelsOnHome: await strip("/funnels", "&page=/"),
    channels: await strip("/channels"),
    sources: await strip("/channels", "&by=source"),
    variants: await strip("/variants"),
    lift: await strip("/lift"),
  };
}

const FILTERS = [
  "channel=organic_search",
  "channel=direct",
  "page=/",
  "goal=purchase",
  "goal=add_to_cart",
  "source=google.com",
  "device=mobile",
  "variant=B",
  "country=(unknown)",
];

describe("laws of the conversion analytics on random streams", () => {
  // 40 random streams through the worker: 10 to 18 s idle, 18 to 30 s with both cores busy.
  it("hold for every stream", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(visitorArbitrary, { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer(), { minLength: 1, maxLength: 40 }),
        async (visitors, priorities) => {
          const perVisitor = hitsOf(visitors);
          const inOrder = perVisitor.flat();
          const shuffled = interleave(perVisitor, priorities);
          const [dayA, dayB] = [nextDay(), nextDay()];
          await send(dayA, inOrder);
          await send(dayB, shuffled);

          // Funnel step counts never increase, also inside page and goal filters, which never exceed them.
          const { funnels } = await get<{ funnels: { steps: { visitors: number }[] }[] }>(dayA, "/funnels");
          for (const filter of ["", "&page=/", "&goal=add_to_cart", "&page=/products/x&channel=organic_search"]) {
            const filtered = (await get<{ funnels: { steps: { visitors: number }[] }[] }>(dayA, "/funnels", filter)).funnels;
            filtered.forEach((funnel, f) => {
              funnel.steps.forEach((step, i) => {
                if (i > 0) expect(step.visitors).toBeLessThanOrEqual(funnel.steps[i - 1]?.visitors ?? 0);
                expect(step.visitors).toBeLessThanOrEqual(funnels[f]?.steps[i]?.visitors ?? 0);
              });
            });
          }

          // Per-channel visitors add up to the total.
          const main = await get<MainReport>(dayA, "");
          const { channels } = await get<{ channels: { visitors: number }[] }>(dayA, "/channels");
          expect(channels.reduce((sum, row) => sum + row.visitors, 0)).toBe(main.totals.visitors);
          // Every visitor counts once, except one whose only hits are engagement beacons (not a visit).
          const engagementIndex = ACTIONS.findIndex((action) => action.n === "engagement");
          expect(main.totals.visitors).toBe(
            visitors.filter((visitor) => visitor.actions.some((action) => action !== engagementIndex)).length,
          );

          // Filtered figures never exceed unfiltered ones.
          for (const filter of FILTERS) {
            const filtered = await get<MainReport>(dayA, "", `&${filter}`);
            for (const key of ["visitors", "pageviews", "events"] as const)
              expect(filtered.totals[key]).toBeLessThanOrEqual(main.totals[key]);
            for (const kind of ["macro", "micro"] as const) {
              expect(filtered.conversions[kind].count).toBeLessThanOrEqual(main.conversions[kind].count);
              expect(filtered.conversions[kind].visitors).toBeLessThanOrEqual(filtered.totals.visitors);
            }
          }

          // Another interleaving of the same visitors' hits gives the same figures.
          expect(await everything(dayB)).toEqual(await everything(dayA));
        },
      ),
      { numRuns: 40 },
    );
  }, 240_000);
});
