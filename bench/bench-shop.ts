import type { z } from "zod";
import type { siteConfigSchema } from "../src/schemas/site-config-schema";

type SiteConfigInput = z.input<typeof siteConfigSchema>;
type SiteInput = SiteConfigInput["sites"][number];

/**
 * The shop `npm run bench` measures: configured as a real shop would be, so ingest does the work
 * it does in production (goal matching, funnel progress, variants, micro-to-macro lift).
 * Its traffic is bench/simulated-traffic.ts.
 * Its allow-listed properties (`plan`, `category`, `type`) are what the traffic's events carry.
 */
export const BENCH_SHOP = {
  goals: [
    { name: "purchase", class: "macro", match: { event: "purchase" } },
    { name: "search", class: "micro", stage: "milestone", match: { event: "search" } },
    { name: "product_page", class: "micro", stage: "milestone", match: { path: "/products/**" } },
    { name: "add_to_cart", class: "micro", stage: "milestone", match: { event: "add_to_cart" } },
    { name: "begin_checkout", class: "micro", stage: "milestone", match: { event: "begin_checkout" } },
    { name: "sign_up", class: "micro", stage: "milestone", match: { event: "sign_up" } },
    { name: "login", class: "micro", stage: "milestone", match: { event: "login" } },
    { name: "newsletter_signup", class: "micro", stage: "secondary", match: { event: "newsletter_signup" } },
    { name: "file_download", class: "micro", stage: "secondary", match: { event: "File Download" } },
    { name: "outbound_link_click", class: "micro", stage: "secondary", match: { event: "Outbound Link: Click" } },
    { name: "read_a_guide", class: "micro", stage: "secondary", match: { path: "/blog/**", scroll: 75 } },
    { name: "engaged_30s", class: "micro", stage: "secondary", match: { engaged_seconds: 30 } },
  ],
  funnels: [
    {
      name: "checkout",
      steps: [
        { name: "Product page", path: "/products/**" },
        { name: "Add to cart", goal: "add_to_cart" },
        { name: "Begin checkout", goal: "begin_checkout" },
        { name: "Sign up or log in", goal: ["sign_up", "login"] },
        { name: "Purchase", goal: "purchase" },
      ],
      window_hours: 24,
    },
  ],
  variantProp: "variant",
  properties: ["plan", "category", "type"],
} satisfies Omit<SiteInput, "id">;

/**
 * The bench's sites, each the same shop in its own Durable Object, so that what one scenario
 * writes is not mixed with another's.
 */
export const BENCH_SITES = [
  "bench.example",
  "rows.example",
  "polled.example",
  "quiet.example",
  "longrun.example",
  "big.example",
  "year.example",
  "normal-day.example",
  "flood-unique.example",
  "flood-combos.example",
] as const;

/** The bench worker's stepwise.config.json (bench/wrangler.toml aliases the generated config to this). */
const benchConfig: SiteConfigInput = {
  $comment: "The bench shop (bench/bench-shop.ts) under each of the bench's site ids.",
  sites: BENCH_SITES.map((id) => ({ id, ...BENCH_SHOP })),
};
export default benchConfig;
