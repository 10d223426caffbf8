import { buildRecordedHit, type RecordedHit } from "../src/domain/ingest/recorded-hit";
import type { CompiledSite } from "../src/domain/site/site";

/**
 * Synthetic traffic for `npm run bench`'s long runs (BenchSiteStore.simulateDay): the same mix as the
 * HTTP load (80 % pageviews, 15 % micro, 5 % macro with revenue, 60 pages, several channels),
 * spread over a UTC day in time order. Deterministic, so runs compare.
 */
const PAGES = Array.from({ length: 60 }, (_, i) => (i === 0 ? "/" : i < 40 ? `/products/item-${i}` : `/blog/post-${i}`));
const REFERRERS = ["https://www.google.com/", "https://www.bing.com/", "https://t.co/x", "https://www.linkedin.com/", undefined];
const CAMPAIGNS = ["", "?utm_source=newsletter&utm_medium=email&utm_campaign=weekly", "?utm_source=google&utm_medium=cpc&gclid=x"];
const MICRO = ["add_to_cart", "search", "sign_up", "newsletter_signup", "File Download"];
const DEVICES = ["desktop", "mobile", "tablet"];
const COUNTRIES = ["DE", "FR", "SE", "US", "LT", "PL", "FI", "RS"];

export function simulatedHit(
  site: CompiledSite,
  index: number,
  hitsPerDay: number,
  visitorsPerDay: number,
  dayStart: number,
): { hit: RecordedHit; identity: { ip: string; userAgent: string } } {
  const visitor = (index * 7_919) % visitorsPerDay;
  const roll = index % 20;
  const page = PAGES[(index * 31) % PAGES.length] ?? "/";
  const name = roll < 16 ? "pageview" : roll < 19 ? (MICRO[index % MICRO.length] ?? "search") : "purchase";
  const query = roll < 16 ? (CAMPAIGNS[visitor % CAMPAIGNS.length] ?? "") : "";
  const hit = buildRecordedHit(
    site,
    {
      name,
      url: new URL(`https://${site.id}${name === "purchase" ? "/checkout" : page}${query}`),
      referrer: REFERRERS[visitor % REFERRERS.length],
      props: {},
      revenue: name === "purchase" ? { amount: 10 + (index % 90), currency: index % 2 ? "EUR" : "USD" } : null,
      scrollDepth: 0,
      engagedMs: 0,
      hashRouting: false,
    },
    {
      timestamp: dayStart + Math.floor((index / hitsPerDay) * 86_400_000),
      country: COUNTRIES[visitor % COUNTRIES.length] ?? "DE",
      device: DEVICES[visitor % DEVICES.length] ?? "desktop",
      region: "(unknown)",
      regionName: "",
      city: "(unknown)",
      browser: "Firefox",
      os: "Linux",
    },
  );
  return { hit, identity: { ip: `198.18.${visitor >> 8}.${visitor & 255}`, userAgent: `Mozilla/5.0 (bench visitor ${visitor % 3})` } };
}
