import { mkdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, NO_BROWSER } from "./support/chromium";
import { CollectorProcess, DEV_TOKEN } from "./support/collector-process";
import { EXPECTED, READ_TOKEN, SITE, sendDesignedStream } from "./support/designed-stream";

/**
 * The dashboard in Chromium against `wrangler dev`, on the designed stream of
 * support/designed-stream.ts (figures worked out by hand there): sign-in, headline figures, a
 * funnel, a click that filters every panel, the range picker, the share link, a public site, a
 * wrong token, CSV, no console errors (a CSP violation is one) and axe-core in light and dark.
 * Screenshots go to test/browser/.screenshots/ (ignored by git).
 */
const SCREENSHOTS = new URL("./.screenshots/", import.meta.url).pathname;
const AXE_SOURCE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

describe.skipIf(NO_BROWSER)("dashboard in Chromium against wrangler dev", () => {
  const collector = new CollectorProcess({ siteConfig: "test/fixtures/dashboard.config.json" });
  let browser: Browser;
  const consoleErrors: string[] = [];
  /**
   * Chromium logs an API answer of 401 as a console error. Two are the test's own doing: the wrong
   * token it types, and the share link asking whether a read token is the admin token.
   */
  const EXPECTED_401 = [`/api/stats/${SITE}?`, "/api/sites"];

  async function open(path: string, options: { colorScheme?: "light" | "dark"; viewport?: { width: number; height: number } } = {}) {
    const context = await browser.newContext({
      colorScheme: options.colorScheme ?? "light",
      viewport: options.viewport ?? { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    page.on("console", (message) => {
      if (message.type() !== "error") return;
      const resource = message.location().url.replace(collector.origin, "");
      const provoked = message.text().includes("status of 401") && EXPECTED_401.some((start) => resource.startsWith(start));
      if (!provoked) consoleErrors.push(`${path}: ${message.text()} ${resource}`);
    });
    page.on("pageerror", (error) => consoleErrors.push(`${path}: ${error.message}`));
    const response = await page.goto(`${collector.origin}${path}`);
    return { context, page, response };
  }

  /** Every panel has settled (ready, empty or error), none still loading. */
  async function settled(page: Page) {
    await page.waitForSelector("#headline[data-state]:not([data-state=loading])");
    await page.waitForFunction(
      () =>
        document.querySelectorAll("#panels .panel").length > 0 && document.querySelectorAll('#panels [data-state="loading"]').length === 0,
    );
  }

  const figure = (page: Page, id: string) => page.textContent(`#headline [data-figure="${id}"] .figure-value`);
  const funnelSteps = (page: Page) => page.locator('#funnels [data-funnel="checkout"] .step-visitors').allTextContents();

  async function signIn(page: Page, token: string) {
    await page.fill("#token", token);
    await page.click("button[type=submit]");
  }

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await collector.start();
    await sendDesignedStream(collector.origin);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await collector.stop();
  });

  it("serves its page with a Content-Security-Policy that allows only its own files", async () => {
    const response = await fetch(`${collector.origin}/dashboard/${SITE}`);
    expect(response.status).toBe(200);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("unsafe-inline");
    const html = await response.text();
    // No inline script: every <script> has a src on this origin.
    expect(html.match(/<script(?![^>]*\bsrc="\/dashboard\/assets\/)[^>]*>/g)).toBeNull();
  });

  it("tells a wrong token plainly, and keeps nothing of it", async () => {
    const { context, page } = await open(`/dashboard/${SITE}`);
    await page.waitForSelector("#token");
    await signIn(page, "not-the-token");
    await expect.poll(() => page.textContent("#signin-error")).toContain("That token was not accepted");
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.screenshot({ path: `${SCREENSHOTS}wrong-token.png` });
    await context.close();
  });

  describe("signed in with the admin token", () => {
    let context: BrowserContext;
    let page: Page;

    beforeAll(async () => {
      ({ context, page } = await open(`/dashboard/${SITE}`));
      await page.waitForSelector("#token");
      await signIn(page, DEV_TOKEN);
      await settled(page);
    });
    afterAll(async () => context.close());

    it("shows the headline figures worked out by hand", async () => {
      expect(await figure(page, "visitors")).toBe(String(EXPECTED.all.visitors));
      expect(await figure(page, "pageviews")).toBe(String(EXPECTED.all.pageviews));
      expect(await figure(page, "micro")).toBe(String(EXPECTED.all.micro));
      expect(await figure(page, "micro-rate")).toBe(EXPECTED.all.microRate);
      expect(await figure(page, "macro")).toBe(String(EXPECTED.all.macro));
      expect(await figure(page, "macro-rate")).toBe(EXPECTED.all.macroRate);
      expect(await figure(page, "revenue-EUR")).toBe(EXPECTED.all.revenue);
      // Nothing in the previous period: every count is new.
      expect(await page.textContent('#headline [data-figure="visitors"] .figure-change')).toBe("new vs previous");
      await page.screenshot({ path: `${SCREENSHOTS}dashboard-light.png`, fullPage: true });
    });

    it("draws the checkout funnel with its drop-offs", async () => {
      expect(await funnelSteps(page)).toEqual(EXPECTED.all.funnel);
      const dropoffs = await page.locator('#funnels [data-funnel="checkout"] .dropoff').allTextContents();
      expect(dropoffs).toEqual(["↓ 2 dropped off (40.0%)", "↓ 1 dropped off (33.3%)", "↓ 1 dropped off (50.0%)"]);
    });

    it("fills every panel: goals, breakdowns, engagement, variants, lift, alerts, drops, the chart", async () => {
      const states = await page.$$eval("#panels .panel", (panels) =>
        panels.map((panel) => `${panel.id}:${(panel as HTMLElement).dataset.state}`),
      );
      expect(states.filter((state) => state.endsWith(":error"))).toEqual([]);
      expect(await page.locator("#goals tbody tr").count()).toBe(4);
      expect(await page.locator("#channels tbody th").allTextContents()).toEqual(
        expect.arrayContaining(["organic_search", "direct", "email"]),
      );
      expect(await page.locator("#chart canvas").count()).toBeGreaterThan(0);
      expect(await page.textContent("#alerts")).toContain("Nothing broke");
      expect(await page.textContent("#variants")).toContain("No A/B variants");
      expect(await page.textContent("#realtime")).toMatch(/^\d+ visitors? now$/);
    });

    it("downloads a panel as the API's CSV", async () => {
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#channels button.csv")]);
      expect(download.suggestedFilename()).toMatch(/^shop\.test-report-channel-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
      const text = await readFile((await download.path()) ?? "", "utf8");
      expect(text.split("\r\n")[0]).toContain("visitors");
      expect(text).toContain("organic_search");
    });

    it("filters every panel by a clicked channel, keeps the filter in the URL, and removes it again", async () => {
      await page.click('#channels tbody button.filter:text-is("organic_search")');
      await expect.poll(() => new URL(page.url()).searchParams.get("channel")).toBe("organic_search");
      await settled(page);
      expect(await figure(page, "visitors")).toBe(String(EXPECTED.organic.visitors));
      expect(await figure(page, "pageviews")).toBe(String(EXPECTED.organic.pageviews));
      expect(await figure(page, "macro")).toBe(String(EXPECTED.organic.macro));
      expect(await figure(page, "revenue-EUR")).toBe(EXPECTED.organic.revenue);
      expect(await funnelSteps(page)).toEqual(EXPECTED.organic.funnel);
      expect(await page.locator("#channels tbody th").allTextContents()).toEqual(["organic_search"]);
      // The home page: visitors 1-3 of the channel, not 1-5.
      const home = await page.$$eval(
        "#pages tbody tr",
        (rows) => rows.find((row) => row.querySelector("th")?.textContent === "/")?.querySelector("td")?.textContent,
      );
      expect(home).toBe("3");
      expect(await page.locator("#goals tbody tr").count()).toBe(4);
      // Panels the API cannot count inside a channel say so, in words.
      expect(await page.textContent("#browser")).toContain("Not available with these filters");
      expect(await page.textContent("#alerts")).toContain("Nothing broke");
      expect(await page.textContent(".chips")).toContain("Channel: organic_search");
      await page.screenshot({ path: `${SCREENSHOTS}dashboard-filtered.png`, fullPage: true });

      await page.click('.chips button.chip[data-filter="channel"]');
      await expect.poll(() => new URL(page.url()).searchParams.get("channel")).toBeNull();
      await settled(page);
      expect(await figure(page, "visitors")).toBe(String(EXPECTED.all.visitors));
    });

    it("filters by an added dimension (a browser): counted by day, and the panels it does not cross say so", async () => {
      await page.click('#browser tbody button.filter:text-is("Chrome")');
      await expect.poll(() => new URL(page.url()).searchParams.get("browser")).toBe("Chrome");
      await settled(page);
      // Every visitor of the stream browses with Chrome.
      expect(await figure(page, "visitors")).toBe(String(EXPECTED.all.visitors));
      expect(await page.locator("#browser tbody th").allTextContents()).toEqual(["Chrome"]);
      for (const panel of ["#pages", "#channels", "#funnels", "#os"])
        expect(await page.textContent(panel), panel).toContain("Not available with these filters");
      await page.click('.chips button.chip[data-filter="browser"]');
      await expect.poll(() => new URL(page.url()).searchParams.get("browser")).toBeNull();
      await settled(page);
    });

    it("changes the range with a preset and a custom range, and goes back with the browser", async () => {
      await page.selectOption("#range", "yesterday");
      await expect.poll(() => new URL(page.url()).searchParams.get("range")).toBe("yesterday");
      await settled(page);
      expect(await figure(page, "visitors")).toBe("0");
      expect(await page.textContent("#chart")).toContain("No traffic in this range");

      const today = new Date().toISOString().slice(0, 10);
      await page.selectOption("#range", "custom");
      await page.fill("#from", today);
      await page.fill("#to", today);
      await page.click("#custom-range button[type=submit]");
      await expect.poll(() => new URL(page.url()).searchParams.get("from")).toBe(today);
      await settled(page);
      expect(await figure(page, "visitors")).toBe(String(EXPECTED.all.visitors));
      expect(await page.textContent("#range-text")).toContain(today);

      await page.goBack();
      await expect.poll(() => new URL(page.url()).searchParams.get("range")).toBe("yesterday");
      await settled(page);
      expect(await figure(page, "visitors")).toBe("0");
    });

    it("finds no serious or critical accessibility violation, in light and in dark", async () => {
      await page.goto(`${collector.origin}/dashboard/${SITE}`);
      await settled(page);
      const axe = await readFile(AXE_SOURCE, "utf8");
      for (const scheme of ["light", "dark"] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        // Evaluated through the DevTools protocol: the page's CSP (no inline script) stays on.
        await page.evaluate(axe);
        const violations = await page.evaluate(async () => {
          const result = await (
            window as unknown as {
              axe: { run: (context: Document) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> };
            }
          ).axe.run(document);
          return result.violations
            .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
            .map(
              (violation) =>
                `${violation.id}: ${violation.nodes
                  .map((node) => node.target.join(" "))
                  .slice(0, 3)
                  .join(", ")}`,
            );
        });
        expect(violations, scheme).toEqual([]);
      }
      await page.emulateMedia({ colorScheme: "dark" });
      await page.screenshot({ path: `${SCREENSHOTS}dashboard-dark.png`, fullPage: true });
    });
  });

  it("opens from a share link, keeps its token for the tab only and removes it from the address bar", async () => {
    const { context, page } = await open(`/dashboard/${SITE}?range=7d#token=${READ_TOKEN}`, { viewport: { width: 390, height: 844 } });
    await settled(page);
    expect(page.url()).toBe(`${collector.origin}/dashboard/${SITE}?range=7d`);
    expect(await page.evaluate(() => location.hash)).toBe("");
    expect(await page.evaluate(() => sessionStorage.getItem("stepwise.token"))).toBe(READ_TOKEN);
    expect(await page.evaluate(() => localStorage.length + document.cookie.length)).toBe(0);
    expect(await figure(page, "visitors")).toBe(String(EXPECTED.all.visitors));
    // A read token's own share link carries the view and the token in the fragment.
    await page.click("#share");
    expect(await page.inputValue("#share-link")).toBe(`${collector.origin}/dashboard/${SITE}?range=7d#token=${READ_TOKEN}`);
    await page.screenshot({ path: `${SCREENSHOTS}dashboard-phone.png`, fullPage: true });
    // The read token reads its site, not the site list.
    expect((await fetch(`${collector.origin}/api/sites`, { headers: { authorization: `Bearer ${READ_TOKEN}` } })).status).toBe(401);
    await context.close();
  });

  it("shows a public site without a token, and only that site", async () => {
    const { context, page } = await open("/dashboard/open.test");
    await settled(page);
    expect(await page.textContent(".actions")).toContain("Public dashboard");
    expect(await figure(page, "visitors")).toBe("0");
    expect((await fetch(`${collector.origin}/api/stats/open.test/funnels`)).status).toBe(200);
    expect((await fetch(`${collector.origin}/api/stats/${SITE}`)).status).toBe(401);
    await context.close();
  });

  it("wrote no error to the console on any page", () => {
    expect(consoleErrors).toEqual([]);
  });
});
