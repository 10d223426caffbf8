/**
 * The traffic `npm run bench` sends (bench/run.mjs, over HTTP) and records in simulated days
 * (bench-site-store.ts): hits as a browser's tracker (or a shop's server) sends them to
 * POST /api/event, with who sent them. Pure and deterministic (seeded), so runs compare; no
 * imports, so run.mjs can bundle it on its own.
 *
 * The normal mix is visits of the bench shop (bench/bench-shop.ts): a visitor arrives from one of
 * seven channel families (UTM source, medium, campaign, content and term on campaign traffic),
 * from one of ~40 countries and ~80 cities, with one of ~40 real browser User-Agents, lands on a
 * page drawn Zipf-like from ~3,000, and then bounces (about half), browses, shops or logs in:
 * pageviews, an engagement hit after most of them (scroll depth, engaged time), custom events
 * with props (search, add to cart, sign-up with a plan, downloads, outbound clicks), and
 * purchases with revenue. A third of visitors are shown each arm of an A/B test. Custom events
 * (about 7 % of hits) come from the shop's server and carry an event id. A visitor makes about
 * five hits in a day (half of them pageviews, 40 % engagement).
 *
 * The flood mixes are what a hostile or broken client sends: fresh values on every hit (pages,
 * campaigns, event names, variants, prop values), or values that each stay under the daily caps
 * but combine freshly on every hit.
 */

/** The body of POST /api/event, with the short field names Plausible's tracker uses. */
export interface WireEvent {
  n: string;
  u: string;
  d: string;
  r?: string;
  p?: Record<string, string>;
  $?: { amount: number; currency: string };
  sd?: number;
  e?: number;
  id?: string;
}

/** Cloudflare's request geolocation (`request.cf`), as much of it as stepwise reads or may read. */
export interface BenchGeolocation {
  country: string;
  region: string;
  regionCode: string;
  city: string;
  timezone: string;
}

/** One hit as sent: its body, the visitor's address and User-Agent, and where Cloudflare places it. */
export interface SimulatedRequest {
  body: WireEvent;
  ip: string;
  userAgent: string;
  geo: BenchGeolocation;
}

/**
 * The bench-only request header carrying a hit's geolocation to the bench worker, which turns it
 * into `request.cf` (bench/bench-worker.ts); production has no such header.
 */
export const GEO_HEADER = "x-bench-geo";

export function encodeGeolocation(geo: BenchGeolocation): string {
  return [geo.country, geo.region, geo.regionCode, geo.city, geo.timezone].map(encodeURIComponent).join("|");
}

export function decodeGeolocation(header: string): BenchGeolocation | null {
  const parts = header.split("|").map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return "";
    }
  });
  const [country = "", region = "", regionCode = "", city = "", timezone = ""] = parts;
  return parts.length === 5 && /^[A-Z]{2}$/.test(country) ? { country, region, regionCode, city, timezone } : null;
}

/** mulberry32: a small seeded generator, so every run sends the same traffic. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A seed from a text (FNV-1a), e.g. a site id and a day. */
export function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const chance = (random: Random, p: number) => random() < p;
const between = (random: Random, low: number, high: number) => low + Math.floor(random() * (high - low + 1));

/** Draws items by weight (cumulative table, binary search). */
class Weighted<T> {
  private readonly cumulative: number[] = [];
  private total = 0;

  constructor(
    private readonly items: readonly T[],
    weightOf: (item: T, index: number) => number,
  ) {
    items.forEach((item, index) => {
      this.total += weightOf(item, index);
      this.cumulative.push(this.total);
    });
  }

  draw(random: Random): T {
    const target = random() * this.total;
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.cumulative[middle] ?? 0) <= target) low = middle + 1;
      else high = middle;
    }
    return this.items[low] as T;
  }
}

/** Zipf-like: the item of rank r (1-based) is drawn with weight 1 / r^1.05. */
const zipf = <T>(items: readonly T[]) => new Weighted(items, (_, index) => 1 / (index + 1) ** 1.05);

// Pages: ~3,000 paths of a shop with a blog and a help centre.
// biome-ignore format: a table
const CATEGORIES = [
  "shoes", "boots", "sandals", "jackets", "coats", "shirts", "t-shirts", "jeans", "trousers", "shorts",
  "dresses", "skirts", "knitwear", "hoodies", "socks", "bags", "backpacks", "wallets", "belts", "hats",
  "scarves", "gloves", "watches", "sunglasses", "jewellery", "sportswear", "swimwear", "underwear", "sleepwear", "kids",
  "baby", "home", "candles", "mugs", "posters", "stationery", "gift-cards", "outdoor", "running", "yoga",
];
const ADJECTIVES = ["classic", "organic", "merino", "recycled", "linen", "vintage", "slim", "relaxed", "waterproof", "lightweight"];
const BLOG_TOPICS = [
  "care-guide",
  "size-guide",
  "styling",
  "behind-the-seams",
  "sustainability",
  "gift-ideas",
  "trail-report",
  "maker-story",
];
const HELP_TOPICS = ["returns", "shipping", "payment", "sizing", "warranty", "account", "orders", "gift-cards", "vouchers", "repairs"];
const AUTHORS = ["ana", "ben", "chidi", "dora", "emil", "farah", "goran", "hana", "ines", "jonas", "kai", "lea"];
const PLANS = ["free", "plus", "pro", "team"];

const PRODUCTS = Array.from({ length: 2_200 }, (_, i) => {
  const category = CATEGORIES[i % CATEGORIES.length] ?? "shoes";
  return {
    path: `/products/${category}/${ADJECTIVES[(i * 7) % ADJECTIVES.length]}-${category}-${1_000 + i}`,
    category,
    sku: `SKU-${10_000 + i}`,
  };
});
const CATEGORY_PAGES = CATEGORIES.map((category) => `/c/${category}`);
const BLOG_POSTS = Array.from({ length: 600 }, (_, i) => ({
  path: `/blog/${2019 + (i % 7)}/${BLOG_TOPICS[i % BLOG_TOPICS.length]}-${i + 1}`,
  author: AUTHORS[(i * 5) % AUTHORS.length] ?? "ana",
  category: BLOG_TOPICS[i % BLOG_TOPICS.length] ?? "styling",
}));
const HELP_PAGES = Array.from({ length: 160 }, (_, i) => `/help/${HELP_TOPICS[i % HELP_TOPICS.length]}/${i + 1}`);
const STATIC_PAGES = ["/", "/sale", "/new-in", "/about", "/contact", "/stores", "/careers", "/press", "/search", "/cart", "/account"];

/** Every page a visit can land on, in Zipf rank order (the home page and the sale first, then interleaved). */
const LANDING_PAGES: readonly string[] = (() => {
  const pages = ["/", "/sale", "/new-in"];
  const longest = Math.max(PRODUCTS.length, BLOG_POSTS.length);
  for (let i = 0; i < longest; i++) {
    if (i < CATEGORY_PAGES.length) pages.push(CATEGORY_PAGES[i] ?? "/");
    if (i < PRODUCTS.length) pages.push(PRODUCTS[i]?.path ?? "/");
    if (i < BLOG_POSTS.length && i % 2 === 0) pages.push(BLOG_POSTS[i]?.path ?? "/");
    if (i < HELP_PAGES.length && i % 3 === 0) pages.push(HELP_PAGES[i] ?? "/");
    if (i < BLOG_POSTS.length && i % 2 === 1) pages.push(BLOG_POSTS[i]?.path ?? "/");
    if (i < HELP_PAGES.length && i % 3 !== 0) pages.push(HELP_PAGES[i] ?? "/");
  }
  pages.push(...STATIC_PAGES.slice(3));
  return pages;
})();
/** How many distinct pages the normal mix can send. */
export const PAGE_COUNT = new Set(LANDING_PAGES).size;
const landingPages = zipf(LANDING_PAGES);
const products = zipf(PRODUCTS);
const blogPosts = zipf(BLOG_POSTS);
const helpPages = zipf(HELP_PAGES);
const categoryPages = zipf(CATEGORY_PAGES);

// Where Cloudflare places visitors: country weight, then one of its cities.
// biome-ignore format: a table
const GEO: readonly [country: string, weight: number, cities: readonly [region: string, regionCode: string, city: string, timezone: string][]][] = [
  ["DE", 18, [["Bavaria", "BY", "Munich", "Europe/Berlin"], ["Berlin", "BE", "Berlin", "Europe/Berlin"], ["Hamburg", "HH", "Hamburg", "Europe/Berlin"], ["North Rhine-Westphalia", "NW", "Cologne", "Europe/Berlin"]]],
  ["US", 14, [["California", "CA", "San Francisco", "America/Los_Angeles"], ["New York", "NY", "New York", "America/New_York"], ["Texas", "TX", "Austin", "America/Chicago"], ["Illinois", "IL", "Chicago", "America/Chicago"], ["Washington", "WA", "Seattle", "America/Los_Angeles"]]],
  ["GB", 9, [["England", "ENG", "London", "Europe/London"], ["England", "ENG", "Manchester", "Europe/London"], ["Scotland", "SCT", "Edinburgh", "Europe/London"]]],
  ["FR", 7, [["Île-de-France", "IDF", "Paris", "Europe/Paris"], ["Auvergne-Rhône-Alpes", "ARA", "Lyon", "Europe/Paris"], ["Occitanie", "OCC", "Toulouse", "Europe/Paris"]]],
  ["NL", 5, [["North Holland", "NH", "Amsterdam", "Europe/Amsterdam"], ["South Holland", "ZH", "Rotterdam", "Europe/Amsterdam"]]],
  ["AT", 4, [["Vienna", "9", "Vienna", "Europe/Vienna"], ["Salzburg", "5", "Salzburg", "Europe/Vienna"]]],
  ["CH", 4, [["Zurich", "ZH", "Zürich", "Europe/Zurich"], ["Geneva", "GE", "Geneva", "Europe/Zurich"]]],
  ["SE", 3, [["Stockholm County", "AB", "Stockholm", "Europe/Stockholm"], ["Västra Götaland", "O", "Gothenburg", "Europe/Stockholm"]]],
  ["PL", 3, [["Mazovia", "14", "Warsaw", "Europe/Warsaw"], ["Lesser Poland", "12", "Kraków", "Europe/Warsaw"]]],
  ["IT", 3, [["Lombardy", "25", "Milan", "Europe/Rome"], ["Lazio", "62", "Rome", "Europe/Rome"]]],
  ["ES", 3, [["Madrid", "MD", "Madrid", "Europe/Madrid"], ["Catalonia", "CT", "Barcelona", "Europe/Madrid"]]],
  ["BE", 2, [["Brussels Capital", "BRU", "Brussels", "Europe/Brussels"], ["Flanders", "VLG", "Antwerp", "Europe/Brussels"]]],
  ["DK", 2, [["Capital Region", "84", "Copenhagen", "Europe/Copenhagen"]]],
  ["NO", 2, [["Oslo", "03", "Oslo", "Europe/Oslo"]]],
  ["FI", 2, [["Uusimaa", "18", "Helsinki", "Europe/Helsinki"], ["Pirkanmaa", "11", "Tampere", "Europe/Helsinki"]]],
  ["LT", 1, [["Vilnius County", "VL", "Vilnius", "Europe/Vilnius"], ["Kaunas County", "KU", "Kaunas", "Europe/Vilnius"]]],
  ["CZ", 2, [["Prague", "10", "Prague", "Europe/Prague"], ["South Moravian", "64", "Brno", "Europe/Prague"]]],
  ["IE", 1, [["Leinster", "L", "Dublin", "Europe/Dublin"]]],
  ["PT", 1, [["Lisbon", "11", "Lisbon", "Europe/Lisbon"], ["Porto", "13", "Porto", "Europe/Lisbon"]]],
  ["CA", 3, [["Ontario", "ON", "Toronto", "America/Toronto"], ["British Columbia", "BC", "Vancouver", "America/Vancouver"], ["Quebec", "QC", "Montreal", "America/Toronto"]]],
  ["AU", 2, [["New South Wales", "NSW", "Sydney", "Australia/Sydney"], ["Victoria", "VIC", "Melbourne", "Australia/Melbourne"]]],
  ["NZ", 1, [["Auckland", "AUK", "Auckland", "Pacific/Auckland"]]],
  ["JP", 2, [["Tokyo", "13", "Tokyo", "Asia/Tokyo"], ["Osaka", "27", "Osaka", "Asia/Tokyo"]]],
  ["KR", 1, [["Seoul", "11", "Seoul", "Asia/Seoul"]]],
  ["SG", 1, [["Singapore", "01", "Singapore", "Asia/Singapore"]]],
  ["IN", 2, [["Karnataka", "KA", "Bengaluru", "Asia/Kolkata"], ["Maharashtra", "MH", "Mumbai", "Asia/Kolkata"], ["Delhi", "DL", "New Delhi", "Asia/Kolkata"]]],
  ["BR", 2, [["São Paulo", "SP", "São Paulo", "America/Sao_Paulo"], ["Rio de Janeiro", "RJ", "Rio de Janeiro", "America/Sao_Paulo"]]],
  ["MX", 1, [["Mexico City", "CMX", "Mexico City", "America/Mexico_City"]]],
  ["AR", 1, [["Buenos Aires", "C", "Buenos Aires", "America/Argentina/Buenos_Aires"]]],
  ["ZA", 1, [["Gauteng", "GP", "Johannesburg", "Africa/Johannesburg"], ["Western Cape", "WC", "Cape Town", "Africa/Johannesburg"]]],
  ["NG", 1, [["Lagos", "LA", "Lagos", "Africa/Lagos"]]],
  ["KE", 1, [["Nairobi County", "30", "Nairobi", "Africa/Nairobi"]]],
  ["EG", 1, [["Cairo", "C", "Cairo", "Africa/Cairo"]]],
  ["TR", 1, [["Istanbul", "34", "Istanbul", "Europe/Istanbul"]]],
  ["IL", 1, [["Tel Aviv", "TA", "Tel Aviv", "Asia/Jerusalem"]]],
  ["AE", 1, [["Dubai", "DU", "Dubai", "Asia/Dubai"]]],
  ["UA", 1, [["Kyiv City", "30", "Kyiv", "Europe/Kyiv"], ["Lviv Oblast", "46", "Lviv", "Europe/Kyiv"]]],
  ["RS", 1, [["Belgrade", "00", "Belgrade", "Europe/Belgrade"]]],
  ["GR", 1, [["Attica", "I", "Athens", "Europe/Athens"]]],
  ["HU", 1, [["Budapest", "BU", "Budapest", "Europe/Budapest"]]],
  ["RO", 1, [["Bucharest", "B", "Bucharest", "Europe/Bucharest"]]],
  ["EE", 1, [["Harju County", "37", "Tallinn", "Europe/Tallinn"]]],
  ["LV", 1, [["Riga", "RIX", "Riga", "Europe/Riga"]]],
  ["ID", 1, [["Jakarta", "JK", "Jakarta", "Asia/Jakarta"]]],
  ["PH", 1, [["Metro Manila", "00", "Manila", "Asia/Manila"]]],
];
const countries = new Weighted(GEO, ([, weight]) => weight);
/** How many countries and cities the normal mix places visitors in. */
export const COUNTRY_COUNT = GEO.length;
export const CITY_COUNT = GEO.reduce((sum, [, , cities]) => sum + cities.length, 0);

// Real browser User-Agents (none a bot), with the share of visitors each has.
// biome-ignore format: a table
const AGENTS: readonly [weight: number, userAgent: string][] = [
  [14, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"],
  [6, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"],
  [5, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"],
  [4, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"],
  [1, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0"],
  [1, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 YaBrowser/24.12.0.0 Safari/537.36"],
  [1, "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36"],
  [7, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15"],
  [6, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"],
  [2, "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:133.0) Gecko/20100101 Firefox/133.0"],
  [1, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"],
  [1, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15"],
  [1, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"],
  [1, "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"],
  [1, "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0"],
  [1, "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"],
  [12, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"],
  [5, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1"],
  [2, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1"],
  [1, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15"],
  [1, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 356.0.0.41.89 (iPhone14,5; iOS 18_0; en_US; en; scale=3.00; 1170x2532)"],
  [10, "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"],
  [3, "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36"],
  [2, "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36"],
  [1, "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"],
  [1, "Mozilla/5.0 (Linux; Android 13; M2101K6G) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 OPR/86.0.0.0"],
  [1, "Mozilla/5.0 (Linux; U; Android 12; en-US; RMX3630 Build/SP1A.210812.016) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/100.0.4896.58 UCBrowser/13.6.0.1318 Mobile Safari/537.36"],
  [1, "Mozilla/5.0 (Linux; Android 14; 23049PCD8G) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 XiaoMi/MiuiBrowser/14.22.0-gn"],
  [1, "Mozilla/5.0 (Linux; Android 14; SM-A546B Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.39 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/490.0.0.57.108;]"],
  [2, "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"],
  [1, "Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1"],
  [1, "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"],
  [1, "Mozilla/5.0 (Linux; Android 13; Lenovo TB-X606F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"],
  [1, "Mozilla/5.0 (Linux; Android 11; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/131.2.1 like Chrome/131.0.6778.85 Safari/537.36"],
  [1, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Vivaldi/7.0.3495.18"],
  [1, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"],
  [1, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0"],
  [1, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0 Herring/97.1.8280.81"],
];
const agents = new Weighted(AGENTS, ([weight]) => weight);
/** How many User-Agents the normal mix sends. */
export const USER_AGENT_COUNT = AGENTS.length;
/** Every User-Agent the mixes send (test/bench checks that none is taken for a bot). */
export const USER_AGENTS: readonly string[] = AGENTS.map(([, userAgent]) => userAgent);

/** How a visit arrives: its referrer and the query string of its landing URL. */
interface Arrival {
  referrer?: string;
  query: string;
}
// biome-ignore format: a table
const SEARCH_REFERRERS = [
  "https://www.google.com/", "https://www.google.de/", "https://www.google.fr/", "https://www.google.co.uk/", "https://www.google.nl/",
  "https://www.bing.com/", "https://duckduckgo.com/", "https://www.ecosia.org/", "https://search.yahoo.com/", "https://search.brave.com/",
];
// biome-ignore format: a table
const SOCIAL_REFERRERS = [
  "https://l.facebook.com/", "https://m.facebook.com/", "https://l.instagram.com/", "https://t.co/", "https://www.linkedin.com/",
  "https://www.reddit.com/", "https://www.pinterest.com/", "https://www.youtube.com/", "https://bsky.app/",
];
const REFERRAL_HOSTS = Array.from({ length: 60 }, (_, i) => `https://${["blog", "www", "news", "forum"][i % 4]}.site-${i + 1}.example/`);
const EMAIL_CAMPAIGNS = [
  "weekly-2026-44",
  "weekly-2026-45",
  "weekly-2026-46",
  "weekly-2026-47",
  "black-friday",
  "cyber-monday",
  "winter-sale",
  "welcome-series",
  "back-in-stock",
  "abandoned-cart",
];
const EMAIL_CONTENT = ["hero", "header-link", "product-grid", "footer", "cta-button"];
const PAID_CAMPAIGNS = ["brand", "generic-shoes", "generic-jackets", "shopping-feed", "remarketing", "competitors"];
const SEARCH_TERMS = Array.from(
  { length: 40 },
  (_, i) => `${ADJECTIVES[i % ADJECTIVES.length]} ${CATEGORIES[(i * 3) % CATEGORIES.length]}`,
);
const SOCIAL_CAMPAIGNS = ["autumn-lookbook", "ugc-reels", "retargeting-30d", "launch-running"];
const AD_CONTENT = ["video-a", "video-b", "carousel", "static-1", "static-2"];

function arrivalOf(random: Random): Arrival {
  const roll = random();
  if (roll < 0.28) return { query: "" };
  if (roll < 0.62) return { referrer: pick(random, SEARCH_REFERRERS), query: "" };
  if (roll < 0.72) return { referrer: pick(random, SOCIAL_REFERRERS), query: "" };
  if (roll < 0.8) return { referrer: pick(random, REFERRAL_HOSTS), query: "" };
  if (roll < 0.87) {
    const campaign = pick(random, EMAIL_CAMPAIGNS);
    return { query: `?utm_source=newsletter&utm_medium=email&utm_campaign=${campaign}&utm_content=${pick(random, EMAIL_CONTENT)}` };
  }
  if (roll < 0.96) {
    const term = encodeURIComponent(pick(random, SEARCH_TERMS));
    const clickId = `gclid=Cj0KCQiA${Math.floor(random() * 1e12).toString(36)}`;
    return {
      referrer: "https://www.google.com/",
      query: `?utm_source=google&utm_medium=cpc&utm_campaign=${pick(random, PAID_CAMPAIGNS)}&utm_term=${term}&${clickId}`,
    };
  }
  const clickId = `fbclid=IwAR${Math.floor(random() * 1e12).toString(36)}`;
  return {
    referrer: "https://l.facebook.com/",
    query: `?utm_source=facebook&utm_medium=paid_social&utm_campaign=${pick(random, SOCIAL_CAMPAIGNS)}&utm_content=${pick(random, AD_CONTENT)}&${clickId}`,
  };
}

/** The arms of the shop's A/B test on product pages and checkout (its variant prop). */
const VARIANTS = ["control", "gallery-first", "reviews-first"];

interface Visitor {
  index: number;
  ip: string;
  userAgent: string;
  geo: BenchGeolocation;
  arrival: Arrival;
  variant: string;
}

/**
 * A visitor's address: IPv4 from 198.18.0.0/15 (the benchmarking range, 131,072 addresses) or,
 * for one in four, IPv6 from 2001:db8::/32; distinct for every visitor of a mix. `offset` keeps
 * mixes apart.
 */
function addressOf(index: number, ipv6: boolean): string {
  if (ipv6) return `2001:db8:${(index >>> 16).toString(16)}:${(index & 0xffff).toString(16)}::1`;
  const n = index % 131_072;
  return `198.${18 + (n >>> 16)}.${(n >>> 8) & 255}.${n & 255}`;
}

/**
 * The normal mix as a stream of hits: `openVisits` visits are under way at once, each hit comes
 * from one of them at random, and a visit that ends is replaced by a new visitor, so a visitor's
 * hits are spread among others' as on a live site.
 */
export class TrafficMix {
  private readonly random: Random;
  private readonly open: { visitor: Visitor; hits: WireEvent[] }[] = [];
  private visitorsStarted = 0;
  private eventIds = 0;
  private readonly site: string;
  private readonly openVisits: number;
  private readonly firstVisitor: number;
  private readonly seed: number;
  /** Hits sent so far, and those with an event id. */
  sent = 0;
  sentWithId = 0;

  constructor(site: string, options: { seed?: number; openVisits?: number; firstVisitor?: number } = {}) {
    this.site = site;
    this.seed = options.seed ?? seedOf(site);
    this.random = seededRandom(this.seed);
    this.openVisits = Math.max(1, options.openVisits ?? 200);
    this.firstVisitor = options.firstVisitor ?? 0;
  }

  /** Visitors whose visit has started. */
  get visitors(): number {
    return this.visitorsStarted;
  }

  next(): SimulatedRequest {
    while (this.open.length < this.openVisits) this.open.push(this.startVisit());
    const slot = Math.floor(this.random() * this.open.length);
    const visit = this.open[slot] ?? this.startVisit();
    const body = visit.hits.shift() as WireEvent;
    if (visit.hits.length === 0) this.open[slot] = this.startVisit();
    this.sent += 1;
    if (body.id !== undefined) this.sentWithId += 1;
    const { ip, userAgent, geo } = visit.visitor;
    return { body, ip, userAgent, geo };
  }

  private startVisit(): { visitor: Visitor; hits: WireEvent[] } {
    const random = this.random;
    const index = this.firstVisitor + this.visitorsStarted++;
    const [country, , cities] = countries.draw(random);
    const [region, regionCode, city, timezone] = pick(random, cities);
    const visitor: Visitor = {
      index,
      ip: addressOf(index, chance(random, 0.25)),
      userAgent: agents.draw(random)[1],
      geo: { country, region, regionCode, city, timezone },
      arrival: arrivalOf(random),
      variant: pick(random, VARIANTS),
    };
    const hits = this.visitHits(visitor);
    return { visitor, hits };
  }

  private eventId(): string {
    this.eventIds += 1;
    // Unique per mix (seed) and visitor range, so mixes of different days never share an id.
    return `${this.seed.toString(36)}-${this.firstVisitor.toString(36)}-${this.eventIds.toString(36).padStart(6, "0")}`;
  }

  /** A visit's hits in order: pageviews (each but the first with the previous page as referrer), engagement, events. */
  private visitHits(visitor: Visitor): WireEvent[] {
    const random = this.random;
    const origin = `https://${this.site}`;
    const hits: WireEvent[] = [];
    let previous: string | undefined;
    // Custom events come from the shop's server (with an event id); pageviews and engagement from the browser's tracker.
    const serverId = () => ({ id: this.eventId() });
    const event = (name: string, page: string, extra: Partial<WireEvent> = {}) => {
      hits.push({ n: name, u: `${origin}${page}`, d: this.site, ...extra });
    };
    const view = (page: string, props?: Record<string, string>) => {
      const first = previous === undefined;
      const u = `${origin}${page}${first ? visitor.arrival.query : ""}`;
      const r = first ? visitor.arrival.referrer : `${origin}${previous}`;
      hits.push({ n: "pageview", u, d: this.site, ...(r === undefined ? {} : { r }), ...(props ? { p: props } : {}) });
      previous = page;
      // Most pageviews are followed by an engagement hit when the page is left or hidden.
      if (chance(random, 0.75)) {
        const engaged = Math.floor(1_000 + random() ** 2 * 240_000);
        hits.push({ n: "engagement", u: `${origin}${page}`, d: this.site, sd: between(random, 5, 100), e: engaged });
      }
    };
    const productView = () => {
      const product = products.draw(random);
      view(product.path, { variant: visitor.variant });
      return product;
    };
    const browse = () => {
      const roll = random();
      if (roll < 0.5) productView();
      else if (roll < 0.7) view(categoryPages.draw(random));
      else if (roll < 0.85) {
        const post = blogPosts.draw(random);
        view(post.path, { author: post.author, category: post.category });
        if (chance(random, 0.05)) event("File Download", post.path, { p: { type: "pdf", file: `${post.category}.pdf` }, ...serverId() });
        if (chance(random, 0.06)) event("Outbound Link: Click", post.path, { p: { url: pick(random, REFERRAL_HOSTS) }, ...serverId() });
      } else if (roll < 0.95) view(helpPages.draw(random));
      else view("/");
    };

    const landing = landingPages.draw(random);
    const blogLanding = BLOG_POSTS.find((post) => post.path === landing);
    view(
      landing,
      landing.startsWith("/products/")
        ? { variant: visitor.variant }
        : blogLanding
          ? { author: blogLanding.author, category: blogLanding.category }
          : undefined,
    );

    const intent = random();
    if (intent < 0.47) return hits; // a bounce
    if (intent < 0.82) {
      // Browsing: one to four more pages, a search now and then, the newsletter rarely.
      for (let i = between(random, 1, 4); i > 0; i--) browse();
      if (chance(random, 0.15)) {
        event("search", "/search", { p: { results: String(between(random, 0, 60)) }, ...serverId() });
        view("/search");
      }
      if (chance(random, 0.04)) event("newsletter_signup", previous ?? "/", serverId());
      return hits;
    }
    if (intent < 0.96) {
      // Shopping: products, the cart, checkout, an account, a purchase.
      if (chance(random, 0.3)) {
        event("search", "/search", { p: { results: String(between(random, 1, 60)) }, ...serverId() });
        view("/search");
      }
      let product = productView();
      for (let i = between(random, 0, 3); i > 0; i--) product = productView();
      if (!chance(random, 0.55)) return hits;
      event("add_to_cart", product.path, {
        p: { variant: visitor.variant, sku: product.sku, category: product.category },
        ...serverId(),
      });
      view("/cart");
      if (!chance(random, 0.55)) return hits;
      event("begin_checkout", "/cart", { p: { variant: visitor.variant }, ...serverId() });
      if (chance(random, 0.4)) event("sign_up", "/checkout", { p: { plan: pick(random, PLANS), variant: visitor.variant }, ...serverId() });
      else event("login", "/checkout", serverId());
      view("/checkout", { variant: visitor.variant });
      if (!chance(random, 0.6)) return hits;
      const amount = Math.round((15 + random() ** 2 * 400) * 100) / 100;
      const currency = visitor.geo.country === "US" ? "USD" : visitor.geo.country === "GB" ? "GBP" : "EUR";
      event("purchase", "/checkout", {
        $: { amount, currency },
        p: { variant: visitor.variant, items: String(between(random, 1, 4)) },
        ...serverId(),
      });
      view("/checkout/thank-you");
      return hits;
    }
    // A returning customer: logs in, looks at orders.
    event("login", "/account", serverId());
    view("/account");
    view("/account/orders");
    return hits;
  }
}

/**
 * Flood, unique values: every hit a page, campaign, custom event name, variant and prop value
 * never seen before (what a broken or hostile client sends). Visitors come and go as in the
 * normal mix (a few hits each), so the rate limit does not stop the flood.
 */
export function floodUniqueHit(site: string, index: number): SimulatedRequest {
  const visitor = Math.floor(index / 5);
  const unique = `${index.toString(36)}x${seedOf(`${site}${index}`).toString(36)}`;
  const body: WireEvent =
    index % 2 === 0
      ? {
          n: "pageview",
          u: `https://${site}/flood/${unique}?utm_source=src-${unique}&utm_medium=cpc&utm_campaign=camp-${unique}`,
          d: site,
          p: { variant: `variant-${unique}`, plan: `plan-${unique}` },
        }
      : { n: `event-${unique}`, u: `https://${site}/flood/${unique}`, d: site, p: { variant: `v-${unique}`, author: `author-${unique}` } };
  return floodRequest(body, visitor);
}

/**
 * Flood, fresh combinations: every value stays under its daily cap (500 pages, 200 campaigns, 100
 * event names, 50 variants, countries and browsers of the normal mix), but each hit combines them
 * in a way not seen before, so every hit would be a new counter row.
 */
export function floodCombinationHit(site: string, index: number): SimulatedRequest {
  const visitor = Math.floor(index / 5);
  // Coprime strides: the combination (page, campaign, name, variant) repeats only after their product.
  const page = `/flood/page-${(index * 7) % 500}`;
  const campaign = `camp-${(index * 11) % 199}`;
  const name = index % 3 === 0 ? "pageview" : `event-${(index * 13) % 97}`;
  const variant = `variant-${(index * 17) % 47}`;
  const body: WireEvent = {
    n: name,
    u: `https://${site}${page}?utm_source=newsletter&utm_medium=email&utm_campaign=${campaign}`,
    d: site,
    p: { variant, plan: PLANS[index % PLANS.length] ?? "free" },
  };
  return floodRequest(body, visitor);
}

function floodRequest(body: WireEvent, visitor: number): SimulatedRequest {
  const [country, , cities] = GEO[visitor % GEO.length] ?? GEO[0] ?? ["DE", 1, []];
  const [region, regionCode, city, timezone] = cities[visitor % cities.length] ?? ["", "", "", "UTC"];
  return {
    body,
    ip: addressOf(visitor, visitor % 4 === 0),
    userAgent: AGENTS[visitor % AGENTS.length]?.[1] ?? "",
    geo: { country, region, regionCode, city, timezone },
  };
}
