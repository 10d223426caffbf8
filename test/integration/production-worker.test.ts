import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

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
