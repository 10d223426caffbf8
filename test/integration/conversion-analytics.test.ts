import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { postEventAt, readJson, type Sender, STATS_TOKEN, USER_AGENTS } from "../support/collector";

/**
 * Designed streams for the conversion-analytics endpoints. Every expected figure is worked out
 * by hand in the comments from the stream above it, never read back from the implementation.
 */
const stats = async <T>(site: string, endpoint: string, query: string): Promise<{ status: number; body: T }> => {
  const response = await exports.default.fetch(
    new Request(`https://collector.test/api/stats/${site}${endpoint}?${query}`, { headers: { authorization: `Bearer ${STATS_TOKEN}` } }),
  );
  return { status: response.status, body: await readJson<T>(response) };
};
const visitor = (n: number): Sender => ({ ip: `198.51.100.${n}`, userAgent: USER_AGENTS.windowsChrome, country: "SE" });

interface Rate {
  count: number;
  visitors: number;
  conversion_rate: number;
}
interface Report {
  totals: { visitors: number; pageviews: number; events: number };
  conversions: { macro: Rate & { revenue: Record<string, number> }; micro: Rate };
  goals: (Rate & { name: string })[];
}

/**
 * shop.example's `checkout` funnel (README): / -> search -> /products/* -> add_to_cart ->
 * sign_up or login -> purchase. Six visitors on 2031-04-01; V1 and V2 come from Google, the rest
 * are direct.
 */
const SHOP = "shop.example";
const on = (path: string, name = "pageview", extra: Record<string, unknown> = {}) => ({
  n: name,
  u: `https://${SHOP}${path}`,
  d: SHOP,
  ...extra,
});
const FUNNEL_STREAM: [string, unknown, number][] = [
  ["10:00", on("/", "pageview", { r: "https://www.google.com/" }), 1],
  ["10:01", on("/search", "search"), 1],
  ["10:02", on("/products/a"), 1],
  ["10:03", on("/products/a", "add_to_cart"), 1],
  ["10:04", on("/register", "sign_up"), 1],
  ["10:05", on("/checkout", "purchase", { $: { amount: 60, currency: "EUR" } }), 1], // V1: all 6 steps
  ["10:10", on("/", "pageview", { r: "https://www.google.com/" }), 2],
  ["10:11", on("/search", "search"), 2],
  ["10:12", on("/products/a"), 2],
  ["10:13", on("/products/a", "add_to_cart"), 2], //                                   V2: 4 steps
  ["10:20", on("/"), 3],
  ["10:21", on("/products/a"), 3], // product page before search: not step 3 yet
  ["10:22", on("/search", "search"), 3],
  ["10:23", on("/products/a", "add_to_cart"), 3], //                                   V3: 2 steps
  ["10:30", on("/search", "search"), 4], // search before the home page: not step 2
  ["10:31", on("/"), 4],
  ["10:32", on("/search", "search"), 4], //                                            V4: 2 steps
  ["10:40", on("/"), 5],
  ["10:41", on("/search", "search"), 5],
  ["10:42", on("/products/b"), 5],
  ["10:43", on("/products/b", "add_to_cart"), 5],
  ["10:44", on("/login", "login"), 5], //                                              V5: 5 steps
  ["10:50", on("/"), 6], //                                                            V6: 1 step
];

describe("funnels, channels and filters on shop.example", () => {
  beforeAll(async () => {
    for (const [time, body, who] of FUNNEL_STREAM)
      expect((await postEventAt(`2031-04-01T${time}:00Z`, body, visitor(who))).status).toBe(202);
  });
  const DAY = "from=2031-04-01&to=2031-04-01";

  it("counts visitors reaching each step in order, with dropoff and rates", async () => {
    const { body } = await stats<{ funnels: unknown[] }>(SHOP, "/funnels", DAY);
    // Home: all six. Search after it: V1 V2 V3 V4 V5 (V4's first search came before the home page).
    // Product page after that: V1 V2 V5 (V3 saw one only before searching). Add to cart: V1 V2 V5.
    // Sign up or log in: V1 V5. Purchase: V1.
    expect(body.funnels).toEqual([
      {
        name: "checkout",
        steps: [
          { name: "Home page", visitors: 6, dropoff: 0, dropoff_rate: 0, conversion_rate: 1, step_conversion_rate: 1 },
          { name: "Search", visitors: 5, dropoff: 1, dropoff_rate: 1 / 6, conversion_rate: 5 / 6, step_conversion_rate: 5 / 6 },
          { name: "Product page", visitors: 3, dropoff: 2, dropoff_rate: 2 / 5, conversion_rate: 3 / 6, step_conversion_rate: 3 / 5 },
          { name: "Add to cart", visitors: 3, dropoff: 0, dropoff_rate: 0, conversion_rate: 3 / 6, step_conversion_rate: 1 },
          { name: "Register or log in", visitors: 2, dropoff: 1, dropoff_rate: 1 / 3, conversion_rate: 2 / 6, step_conversion_rate: 2 / 3 },
          { name: "Purchase", visitors: 1, dropoff: 1, dropoff_rate: 1 / 2, conversion_rate: 1 / 6, step_conversion_rate: 1 / 2 },
        ],
      },
    ]);
  });

  const funnelSteps = async (query: string) =>
    (await stats<{ funnels: { steps: { visitors: number }[] }[] }>(SHOP, "/funnels", query)).body.funnels[0]?.steps.map(
      (step) => step.visitors,
    );

  it("filters funnels by channel, page and goal", async () => {
    // V1 and V2 only: 2 2 2 2 1 1.
    expect(await funnelSteps(`${DAY}&channel=organic_search`)).toEqual([2, 2, 2, 2, 1, 1]);
    // Visitors with a hit on /products/a that day: V1 (6 steps), V2 (4), V3 (2).
    expect(await funnelSteps(`${DAY}&page=/products/a`)).toEqual([3, 3, 2, 2, 1, 1]);
    // Visitors who logged in that day: V5 (5 steps).
    expect(await funnelSteps(`${DAY}&goal=login`)).toEqual([1, 1, 1, 1, 1, 0]);
    // Both at once, with a visitor-level filter: V1 and V2 on /products/a from search.
    expect(await funnelSteps(`${DAY}&page=/products/a&channel=organic_search`)).toEqual([2, 2, 2, 2, 1, 1]);
    const refused = await stats<{ error: { code: string } }>(SHOP, "/funnels", `${DAY}&page=/&goal=login`);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("unsupported_filter");
  });

  it("reports conversion by channel, attributed to the first hit of the visitor's day", async () => {
    const { body } = await stats<{ channels: unknown[] }>(SHOP, "/channels", DAY);
    expect(body.channels).toEqual([
      // V3 V4 V5 V6; micro: V3 (product page, search, add to cart), V4 (search x2), V5 (search, product page, add to cart, login).
      {
        channel: "direct",
        visitors: 4,
        micro: { count: 9, visitors: 3, conversion_rate: 3 / 4 },
        macro: { count: 0, visitors: 0, conversion_rate: 0, revenue: {} },
      },
      // V1 (search, product page, add to cart, sign up, purchase) and V2 (search, product page, add to cart).
      {
        channel: "organic_search",
        visitors: 2,
        micro: { count: 7, visitors: 2, conversion_rate: 1 },
        macro: { count: 1, visitors: 1, conversion_rate: 0.5, revenue: { EUR: 60 } },
      },
    ]);
  });

  it("gives the same breakdown by source and by campaign", async () => {
    const sources = await stats<{ sources: { source: string; visitors: number }[] }>(SHOP, "/channels", `${DAY}&by=source`);
    expect(sources.body.sources.map(({ source, visitors }) => ({ source, visitors }))).toEqual([
      { source: "(none)", visitors: 4 },
      { source: "google.com", visitors: 2 },
    ]);
    const campaigns = await stats<{ campaigns: { campaign: string; visitors: number }[] }>(SHOP, "/channels", `${DAY}&by=campaign`);
    expect(campaigns.body.campaigns.map(({ campaign, visitors }) => ({ campaign, visitors }))).toEqual([
      { campaign: "(none)", visitors: 6 },
    ]);
  });

  it("computes the main report's figures inside a filter", async () => {
    const search = await stats<Report>(SHOP, "", `${DAY}&channel=organic_search`);
    // V1 and V2: pageviews / and /products/a each; events: V1 4, V2 2.
    expect(search.body.totals).toEqual({ visitors: 2, pageviews: 4, events: 6 });
    expect(search.body.conversions.macro).toEqual({ count: 1, visitors: 1, conversion_rate: 0.5, revenue: { EUR: 60 } });

    const cart = await stats<Report>(SHOP, "", `${DAY}&goal=add_to_cart`);
    // Visitors reaching add_to_cart: V1 V2 V3 V5; inside the filter they all converted (micro).
    expect(cart.body.totals).toEqual({ visitors: 4, pageviews: 0, events: 4 });
    expect(cart.body.conversions.micro).toEqual({ count: 4, visitors: 4, conversion_rate: 1 });
    expect(cart.body.conversions.macro).toEqual({ count: 0, visitors: 0, conversion_rate: 0, revenue: {} });

    const home = await stats<Report>(SHOP, "", `${DAY}&page=/`);
    expect(home.body.totals).toEqual({ visitors: 6, pageviews: 6, events: 0 });
  });

  it("gives the same filtered funnels once the day is rolled up and its visitor rows are gone", async () => {
    // A hit two days later makes that day's salt, which rolls up 2031-04-01 and deletes its rows.
    await postEventAt("2031-04-03T08:00:00Z", on("/"), visitor(9));
    expect(await funnelSteps(`${DAY}&page=/products/a`)).toEqual([3, 3, 2, 2, 1, 1]);
    expect(await funnelSteps(`${DAY}&goal=login`)).toEqual([1, 1, 1, 1, 1, 0]);
    expect(await funnelSteps(`${DAY}&page=/products/a&channel=organic_search`)).toEqual([2, 2, 2, 2, 1, 1]);
    expect(await funnelSteps(DAY)).toEqual([6, 5, 3, 3, 2, 1]);
  });
});

/**
 * Lift on an unconfigured site (built-in taxonomy), 2031-04-02:
 * P1 purchase then newsletter; P2 newsletter; P3 add_to_cart then purchase; P4 purchase;
 * P5 nothing; P6 add_to_cart and newsletter.
 */
describe("micro-to-macro lift", () => {
  const LIFT = "lift.test";
  const hit = (path: string, name: string) => ({
    n: name,
    u: `https://${LIFT}${path}`,
    d: LIFT,
    ...(name === "purchase" ? { $: { amount: 10, currency: "EUR" } } : {}),
  });
  // P2 and P6 are on /blog; everyone else on /.
  const pathOf = (who: number) => (who === 2 || who === 6 ? "/blog" : "/");
  beforeAll(async () => {
    const stream: [string, string, number][] = [
      ["11:00", "pageview", 1],
      ["11:01", "purchase", 1],
      ["11:02", "newsletter_signup", 1],
      ["11:10", "pageview", 2],
      ["11:11", "newsletter_signup", 2],
      ["11:20", "pageview", 3],
      ["11:21", "add_to_cart", 3],
      ["11:22", "purchase", 3],
      ["11:30", "pageview", 4],
      ["11:31", "purchase", 4],
      ["11:40", "pageview", 5],
      ["11:50", "pageview", 6],
      ["11:51", "add_to_cart", 6],
      ["11:52", "newsletter_signup", 6],
    ];
    for (const [time, name, who] of stream) await postEventAt(`2031-04-02T${time}:00Z`, hit(pathOf(who), name), visitor(who));
  });

  it("compares the macro rate of visitors who completed each micro goal with those who did not", async () => {
    const { body } = await stats<{ lift: unknown[] }>(LIFT, "/lift", "from=2031-04-02&to=2031-04-02");
    // 6 visitors, 3 macro (P1 P3 P4).
    expect(body.lift).toEqual([
      // add_to_cart: P3 P6, of whom P3 bought: 1/2; the other 4 (P1 P2 P4 P5): P1 P4 bought, 2/4. Lift 1.
      {
        goal: "add_to_cart",
        stage: "milestone",
        completed: { visitors: 2, macro_visitors: 1, macro_rate: 0.5 },
        not_completed: { visitors: 4, macro_visitors: 2, macro_rate: 0.5 },
        lift: 1,
      },
      // newsletter: P1 (after buying) P2 P6: 1/3; others P3 P4 P5: 2/3. Lift 0.5.
      {
        goal: "newsletter_signup",
        stage: "secondary",
        completed: { visitors: 3, macro_visitors: 1, macro_rate: 1 / 3 },
        not_completed: { visitors: 3, macro_visitors: 2, macro_rate: 2 / 3 },
        lift: 0.5,
      },
    ]);
  });

  it("takes a goal filter as the row to show", async () => {
    const { body } = await stats<{ lift: { goal: string }[] }>(LIFT, "/lift", "from=2031-04-02&to=2031-04-02&goal=newsletter_signup");
    expect(body.lift.map((row) => row.goal)).toEqual(["newsletter_signup"]);
  });

  it("computes lift inside a page filter over the visitors with a hit on the page", async () => {
    const { body } = await stats<{ lift: unknown[] }>(LIFT, "/lift", "from=2031-04-02&to=2031-04-02&page=/");
    // On /: P1 P3 P4 P5, of whom P1 P3 P4 bought (3 of 4).
    expect(body.lift).toEqual([
      // add_to_cart: P3, who bought: 1/1; the others P1 P4 P5: 2/3. Lift 1.5.
      {
        goal: "add_to_cart",
        stage: "milestone",
        completed: { visitors: 1, macro_visitors: 1, macro_rate: 1 },
        not_completed: { visitors: 3, macro_visitors: 2, macro_rate: 2 / 3 },
        lift: 1.5,
      },
      // newsletter: P1, who bought: 1/1; the others P3 P4 P5: 2/3. Lift 1.5.
      {
        goal: "newsletter_signup",
        stage: "secondary",
        completed: { visitors: 1, macro_visitors: 1, macro_rate: 1 },
        not_completed: { visitors: 3, macro_visitors: 2, macro_rate: 2 / 3 },
        lift: 1.5,
      },
    ]);
  });
});

/** A/B test on an unconfigured site, 2031-04-03: 10 visitors see A (2 buy), 10 see B (5 buy), 3 see none (1 buys). */
describe("A/B variants", () => {
  const AB = "ab.test";
  beforeAll(async () => {
    let minute = 0;
    const time = () => `2031-04-03T12:${String(minute++).padStart(2, "0")}:00Z`;
    const groups: [string | null, number, number, number][] = [
      ["A", 10, 2, 0],
      ["B", 10, 5, 20],
      [null, 3, 1, 40],
    ];
    for (const [variant, size, buyers, offset] of groups) {
      for (let i = 0; i < size; i++) {
        const who = visitor(100 + offset + i);
        await postEventAt(time(), { n: "pageview", u: `https://${AB}/landing`, d: AB, ...(variant ? { p: { variant } } : {}) }, who);
        // The purchase carries no variant: it counts for the variant the visitor was shown.
        if (i < buyers)
          await postEventAt(time(), { n: "purchase", u: `https://${AB}/checkout`, d: AB, $: { amount: 5, currency: "EUR" } }, who);
      }
    }
  });

  it("reports visitors and conversions per variant and a two-proportion z-test per macro goal", async () => {
    const { body } = await stats<{ variants: unknown[]; comparisons: { z: number; p_value: number }[] }>(
      AB,
      "/variants",
      "from=2031-04-03&to=2031-04-03",
    );
    expect(body.variants).toEqual([
      { variant: "A", visitors: 10, goals: [{ name: "purchase", class: "macro", conversions: 2, visitors: 2, conversion_rate: 0.2 }] },
      { variant: "B", visitors: 10, goals: [{ name: "purchase", class: "macro", conversions: 5, visitors: 5, conversion_rate: 0.5 }] },
    ]);
    // Pooled p = 7/20 = 0.35; se = sqrt(0.35 * 0.65 * (1/10 + 1/10)) = sqrt(0.0455) = 0.2133073;
    // z = (0.5 - 0.2) / se = 1.4064217; two-sided p = erfc(z / sqrt 2) = 0.1595989: not significant.
    expect(body.comparisons).toHaveLength(1);
    expect(body.comparisons[0]).toMatchObject({ goal: "purchase", a: "A", b: "B", rate_a: 0.2, rate_b: 0.5, significant: false });
    expect(body.comparisons[0]?.z).toBeCloseTo(1.4064217, 6);
    expect(body.comparisons[0]?.p_value).toBeCloseTo(0.1595989, 6);
  });

  it("filters every figure to one variant", async () => {
    const { body } = await stats<Report>(AB, "", "from=2031-04-03&to=2031-04-03&variant=B");
    expect(body.totals.visitors).toBe(10);
    expect(body.conversions.macro).toEqual({ count: 5, visitors: 5, conversion_rate: 0.5, revenue: { EUR: 25 } });
  });
});

/** consulting.example: engagement thresholds as micro goals and funnel steps; variant prop "experiment". */
describe("engagement thresholds as goals and funnel steps", () => {
  const SITE = "consulting.example";
  const on = (path: string, name = "pageview", extra: Record<string, unknown> = {}) => ({
    n: name,
    u: `https://${SITE}${path}`,
    d: SITE,
    ...extra,
  });
  beforeAll(async () => {
    const first = visitor(201);
    await postEventAt("2031-04-04T09:00:00Z", on("/services/audit", "pageview", { p: { experiment: "hero-b" } }), first);
    await postEventAt("2031-04-04T09:02:00Z", on("/case-studies/acme"), first);
    await postEventAt("2031-04-04T09:05:00Z", on("/case-studies/acme", "engagement", { sd: 80, e: 40_000 }), first);
    await postEventAt("2031-04-04T09:06:00Z", on("/contact", "quote_request"), first);
    const second = visitor(202);
    await postEventAt("2031-04-04T10:00:00Z", on("/services"), second);
    await postEventAt("2031-04-04T10:03:00Z", on("/services", "engagement", { sd: 20, e: 45_000 }), second);
  });
  const DAY = "from=2031-04-04&to=2031-04-04";

  it("reaches a scroll goal on its pages and an engaged-time goal anywhere, first matching goal winning", async () => {
    const { body } = await stats<Report>(SITE, "", DAY);
    const goal = (name: string) => body.goals.find((row) => row.name === name);
    // First visitor: 80 % on a case study (the scroll goal comes first in the config). Second: 45 s on /services.
    expect(goal("Read a case study")).toMatchObject({ count: 1, visitors: 1 });
    expect(goal("Engaged 30 s")).toMatchObject({ count: 1, visitors: 1 });
    expect(goal("Services page")).toMatchObject({ count: 2, visitors: 2 });
    expect(goal("Quote request")).toMatchObject({ count: 1, visitors: 1, revenue: { EUR: 250 } });
    // Engagement reports are neither pageviews nor events.
    expect(body.totals).toEqual({ visitors: 2, pageviews: 3, events: 1 });
  });

  it("uses a threshold goal as a funnel step", async () => {
    const { body } = await stats<{ funnels: { name: string; steps: { visitors: number }[] }[] }>(SITE, "/funnels", DAY);
    expect(body.funnels.map((funnel) => ({ name: funnel.name, visitors: funnel.steps.map((step) => step.visitors) }))).toEqual([
      { name: "lead", visitors: [2, 1, 1] },
    ]);
  });

  it("reads the variant from the site's configured prop", async () => {
    const { body } = await stats<{ variant_prop: string; variants: { variant: string; visitors: number }[] }>(SITE, "/variants", DAY);
    expect(body.variant_prop).toBe("experiment");
    expect(body.variants.map(({ variant, visitors }) => ({ variant, visitors }))).toEqual([{ variant: "hero-b", visitors: 1 }]);
  });
});
