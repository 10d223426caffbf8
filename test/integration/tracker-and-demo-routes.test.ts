import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { fetchWithSettings } from "../support/collector";

describe("GET /t.js", () => {
  it("serves the built tracker as cacheable JavaScript", async () => {
    const response = await exports.default.fetch("https://collector.test/t.js");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/javascript; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("public, max-age=3600");
    const code = await response.text();
    // The minified tracker, not a placeholder: it posts beacons and knows its event names.
    for (const marker of ["sendBeacon", "/api/event", "Outbound Link: Click", "File Download", "Form: Submission", "engagement"])
      expect(code).toContain(marker);
  });
});

describe("the demo shop", () => {
  const demo = (path: string, DEMO_SHOP: string) => fetchWithSettings(new Request(`https://collector.test${path}`), { DEMO_SHOP });

  it("does not exist unless DEMO_SHOP is true (the deployed default)", async () => {
    expect((await demo("/demo/", "false")).status).toBe(404);
    expect((await exports.default.fetch("https://collector.test/demo/")).status).toBe(404);
  });

  it("serves the shop's views, the thank-you page and a real PDF in local development", async () => {
    const shell = await demo("/demo/products/trail-shoe", "true");
    expect(shell.status).toBe(200);
    const html = await shell.text();
    expect(html).toContain('src="/t.js" data-domain="shop.example" data-base="/demo"');
    const thankYou = await (await demo("/demo/thank-you", "true")).text();
    expect(thankYou).toContain('stepwise.track("purchase"');
    const pdf = await demo("/demo/files/catalog.pdf", "true");
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    // Read as bytes: .text() on a PDF makes workerd warn that the body is not text.
    expect(new TextDecoder().decode(await pdf.arrayBuffer()).startsWith("%PDF-")).toBe(true);
    expect((await demo("/demo", "true")).status).toBe(302);
  });
});
