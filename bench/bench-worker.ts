import { Hono } from "hono";
import { handleError } from "../src/http/handle-error";
import app from "../src/index";
import type { BenchEnv } from "./bench-env";
import { benchRoutes } from "./bench-routes";
import { decodeGeolocation, GEO_HEADER } from "./simulated-traffic";

/**
 * A request as Cloudflare would hand it over for a visitor placed by the bench-only geolocation
 * header (bench/simulated-traffic.ts): `request.cf` carries its country, region and city, as in
 * production, where Cloudflare's edge sets them (locally there is no such data). Requests without
 * the header pass unchanged.
 */
function withBenchGeolocation(request: Request): Request {
  const header = request.headers.get(GEO_HEADER);
  if (header === null) return request;
  // Shadowed on the request itself: a copy (new Request with the header removed) cost about 7 %
  // of workerd's CPU under the throughput load, which production, where Cloudflare fills
  // request.cf, does not pay. The app reads no header it does not know, so the header stays.
  // Only the geolocation: reading request.cf to copy the rest decodes it once more per hit.
  Object.defineProperty(request, "cf", { value: decodeGeolocation(header) });
  return request;
}

/**
 * The benchmark's worker (`npm run bench`, bench/wrangler.toml): the production worker with the
 * /__bench/ routes in front of it and the instrumented store. Never deployed.
 */
const bench = new Hono<{ Bindings: BenchEnv }>();
bench.route("/", benchRoutes);
bench.all("*", (c) => app.fetch(withBenchGeolocation(c.req.raw), c.env as unknown as Env, c.executionCtx));
bench.onError(handleError);

export default bench;
export { BenchCounter } from "./bench-counter";
export { BenchSiteStore } from "./bench-site-store";
