import { Hono } from "hono";
import { ApiError } from "../src/http/api-error";
import { statsQuerySchema } from "../src/schemas/stats-query-schema";
import type { BenchEnv } from "./bench-env";
import type { SimulatedMix } from "./bench-site-store";

/** Routes of the bench worker only: the two baselines ingest is compared with, store usage, maintenance and simulated days. */
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

/** The daily maintenance as a site's alarm would run it at `at` (ms since the epoch), e.g. once the day closed (bench/run.mjs). */
benchRoutes.post("/__bench/maintain/:site", async (c) => {
  const at = Number(c.req.query("at"));
  if (!Number.isSafeInteger(at) || at <= 0) throw new ApiError(400, "invalid_query", "at must be a time in milliseconds since the epoch.");
  return c.json(await c.env.SITE_STORE.getByName(c.req.param("site")).maintainAt(at));
});

const MIXES: readonly SimulatedMix[] = ["normal", "flood-unique", "flood-combos"];

/**
 * One simulated day of traffic (`mix`, default normal) recorded into a site's store, then that
 * day's maintenance (bench/run.mjs); `rows=0` skips counting the rows held.
 */
benchRoutes.post("/__bench/simulate/:site", async (c) => {
  const day = Number(c.req.query("day"));
  const hits = Number(c.req.query("hits"));
  const mix = MIXES.find((name) => name === (c.req.query("mix") ?? "normal"));
  if (![day, hits].every((value) => Number.isInteger(value) && value > 0) || mix === undefined) {
    throw new ApiError(400, "invalid_query", `day and hits must be positive integers; mix one of ${MIXES.join(", ")}.`);
  }
  return c.json(await c.env.SITE_STORE.getByName(c.req.param("site")).simulateDay(day, hits, mix, c.req.query("rows") !== "0"));
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
