import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { loadSiteDirectory } from "../../src/config/site-directory";
import { requireReportAccess } from "../../src/http/bearer-token";
import { DASHBOARD_CSP } from "../../src/routes/dashboard-route";

const ORIGIN = "https://stats.example";
const get = (path: string) => exports.default.fetch(new Request(`${ORIGIN}${path}`, { redirect: "manual" }));

describe("GET /dashboard/", () => {
  it("serves the page with a CSP that allows only the dashboard's own files", async () => {
    for (const path of ["/dashboard/", "/dashboard/shop.example", "/dashboard/never-seen.example"]) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-security-policy")).toBe(DASHBOARD_CSP);
      expect(response.headers.get("cache-control")).toBe("no-cache");
      const html = await response.text();
      // A site's page does not say whether it exists: every non-public site gets the same page.
      expect(html).toContain('<meta name="stepwise-access" content="token">');
      expect(html).not.toMatch(/<script>|<style>|style="/);
    }
    expect(DASHBOARD_CSP).toContain("default-src 'none'");
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).toContain("connect-src 'self'");
    expect(DASHBOARD_CSP).not.toContain("unsafe");
  });

  it("serves the built files by their hashed names, immutable, and nothing else", async () => {
    const html = await (await get("/dashboard/")).text();
    const files = [...html.matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+)"/g)].map((match) => match[1] ?? "");
    expect(files).toHaveLength(3);
    for (const file of files) {
      const response = await get(file);
      expect(response.status, file).toBe(200);
      expect(response.headers.get("content-security-policy")).toBe(DASHBOARD_CSP);
      if (!file.endsWith(".svg")) expect(response.headers.get("cache-control")).toContain("immutable");
    }
    expect((await get("/dashboard/assets/dashboard.0000000000.js")).status).toBe(404);
    expect((await get("/dashboard/assets/constructor")).status).toBe(404);
    expect((await get("/dashboard/Not_A_Site!")).status).toBe(404);
    const bare = await get("/dashboard");
    expect([bare.status, bare.headers.get("location"), (await get("/dashboard/")).status]).toEqual([301, "/dashboard/", 200]);
  });
});

describe("public sites", () => {
  const directory = loadSiteDirectory({
    sites: [
      { id: "open.example", public: true },
      { id: "closed.example", readTokenSha256: ["7af669d3910fe300be1395fb1c7cbbb010ee26f2c1f73061528f4d1e6af11438"] },
    ],
  });

  it("answer reports without a token, whatever token comes along, and only for themselves", async () => {
    await expect(requireReportAccess(undefined, "admin", directory, "open.example")).resolves.toBeUndefined();
    await expect(requireReportAccess("Bearer wrong", "admin", directory, "open.example")).resolves.toBeUndefined();
    // Even where the deployment has no token at all.
    await expect(requireReportAccess(undefined, undefined, directory, "open.example")).resolves.toBeUndefined();
    await expect(requireReportAccess(undefined, "admin", directory, "closed.example")).rejects.toMatchObject({ status: 401 });
    await expect(requireReportAccess(undefined, "admin", directory, "other.example")).rejects.toMatchObject({ status: 401 });
  });

  it("are off unless the config says so", () => {
    expect(directory.get("closed.example")?.public).toBe(false);
    expect(directory.get("open.example")?.public).toBe(true);
  });
});
