import { Hono } from "hono";
import { ApiError } from "../src/http/api-error";
import { statsQuerySchema } from "../src/schemas/stats-query-schema";
import type { BenchEnv } from "./bench-env";

/** Routes of the bench worker only: the two baselines ingest is compared with, and store usage. */
export const benchRoutes = new Hono<{ Bindings: BenchEnv }>();

/** Baseline 1: the Worker answering and nothing else. */
benchRoutes.post("/__bench/noop", (c) => c.body(null, 204));

/** Baseline 2: one bare Durable Object counter increment, the floor of this architecture. */
benchRoutes.post("/__bench/counter", async (c) => {
  await c.env.BENCH_COUNTER.getByName("bench").increment();
  return c.body(null, 204);
});

/** Hits recorded, rows written and bytes stored by one site's store. */
benchRoutes.get("/__bench/usage/:site", async (c) => c.json(await c.env.SITE_STORE.getByName(c.req.param("site")).usage()));

/** Folds what a site's store holds pending in its write log into its tables now (bench/run.mjs, before measuring). */
benchRoutes.post("/__bench/checkpoint/:site", async (c) => c.json(await c.env.SITE_STORE.getByName(c.req.param("site")).checkpoint()));

/** One simulated day of traffic recorded into a site's store, then that day's maintenance (bench/run.mjs). */
benchRoutes.post("/__bench/simulate/:site", async (c) => {
  const day = Number(c.req.query("day"));
  const hits = Number(c.req.query("hits"));
  const visitors = Number(c.req.query("visitors"));
  if (![day, hits, visitors].every((value) => Number.isInteger(value) && value > 0)) {
    throw new ApiError(400, "invalid_query", "day, hits and visitors must be positive integers.");
  }
  return c.json(await c.env.SITE_STORE.getByName(c.req.param("site")).simulateDay(day, hits, visitors));
});

/**
 * One report of a site timed inside its store, next to the live computation it replaced
 * (BenchSiteStore.timeReport); the query is a stats query (from, to, filters, limit), plus
 * `liveFirst=1` to time the live computation first.
 */
benchRoutes.get("/__bench/report-time/:site", async (c) => {
  const { liveFirst, ...query } = c.req.query();
  const parsed = statsQuerySchema(Math.floor(Date.now() / 86_400_000)).safeParse(query);
  if (!parsed.success) throw new ApiError(400, "invalid_query", "Not a stats query.");
  const { range, filters, limit } = parsed.data;
  return c.json(await c.env.SITE_STORE.getByName(c.req.param("site")).timeReport(range, filters, limit, liveFirst === "1"));
});
