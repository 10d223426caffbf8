import { Hono } from "hono";
import { readSettings } from "../config/settings";
import { ApiError } from "../http/api-error";
import { siteStore } from "../storage/site-store-client";

/**
 * Routes for `npm run bench` only (BENCH_ROUTES=true; the deployed default is false): the two
 * baselines ingest is compared with, on the same worker, and the stores' usage counters.
 */
export const benchRoute = new Hono<{ Bindings: Env }>();

benchRoute.use("/__bench/*", async (c, next) => {
  if (!readSettings(c.env).BENCH_ROUTES) throw new ApiError(404, "not_found", "No such endpoint.");
  await next();
});

/** Baseline 1: the Worker answering and nothing else. */
benchRoute.post("/__bench/noop", (c) => c.body(null, 204));

/** Baseline 2: one bare Durable Object counter increment, the floor of this architecture. */
benchRoute.post("/__bench/counter", async (c) => {
  await c.env.BENCH_COUNTER.getByName("bench").increment();
  return c.body(null, 204);
});

/** Hits recorded, rows written and bytes stored by one site's store. */
benchRoute.get("/__bench/usage/:site", async (c) => c.json(await siteStore(c.env, c.req.param("site")).usage()));

/** One simulated day of traffic recorded into a site's store, then that day's maintenance (scripts/bench.mjs). */
benchRoute.post("/__bench/simulate/:site", async (c) => {
  const day = Number(c.req.query("day"));
  const hits = Number(c.req.query("hits"));
  const visitors = Number(c.req.query("visitors"));
  if (![day, hits, visitors].every((value) => Number.isInteger(value) && value > 0)) {
    throw new ApiError(400, "invalid_query", "day, hits and visitors must be positive integers.");
  }
  return c.json(await siteStore(c.env, c.req.param("site")).simulateDay(day, hits, visitors));
});
