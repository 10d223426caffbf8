import { Hono } from "hono";
import { handleError } from "../src/http/handle-error";
import app from "../src/index";
import type { BenchEnv } from "./bench-env";
import { benchRoutes } from "./bench-routes";

/**
 * The benchmark's worker (`npm run bench`, bench/wrangler.toml): the production worker with the
 * /__bench/ routes in front of it and the instrumented store. Never deployed.
 */
const bench = new Hono<{ Bindings: BenchEnv }>();
bench.route("/", benchRoutes);
bench.all("*", (c) => app.fetch(c.req.raw, c.env as unknown as Env, c.executionCtx));
bench.onError(handleError);

export default bench;
export { BenchCounter } from "./bench-counter";
export { BenchSiteStore } from "./bench-site-store";
