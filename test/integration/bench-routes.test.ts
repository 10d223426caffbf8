import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { fetchWithSettings, postEvent } from "../support/collector";

describe("the /__bench/ routes of npm run bench", () => {
  it("do not exist unless BENCH_ROUTES is true (the deployed default)", async () => {
    for (const path of ["/__bench/noop", "/__bench/counter"]) {
      expect((await exports.default.fetch(`https://collector.test${path}`, { method: "POST" })).status).toBe(404);
    }
    expect((await exports.default.fetch("https://collector.test/__bench/usage/shop.example")).status).toBe(404);
  });

  it("answer the no-op, bump the bare counter, and report a store's usage where enabled", async () => {
    const bench = (path: string, method = "POST") =>
      fetchWithSettings(new Request(`https://collector.test${path}`, { method }), { BENCH_ROUTES: "true" });
    expect((await bench("/__bench/noop")).status).toBe(204);
    expect((await bench("/__bench/counter")).status).toBe(204);
    await postEvent({ n: "pageview", u: "https://usage.test/", d: "usage.test" });
    const usage = (await (await bench("/__bench/usage/usage.test", "GET")).json()) as {
      hitsRecorded: number;
      rowsWritten: number;
      rows: Record<string, number>;
    };
    expect(usage).toMatchObject({ hitsRecorded: 1, rowsWritten: 2, rows: { visitors: 1, hourly_counters: 1, salts: 1 } });
  });
});
