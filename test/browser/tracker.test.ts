import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BeaconRecorder, type RecordedBeacon } from "./support/beacon-recorder";
import { DESKTOP_CHROME_UA, launchChromium, NO_BROWSER } from "./support/chromium";

/**
 * The tracker in a real Chromium. Pages are served from http://site.test and the tracker from
 * http://collector.test (both resolved to a local recorder), so every hit crosses origins as on a
 * real site. The recorder stands in for the collector and keeps each beacon as sent.
 */
describe.skipIf(NO_BROWSER)("tracker (t.js) in Chromium", () => {
  const recorder = new BeaconRecorder();
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const site = () => `http://site.test:${recorder.port}`;
  const tag = (attributes = 'data-allow="automation"') =>
    `<script async src="http://collector.test:${recorder.port}/t.js" ${attributes}></script>`;
  const html = (body: string, head = tag()) => `<!doctype html><html><head><meta charset="utf-8">${head}</head><body>${body}</body></html>`;
  const bodies = (beacons: RecordedBeacon[]) => beacons.map((beacon) => beacon.body);
  const open = async (path: string, markup: string) => {
    recorder.page(path, markup);
    await page.goto(`${site()}${path}`);
    // Loaded: the tracker replaced any queueing stub with its own API (no queue).
    await page.waitForFunction(() => window.stepwise !== undefined && window.stepwise.q === undefined);
  };
  /** Beacons are asynchronous: give any stray one time to arrive before asserting none came. */
  const settle = () => page.waitForTimeout(300);

  beforeAll(async () => {
    await recorder.start();
    browser = await launchChromium([`--host-resolver-rules=MAP *.test 127.0.0.1`]);
  });
  afterAll(async () => {
    await browser?.close();
    await recorder.stop();
  });
  beforeEach(async () => {
    await context?.close();
    context = await browser.newContext({ userAgent: DESKTOP_CHROME_UA });
    page = await context.newPage();
    recorder.clear();
  });

  it("sends a pageview as text/plain to the collector it was loaded from, site id from the hostname", async () => {
    await open("/shop", html("<h1>Shop</h1>"));
    const [beacon] = await recorder.waitFor(1);
    expect(beacon?.contentType).toBe("text/plain;charset=UTF-8");
    expect(beacon?.body).toEqual({ n: "pageview", u: `${site()}/shop`, d: "site.test", r: "", h: false });
  });

  it("honours data-domain and data-api, and drops the fragment unless in hash mode", async () => {
    const other = new BeaconRecorder();
    await other.start();
    try {
      recorder.page(
        "/p",
        html("", tag(`data-allow="automation" data-domain="shop.example" data-api="http://other.test:${other.port}/api/event"`)),
      );
      await page.goto(`${site()}/p?q=1#section`);
      const [beacon] = await other.waitFor(1);
      expect(beacon?.body).toMatchObject({ n: "pageview", u: `${site()}/p?q=1`, d: "shop.example" });
      expect(recorder.beacons).toHaveLength(0);
    } finally {
      await other.stop();
    }
  });

  it("counts single-page navigation: pushState, replaceState and popstate, reporting engagement before each", async () => {
    await open("/", html("<p>app</p>"));
    await recorder.waitFor(1);
    for (const action of [
      "history.pushState({}, '', '/a')",
      "history.replaceState({}, '', '/b')",
      "history.replaceState({}, '', '/b')",
      "history.back()",
    ]) {
      await page.waitForTimeout(30);
      await page.evaluate(action);
    }
    await settle();
    const sent = bodies(recorder.beacons).map((body) => `${String(body.n)} ${new URL(String(body.u)).pathname}`);
    // The repeated replaceState to the same URL is no new page. replaceState put /b in /a's
    // history entry, so history.back() returns to /.
    expect(sent).toEqual(["pageview /", "engagement /", "pageview /a", "engagement /a", "pageview /b", "engagement /b", "pageview /"]);
  });

  it("in hash mode (data-hash) counts fragment routes as pages and says so", async () => {
    await open("/", html("", tag('data-allow="automation" data-hash')));
    await page.evaluate(() => (location.hash = "#/settings"));
    const beacons = await recorder.waitFor(3);
    expect(bodies(beacons).filter((body) => body.n === "pageview")).toEqual([
      { n: "pageview", u: `${site()}/`, d: "site.test", r: "", h: true },
      { n: "pageview", u: `${site()}/#/settings`, d: "site.test", r: "", h: true },
    ]);
  });

  it("fires declarative goals on click with data-goal-* props, also from a child element", async () => {
    await open(
      "/pricing",
      html('<button data-goal="choose_plan" data-goal-plan="pro" data-goal-period="year"><span id="inner">Pro</span></button>'),
    );
    await page.click("#inner");
    const beacons = await recorder.waitFor(2);
    expect(beacons[1]?.body).toMatchObject({ n: "choose_plan", p: { plan: "pro", period: "year" }, u: `${site()}/pricing` });
  });

  it("fires a form's goal on submit (not on clicks inside it), and Form: Submission for other forms", async () => {
    await open(
      "/forms",
      html(`<form id="a" data-goal="newsletter_signup" data-goal-list="weekly" action="javascript:void 0"><input id="email"><button id="a-submit">Go</button></form>
            <form id="b" action="javascript:void 0"><button id="b-submit">Send</button></form>`),
    );
    await page.click("#email");
    await page.click("#a-submit");
    await page.click("#b-submit");
    await settle();
    expect(bodies(recorder.beacons).map((body) => [body.n, body.p])).toEqual([
      ["pageview", undefined],
      ["newsletter_signup", { list: "weekly" }],
      ["Form: Submission", {}],
    ]);
  });

  it("records outbound link clicks and file downloads with their URL, not mail links or internal links", async () => {
    await open(
      "/links",
      html(`<a id="out" href="http://elsewhere.test:${recorder.port}/x" target="_blank">out</a>
            <a id="pdf" href="/files/annual-report.pdf" download>report</a>
            <a id="mail" href="mailto:sales@site.test">mail</a>
            <a id="internal" href="#top">top</a>`),
    );
    await page.click("#out");
    await page.click("#pdf");
    await page.click("#mail").catch(() => undefined);
    await page.click("#internal");
    await settle();
    expect(
      bodies(recorder.beacons)
        .filter((body) => body.n !== "pageview")
        .map((body) => [body.n, body.p]),
    ).toEqual([
      ["Outbound Link: Click", { url: `http://elsewhere.test:${recorder.port}/x` }],
      ["File Download", { url: `${site()}/files/annual-report.pdf` }],
    ]);
  });

  it("reports engagement when the page is hidden: deepest scroll and visible time", async () => {
    await open("/article", html('<div style="height:5000px">long read</div>'));
    await page.waitForTimeout(200);
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await page.waitForTimeout(100);
    await page.evaluate(() => {
      Object.defineProperty(document, "hidden", { value: true, configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    const beacons = await recorder.waitFor(2);
    const engagement = beacons[1]?.body;
    expect(engagement).toMatchObject({ n: "engagement", u: `${site()}/article`, sd: 100 });
    expect(Number(engagement?.e)).toBeGreaterThanOrEqual(250);
  });

  it("tracks custom events with props and revenue through the JS API, and queues calls made before it loaded", async () => {
    const stub = "<script>window.stepwise=window.stepwise||{q:[],track(){this.q.push(arguments)}}</script>";
    const early = `<script>stepwise.track("purchase", { revenue: { amount: 42.5, currency: "EUR" }, props: { plan: "pro" } }); stepwise.track("early_note")</script>`;
    await open("/thanks", html("", `${stub}${early}${tag()}`));
    await page.evaluate(() => window.stepwise?.track("late_note", { props: { step: 2 } }));
    const beacons = await recorder.waitFor(4);
    expect(bodies(beacons).map((body) => [body.n, body.p, body.$])).toEqual([
      ["pageview", undefined, undefined],
      ["purchase", { plan: "pro" }, { amount: 42.5, currency: "EUR" }],
      ["early_note", undefined, undefined],
      ["late_note", { step: 2 }, undefined],
    ]);
  });

  describe("opt-outs", () => {
    const expectSilent = async () => {
      await settle();
      expect(recorder.beacons).toHaveLength(0);
    };

    it("honours Global Privacy Control and Do Not Track unless the site allows them", async () => {
      await page.addInitScript(() => Object.defineProperty(Navigator.prototype, "globalPrivacyControl", { get: () => true }));
      await open("/gpc", html(""));
      await expectSilent();
      await open("/gpc-allowed", html("", tag('data-allow="automation dnt"')));
      expect(await recorder.waitFor(1)).toHaveLength(1);

      recorder.clear();
      const dntContext = await browser.newContext({ userAgent: DESKTOP_CHROME_UA });
      page = await dntContext.newPage();
      await page.addInitScript(() => Object.defineProperty(Navigator.prototype, "doNotTrack", { get: () => "1" }));
      await open("/dnt", html(""));
      await expectSilent();
      await dntContext.close();
    });

    it("honours the localStorage opt-out flag", async () => {
      recorder.page("/set", html("<p>setting the flag</p>", ""));
      await page.goto(`${site()}/set`);
      await page.evaluate(() => localStorage.setItem("stepwise_ignore", "true"));
      await open("/after", html(""));
      await expectSilent();
    });

    it("ignores localhost unless data-allow has localhost", async () => {
      recorder.page("/local", html(""));
      await page.goto(`http://localhost:${recorder.port}/local`);
      await expectSilent();
      recorder.page("/local-allowed", html("", tag('data-allow="automation localhost"')));
      await page.goto(`http://localhost:${recorder.port}/local-allowed`);
      expect(await recorder.waitFor(1)).toHaveLength(1);
    });

    it("ignores automation (navigator.webdriver) unless data-allow has automation", async () => {
      await page.addInitScript(() => Object.defineProperty(Navigator.prototype, "webdriver", { get: () => true }));
      await open("/bot", html("", tag("")));
      await expectSilent();
    });
  });
});
