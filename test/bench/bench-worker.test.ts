import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { BenchEnv } from "../../bench/bench-env";
import { postEvent } from "../support/collector";

/** The bench worker (bench/wrangler.toml): the production worker behind the /__bench/ routes. */
const bench = (path: string, method = "POST") => exports.default.fetch(new Request(`https://collector.test${path}`, { method }));

describe("the bench worker of npm run bench", () => {
  it("answers the no-op and bumps the bare counter", async () => {
    expect((await bench("/__bench/noop")).status).toBe(204);
    expect((await bench("/__bench/counter")).status).toBe(204);
    expect(await (env as unknown as BenchEnv).BENCH_COUNTER.getByName("bench").increment()).toBe(2);
  });

  it("serves the production routes and reports what a hit cost the instrumented store", async () => {
    expect((await postEvent({ n: "pageview", u: "https://usage.test/", d: "usage.test" })).status).toBe(202);
    const usage = (await (await bench("/__bench/usage/usage.test", "GET")).json()) as {
      hitsRecorded: number;
      rowsWritten: number;
      rowsWrittenByPhase: { ingest: number; checkpoint: number };
      rows: Record<string, number>;
    };
    // A new visitor's pageview on a quiet site writes straight into the tables: its visitor row,
    // one counter row and its page as a value of the day (the daily caps); the salt is made first.
    // Nothing is left in the write log for a checkpoint.
    expect(usage).toMatchObject({
      hitsRecorded: 1,
      rowsWritten: 3,
      rowsWrittenByPhase: { ingest: 3, checkpoint: 0 },
      rows: { visitors: 1, hourly_counters: 1, salts: 1, day_values: 1 },
    });
    expect(await (await bench("/__bench/checkpoint/usage.test")).json()).toEqual({ rowsWritten: 0 });
  });

  it("times a report inside the store next to the live sums it replaced, after checking both agree", async () => {
    const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    expect((await bench(`/__bench/simulate/timed.test?day=${Math.floor(Date.now() / 86_400_000) - 1}&hits=40&visitors=5`)).status).toBe(
      200,
    );
    const response = await bench(`/__bench/report-time/timed.test?from=${day}&to=${day}&liveFirst=1`, "GET");
    expect(response.status).toBe(200);
    const timing = (await response.json()) as { ms: number; liveMs: number };
    expect(timing.ms).toBeGreaterThanOrEqual(0);
    expect(timing.liveMs).toBeGreaterThanOrEqual(0);
    expect((await bench("/__bench/report-time/timed.test?from=not-a-day", "GET")).status).toBe(400);
  });

  it("refuses a simulated day without whole numbers", async () => {
    expect((await bench("/__bench/simulate/x.test?day=1&hits=0&visitors=1")).status).toBe(400);
  });
});
