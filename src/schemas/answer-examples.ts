import type { QueryAnswer } from "../domain/plausible/query-engine";
import type {
  ChannelsAnswer,
  EraseAnswer,
  FunnelsAnswer,
  HealthAnswer,
  IngestAnswer,
  LiftAnswer,
  RealtimeAnswer,
  ReportAnswer,
  SitesAnswer,
  VariantsAnswer,
} from "./answer-schemas";
import type { ErrorEnvelope } from "./error-schema";

/**
 * Examples of the OpenAPI document, the answers of docs/api.md: typed by the answer schemas, and
 * test/integration/openapi-answers.test.ts parses each with its schema, so none can go stale.
 */

const range = (from: string, to: string) => ({ from, to, interval: "day" as const, timezone: "UTC" });
const noRevenue = {};

export const EVENT_EXAMPLES = {
  beacon: {
    summary: "a purchase, short field names, as the tracker sends it",
    value: { n: "purchase", u: "https://shop.example/checkout", d: "shop.example", $: { amount: 49.9, currency: "EUR" } },
  },
  server: {
    summary: "a dated purchase from a trusted server-side sender, long field names",
    value: {
      name: "purchase",
      url: "https://shop.example/checkout",
      domain: "shop.example",
      revenue: { amount: "59.90", currency: "EUR" },
      ts: 1796000000000,
    },
  },
  engagement: {
    summary: "engagement: deepest scroll and engaged time of a page view",
    value: { n: "engagement", u: "https://shop.example/products/shoe", d: "shop.example", sd: 80, e: 30000 },
  },
};

export const INGEST_EXAMPLES: Record<string, { summary: string; value: IngestAnswer }> = {
  recorded: { summary: "recorded", value: { recorded: ["shop.example"], dropped: [] } },
  dropped: {
    summary: "dropped (header `Stepwise-Dropped: bot`)",
    value: { recorded: [], dropped: [{ site: "shop.example", reason: "bot" }] },
  },
};

export const REPORT_EXAMPLE: ReportAnswer = {
  site: "shop.example",
  range: range("2031-03-10", "2031-03-11"),
  totals: { visitors: 6, pageviews: 8, events: 6 },
  conversions: {
    macro: { count: 4, visitors: 3, conversion_rate: 0.5, revenue: { EUR: 150, USD: 50 } },
    micro: { count: 6, visitors: 4, conversion_rate: 0.6666666666666666 },
  },
  goals: [
    { name: "purchase", class: "macro", count: 4, visitors: 3, conversion_rate: 0.5, revenue: { EUR: 150, USD: 50 } },
    { name: "product_page", class: "micro", stage: "milestone", count: 4, visitors: 3, conversion_rate: 0.5, revenue: noRevenue },
    {
      name: "newsletter_signup",
      class: "micro",
      stage: "secondary",
      count: 1,
      visitors: 1,
      conversion_rate: 0.16666666666666666,
      revenue: noRevenue,
    },
  ],
  timeseries: [
    { t: "2031-03-10", visitors: 4, pageviews: 6, micro: 5, macro: 3 },
    { t: "2031-03-11", visitors: 2, pageviews: 2, micro: 1, macro: 1 },
  ],
  breakdowns: {
    channel: [
      {
        value: "organic_search",
        visitors: 2,
        pageviews: 3,
        micro: { count: 2, visitors: 1, conversion_rate: 0.5 },
        macro: { count: 1, visitors: 1, conversion_rate: 0.5, revenue: { EUR: 100 } },
      },
    ],
    page: [
      {
        value: "/checkout",
        visitors: 3,
        pageviews: 0,
        micro: { count: 0, visitors: 0, conversion_rate: 0 },
        macro: { count: 4, visitors: 3, conversion_rate: 1, revenue: { EUR: 150, USD: 50 } },
        scroll_depth: 80,
        engaged_s: 30,
      },
    ],
    source: [],
    campaign: [],
    country: [],
    device: [],
  },
  engagement: { visits: 6, pages_per_visit: 1.3333333333333333, visit_duration_s: 210, bounce_rate: 0.3333333333333333 },
  dropped: { bot: 1, hostname_mismatch: 1, do_not_track: 0, global_privacy_control: 0, rate_limited: 0 },
  other_hits: { page: 0, source: 0, campaign: 0, name: 0, goal: 0, variant: 0 },
  filters: {},
};

const step = (
  name: string,
  visitors: number,
  dropoff: number,
  dropoff_rate: number,
  conversion_rate: number,
  step_conversion_rate: number,
) => ({
  name,
  visitors,
  dropoff,
  dropoff_rate,
  conversion_rate,
  step_conversion_rate,
});

export const FUNNELS_EXAMPLE: FunnelsAnswer = {
  site: "shop.example",
  range: range("2031-04-01", "2031-04-01"),
  filters: {},
  funnels: [
    {
      name: "checkout",
      steps: [
        step("Home page", 6, 0, 0, 1, 1),
        step("Search", 5, 1, 0.16666666666666666, 0.8333333333333334, 0.8333333333333334),
        step("Product page", 3, 2, 0.4, 0.5, 0.6),
        step("Add to cart", 3, 0, 0, 0.5, 1),
        step("Register or log in", 2, 1, 0.3333333333333333, 0.3333333333333333, 0.6666666666666666),
        step("Purchase", 1, 1, 0.5, 0.16666666666666666, 0.5),
      ],
    },
  ],
};

export const CHANNELS_EXAMPLE: ChannelsAnswer = {
  site: "shop.example",
  range: range("2031-04-01", "2031-04-01"),
  filters: {},
  channels: [
    {
      channel: "direct",
      visitors: 4,
      micro: { count: 9, visitors: 3, conversion_rate: 0.75 },
      macro: { count: 0, visitors: 0, conversion_rate: 0, revenue: noRevenue },
    },
    {
      channel: "organic_search",
      visitors: 2,
      micro: { count: 7, visitors: 2, conversion_rate: 1 },
      macro: { count: 1, visitors: 1, conversion_rate: 0.5, revenue: { EUR: 60 } },
    },
  ],
};

export const VARIANTS_EXAMPLE: VariantsAnswer = {
  site: "ab.test",
  range: range("2031-04-03", "2031-04-03"),
  filters: {},
  variant_prop: "variant",
  variants: [
    { variant: "A", visitors: 10, goals: [{ name: "purchase", class: "macro", conversions: 2, visitors: 2, conversion_rate: 0.2 }] },
    { variant: "B", visitors: 10, goals: [{ name: "purchase", class: "macro", conversions: 5, visitors: 5, conversion_rate: 0.5 }] },
  ],
  comparisons: [
    {
      goal: "purchase",
      a: "A",
      b: "B",
      rate_a: 0.2,
      rate_b: 0.5,
      difference: 0.3,
      z: 1.4064216928154862,
      p_value: 0.15959894,
      significant: false,
    },
  ],
};

export const LIFT_EXAMPLE: LiftAnswer = {
  site: "lift.test",
  range: range("2031-04-02", "2031-04-02"),
  filters: {},
  lift: [
    {
      goal: "add_to_cart",
      stage: "milestone",
      completed: { visitors: 2, macro_visitors: 1, macro_rate: 0.5 },
      not_completed: { visitors: 4, macro_visitors: 2, macro_rate: 0.5 },
      lift: 1,
    },
    {
      goal: "newsletter_signup",
      stage: "secondary",
      completed: { visitors: 3, macro_visitors: 1, macro_rate: 0.3333333333333333 },
      not_completed: { visitors: 3, macro_visitors: 2, macro_rate: 0.6666666666666666 },
      lift: 0.5,
    },
  ],
};

export const REALTIME_EXAMPLE: RealtimeAnswer = { site: "shop.example", visitors: 11, window_s: 300 };

/** POST /api/v2/query, the aggregate of test/integration/plausible-api.test.ts. */
export const PLAUSIBLE_QUERY_EXAMPLE: QueryAnswer = {
  results: [{ dimensions: [], metrics: [5, 13] }],
  meta: {},
  query: {
    site_id: "plausible.test",
    metrics: ["visitors", "events"],
    date_range: ["2031-06-04T00:00:00+03:00", "2031-06-10T23:59:59+03:00"],
    filters: [],
    dimensions: [],
    order_by: [["visitors", "desc"]],
    include: {},
    pagination: { offset: 0, limit: 10000 },
  },
};

export const HEALTH_EXAMPLE: HealthAnswer = { status: "ok", sites: 2 };

export const SITES_EXAMPLE: SitesAnswer = {
  sites: [
    {
      id: "shop.example",
      timezone: "Europe/Berlin",
      shards: 1,
      goals: [
        { name: "purchase", class: "macro" },
        { name: "add_to_cart", class: "micro", stage: "milestone" },
      ],
      funnels: ["checkout"],
      properties: ["plan"],
      variant_prop: "variant",
      public: false,
    },
  ],
};

export const ERASE_EXAMPLE: EraseAnswer = { site: "shop.example", erased: true, shards: 1 };

export const ERROR_EXAMPLES: Record<string, { summary: string; value: ErrorEnvelope }> = {
  invalid_event: {
    summary: "an invalid event",
    value: {
      error: {
        code: "invalid_event",
        message: "The event has invalid fields.",
        issues: [{ field: "n", message: "name must not be empty" }],
      },
    },
  },
  invalid_query: {
    summary: "an invalid query",
    value: {
      error: {
        code: "invalid_query",
        message: "The query has invalid parameters.",
        issues: [{ field: "from", message: "must be a date as YYYY-MM-DD" }],
      },
    },
  },
  unauthorized: {
    summary: "no or a wrong token",
    value: { error: { code: "unauthorized", message: "Send a valid token as `Authorization: Bearer <token>`." } },
  },
};
