import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DESKTOP_CHROME_UA, launchChromium, NO_BROWSER } from "./support/chromium";
import { CollectorProcess } from "./support/collector-process";

/**
 * A newcomer's path, end to end: `wrangler dev` serves the demo shop and t.js, headless Chromium
 * shops through it (single-page navigation, a data-goal click, a download, an outbound click,
 * forms, scrolling, a purchase with revenue queued before the tracker loaded), and the report of
 * shop.example must show exactly what was done. The browser sends a regular Chrome User-Agent:
 * the collector rightly drops "HeadlessChrome" as automation (tested in drop-reasons.test.ts).
 */
interface Rate {
  count: number;
  visitors: number;
}
interface Report {
  totals: { visitors: number; pageviews: number; events: number };
  conversions: { macro: Rate & { revenue: Record<string, number> }; micro: Rate };
  goals: (Rate & { name: string; revenue: Record<string, number> })[];
  breakdowns: { page: { value: string; pageviews: number; scroll_depth: number | null; engaged_s: number | null }[] };
  dropped: Record<string, number>;
}

describe.skipIf(NO_BROWSER)("demo shop in Chromium against wrangler dev", () => {
  const collector = new CollectorProcess();
  let browser: Browser;
  let page: Page;
  let report: Report;
  let funnel: number[];

  const hidePage = () =>
    page.evaluate(() => {
      Object.defineProperty(document, "hidden", { value: true, configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
    });

  beforeAll(async () => {
    await collector.start();
    browser = await launchChromium();
    const context = await browser.newContext({ userAgent: DESKTOP_CHROME_UA });
    // The supplier's site is outside this machine: answer it locally.
    await context.route("https://example.org/**", (route) => route.fulfill({ body: "supplier" }));
    page = await context.newPage();
    const shop = `${collector.origin}/demo/`;

    await page.goto(shop); //                                                  pageview /
    await page.waitForFunction(() => window.stepwise !== undefined && window.stepwise.q === undefined);
    await page.fill("#search input", "shoe");
    await page.click("#search button"); //                                     search (goal), pageview /search
    await page.click("text=Trail shoe"); //                                    pageview /products/trail-shoe
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await page.waitForTimeout(100);
    await page.click("#add-to-cart"); //                                       add_to_cart
    await page.fill("#question input", "Waterproof?");
    await page.click("#question button"); //                                   Form: Submission
    await page.click("#catalog"); //                                           File Download
    const [supplier] = await Promise.all([context.waitForEvent("page"), page.click("#supplier")]); // Outbound Link: Click
    await supplier.close();
    await page.fill("#newsletter input", "reader@example.com");
    await page.click("#newsletter button"); //                                 newsletter_signup
    await page.click("text=Go to cart"); //                                    pageview /cart
    await page.click("#checkout"); //                                          pageview /register
    await Promise.all([page.waitForURL("**/demo/thank-you"), page.click("#register button")]); // sign_up, then a page load
    await page.waitForFunction(() => window.stepwise !== undefined && window.stepwise.q === undefined); // pageview /thank-you, purchase 59.90 EUR
    await page.waitForTimeout(300);
    await hidePage(); //                                                       engagement for /thank-you
    await page.waitForTimeout(500);

    const today = new Date().toISOString().slice(0, 10);
    report = await collector.stats<Report>("shop.example", "", `from=${today}&to=${today}`);
    const funnels = await collector.stats<{ funnels: { name: string; steps: { visitors: number }[] }[] }>(
      "shop.example",
      "/funnels",
      `from=${today}&to=${today}`,
    );
    funnel = funnels.funnels.find((entry) => entry.name === "checkout")?.steps.map((step) => step.visitors) ?? [];
  });

  afterAll(async () => {
    await browser?.close();
    await collector.stop();
  });

  it("counts one visitor, six pageviews and eight events", () => {
    // Pages: / /search /products/trail-shoe /cart /register /thank-you. Events: search, add_to_cart,
    // Form: Submission, File Download, Outbound Link: Click, newsletter_signup, sign_up, purchase.
    expect(report.totals).toEqual({ visitors: 1, pageviews: 6, events: 8 });
    expect(report.dropped).toEqual({ bot: 0, hostname_mismatch: 0, do_not_track: 0, global_privacy_control: 0, rate_limited: 0 });
  });

  it("classifies every signal: the purchase with its revenue, and each micro step", () => {
    expect(report.conversions.macro).toMatchObject({ count: 1, visitors: 1, revenue: { EUR: 59.9 } });
    // search, product page, add to cart, form submission, download, outbound click, newsletter, sign up.
    expect(report.conversions.micro).toMatchObject({ count: 8, visitors: 1 });
    const counts = Object.fromEntries(report.goals.map((goal) => [goal.name, goal.count]));
    expect(counts).toMatchObject({
      purchase: 1,
      search: 1,
      product_page: 1,
      add_to_cart: 1,
      sign_up: 1,
      login: 0,
      newsletter_signup: 1,
      file_download: 1,
      outbound_link_click: 1,
      form_submission: 1,
    });
  });

  it("walks the whole checkout funnel", () => {
    expect(funnel).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it("records engagement: the product page was scrolled to the bottom and looked at", () => {
    const product = report.breakdowns.page.find((row) => row.value === "/products/trail-shoe");
    expect(product).toMatchObject({ pageviews: 1, scroll_depth: 100 });
    expect(product?.engaged_s).toBeGreaterThan(0);
  });
});
