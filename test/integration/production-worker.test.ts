import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { eventRequest, fetchWithSettings, getStats, readJson } from "../support/collector";

describe("the production worker", () => {
  it("has no benchmark routes", async () => {
    for (const path of ["/__bench/noop", "/__bench/counter", "/__bench/simulate/shop.example?day=1&hits=1&visitors=1"]) {
      expect((await exports.default.fetch(`https://collector.test${path}`, { method: "POST" })).status, path).toBe(404);
    }
    expect((await exports.default.fetch("https://collector.test/__bench/usage/shop.example")).status).toBe(404);
  });

  it("binds the site store and no benchmark object", () => {
    // The test runner adds Durable Objects of its own (named __VITEST_...); the worker's are the others.
    const objects = Object.entries(env).filter(
      ([name, value]) => !name.startsWith("__") && typeof value === "object" && value !== null && "idFromName" in value,
    );
    expect(objects.map(([name]) => name)).toEqual(["SITE_STORE"]);
  });
});

describe("geolocation", () => {
  it("counts the request's country, or (unknown) where GEOLOCATION is off as in local development", async () => {
    const hit = (site: string) => eventRequest({ n: "pageview", u: `https://${site}/`, d: site }, { country: "DE" });
    expect((await fetchWithSettings(hit("geo-on.test"), {})).status).toBe(202);
    expect((await fetchWithSettings(hit("geo-off.test"), { GEOLOCATION: "off" })).status).toBe(202);
    const countries = async (site: string) =>
      (await readJson<{ breakdowns: { country: { value: string }[] } }>(await getStats(site))).breakdowns.country.map((row) => row.value);
    expect(await countries("geo-on.test")).toEqual(["DE"]);
    expect(await countries("geo-off.test")).toEqual(["(unknown)"]);
  });
});
