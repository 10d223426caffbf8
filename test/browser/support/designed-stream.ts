/**
 * The dashboard test's designed stream for shop.test (test/fixtures/dashboard.config.json): six
 * visitors (one User-Agent each, all from 127.0.0.1), sent to the real collector. What the
 * dashboard must show is worked out by hand beside it.
 *
 * | visitor | arrives from                  | hits                                                      |
 * |---------|-------------------------------|-----------------------------------------------------------|
 * | 1       | google.com (organic_search)   | /, /products/shoe, add_to_cart, purchase 50 EUR          |
 * | 2       | google.com (organic_search)   | /, /products/shoe, add_to_cart                            |
 * | 3       | google.com (organic_search)   | /, /products/hat                                          |
 * | 4       | nothing (direct)              | /, newsletter_signup                                      |
 * | 5       | nothing (direct)              | /                                                         |
 * | 6       | utm_medium=email (email)      | /products/hat, add_to_cart, purchase 30 EUR               |
 */
export const SITE = "shop.test";
export const READ_TOKEN = "shop-test-read-token";

interface Hit {
  n: string;
  path: string;
  revenue?: { amount: number; currency: string };
}

const VISITORS: { referrer: string | null; query?: string; hits: Hit[] }[] = [
  {
    referrer: "https://www.google.com/",
    hits: [
      { n: "pageview", path: "/" },
      { n: "pageview", path: "/products/shoe" },
      { n: "add_to_cart", path: "/products/shoe" },
      { n: "purchase", path: "/checkout", revenue: { amount: 50, currency: "EUR" } },
    ],
  },
  {
    referrer: "https://www.google.com/",
    hits: [
      { n: "pageview", path: "/" },
      { n: "pageview", path: "/products/shoe" },
      { n: "add_to_cart", path: "/products/shoe" },
    ],
  },
  {
    referrer: "https://www.google.com/",
    hits: [
      { n: "pageview", path: "/" },
      { n: "pageview", path: "/products/hat" },
    ],
  },
  {
    referrer: null,
    hits: [
      { n: "pageview", path: "/" },
      { n: "newsletter_signup", path: "/" },
    ],
  },
  { referrer: null, hits: [{ n: "pageview", path: "/" }] },
  {
    referrer: null,
    query: "?utm_source=spring&utm_medium=email",
    hits: [
      { n: "pageview", path: "/products/hat" },
      { n: "add_to_cart", path: "/products/hat" },
      { n: "purchase", path: "/checkout", revenue: { amount: 30, currency: "EUR" } },
    ],
  },
];

/** By hand, from the table above. */
export const EXPECTED = {
  // Everyone.
  all: {
    visitors: 6,
    // 2 + 2 + 2 + 1 + 1 + 1
    pageviews: 9,
    // product_page x4 (visitors 1, 2, 3, 6), add_to_cart x3 (1, 2, 6), newsletter_signup x1 (4)
    micro: 8,
    // visitors 1, 2, 3, 4 and 6 of 6
    microRate: "83.3%",
    // purchases of visitors 1 and 6 of 6
    macro: 2,
    macroRate: "33.3%",
    revenue: "€80.00",
    // checkout: home (1-5), then a product page (1-3), add to cart (1, 2), purchase (1). Visitor 6
    // never saw the home page, so it never entered the funnel.
    funnel: ["5", "3", "2", "1"],
  },
  // Inside channel = organic_search: visitors 1-3.
  organic: {
    visitors: 3,
    pageviews: 6,
    macro: 1,
    revenue: "€50.00",
    funnel: ["3", "3", "2", "1"],
  },
};

/** Sends the stream to the collector at `origin`; throws unless every hit was recorded. */
export async function sendDesignedStream(origin: string): Promise<void> {
  for (const [index, visitor] of VISITORS.entries()) {
    const userAgent = `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.${index + 1}.0 Safari/537.36`;
    for (const [position, hit] of visitor.hits.entries()) {
      const url = `https://${SITE}${hit.path}${position === 0 ? (visitor.query ?? "") : ""}`;
      const referrer = position === 0 ? visitor.referrer : `https://${SITE}/`;
      const response = await fetch(`${origin}/api/event`, {
        method: "POST",
        headers: { "content-type": "text/plain", "user-agent": userAgent },
        body: JSON.stringify({ n: hit.n, u: url, d: SITE, r: referrer, ...(hit.revenue ? { $: hit.revenue } : {}) }),
      });
      const answer = (await response.json()) as { recorded?: string[] };
      if (response.status !== 202 || answer.recorded?.[0] !== SITE)
        throw new Error(`hit not recorded: ${response.status} ${JSON.stringify(answer)}`);
    }
  }
}
