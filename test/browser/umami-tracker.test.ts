import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DESKTOP_CHROME_UA, launchChromium, NO_BROWSER } from "./support/chromium";
import { CollectorProcess } from "./support/collector-process";

/**
 * Umami's own tracker, unmodified (test/browser/fixtures/umami-2.10.0: the script `umami` 2.10.0
 * builds), on a page of umami.example in a real Chromium, reporting to stepwise under
 * `wrangler dev` with the tests' fixture sites (test/fixtures/stepwise.config.json), where
 * umami.example lists the page's website id and has goals for /pricing, the "Signup button"
 * event, "choose_plan" with plan=pro and "purchase". The page is served from its own origin, so
 * every hit is a cross-origin JSON fetch with a CORS preflight, later ones carrying x-umami-cache.
 */
const WEBSITE = "4f3b8c2a-6d1e-4a5b-9c7d-2e8f1a3b5c6d";
const SCRIPT = new URL("./fixtures/umami-2.10.0/script.js", import.meta.url);

interface Rate {
  count: number;
  visitors: number;
}
interface Report {
  totals: { visitors: number; pageviews: number; events: number };
  conversions: { macro: Rate & { revenue: Record<string, number> }; micro: Rate };
  goals: (Rate & { name: string })[];
  breakdowns: Record<string, { value: string; visitors: number; pageviews?: number }[]>;
  dropped: Record<string, number>;
}
interface Sent {
  headers: Record<string, string>;
  body: { type: string; payload: Record<string, unknown> };
  status: number | undefined;
}

describe.skipIf(NO_BROWSER)("Umami's tracker (umami 2.10.0, unmodified) in Chromium against wrangler dev", () => {
  const collector = new CollectorProcess({ siteConfig: "test/fixtures/stepwise.config.json" });
  const sent: Sent[] = [];
  let server: Server | undefined;
  let browser: Browser;
  let page: Page;
  let report: Report;

  const waitForSent = async (count: number) => {
    const deadline = Date.now() + 10_000;
    while (sent.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(sent).toHaveLength(count);
  };

  beforeAll(async () => {
    const script = await readFile(SCRIPT, "utf8");
    await collector.start();
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>Plans</title>
<script defer src="/umami/script.js" data-website-id="${WEBSITE}" data-host-url="${collector.origin}"></script>
</head><body><h1>Plans</h1><button id="signup" data-umami-event="Signup button" data-umami-event-plan="pro">Sign up</button></body></html>`;
    server = createServer((request, response) => {
      if (request.url === "/umami/script.js") response.writeHead(200, { "content-type": "application/javascript" }).end(script);
      else if (request.url === "/") response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html);
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const site = `http://umami.example:${(server.address() as AddressInfo).port}`;

    browser = await launchChromium(["--host-resolver-rules=MAP umami.example 127.0.0.1"]);
    const context = await browser.newContext({ userAgent: DESKTOP_CHROME_UA });
    page = await context.newPage();
    page.on("requestfinished", (request) => {
      if (request.method() !== "POST" || !request.url().endsWith("/api/send")) return;
      void (async () => {
        const response = await request.response();
        sent.push({ headers: await request.allHeaders(), body: request.postDataJSON() as Sent["body"], status: response?.status() });
      })();
    });

    await page.goto(`${site}/`); //                                                 pageview /
    await waitForSent(1);
    await page.click("#signup"); //                                                 Signup button {plan: pro}
    await waitForSent(2);
    await page.evaluate(() => window.umami?.track("choose_plan", { plan: "pro", seats: 3 }));
    await page.evaluate(() => window.umami?.track("purchase", { revenue: 49.9, currency: "EUR" }));
    await page.evaluate(() => window.umami?.identify({ plan: "pro", company: "Example Ltd" })); // counts nothing
    await waitForSent(5);
    await page.evaluate(() => history.pushState({}, "", "/pricing")); //           pageview /pricing, 300 ms later
    await waitForSent(6);

    const today = new Date().toISOString().slice(0, 10);
    report = await collector.stats<Report>("umami.example", "", `from=${today}&to=${today}&breakdowns=page,props.plan`);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await collector.stop();
  });

  it("sends each hit as JSON across origins, preflighted, and echoes the answer back in x-umami-cache", () => {
    expect(sent.map((hit) => hit.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(sent.map((hit) => hit.headers["content-type"])).toEqual(Array(6).fill("application/json"));
    expect(sent.map((hit) => hit.body.type)).toEqual(["event", "event", "event", "event", "identify", "event"]);
    expect(sent[0]?.body.payload).toMatchObject({ website: WEBSITE, hostname: "umami.example", url: "/", screen: expect.any(String) });
    // The first hit has nothing to echo; each later one echoes the answer, the same for everyone.
    expect(sent[0]?.headers["x-umami-cache"]).toBeUndefined();
    for (const hit of sent.slice(1)) expect(JSON.parse(hit.headers["x-umami-cache"] ?? "null")).toMatchObject({ cache: "stepwise" });
  });

  it("counts one visitor, two pageviews and three events; identify counts nothing", () => {
    expect(report.totals).toEqual({ visitors: 1, pageviews: 2, events: 3 });
    expect(report.breakdowns.page?.map((row) => row.value).sort()).toEqual(["/", "/pricing"]);
    expect(report.dropped).toEqual({ bot: 0, hostname_mismatch: 0, do_not_track: 0, global_privacy_control: 0, rate_limited: 0 });
  });

  it("classifies the data-umami-event click and the umami.track calls by the site's goals, with the purchase's revenue", () => {
    const counts = Object.fromEntries(report.goals.map((goal) => [goal.name, goal.count]));
    expect(counts).toEqual({ purchase: 1, signup: 1, "pricing page": 1, "pro plan chosen": 1 });
    expect(report.conversions.macro).toMatchObject({ count: 1, visitors: 1, revenue: { EUR: 49.9 } });
    expect(report.conversions.micro).toMatchObject({ count: 3, visitors: 1 });
    expect(report.breakdowns["props.plan"]).toMatchObject([{ value: "pro", visitors: 1 }]);
  });
});
