import { Hono } from "hono";
import { handleError } from "../src/http/handle-error";
import app from "../src/index";
import type { BenchEnv } from "./bench-env";
import { benchRoutes } from "./bench-routes";
import { decodeGeolocation, GEO_HEADER } from "./simulated-traffic";

/**
 * A request as Cloudflare would hand it over for a visitor placed by the bench-only geolocation
 * header (bench/simulated-traffic.ts): `request.cf` carries its country, region and city, as in
 * production, where Cloudflare's edge sets them (locally there is no such data). The header is
 * removed; requests without it pass unchanged.
 */
function withBenchGeolocation(request: Request): Request {
  const header = request.headers.get(GEO_HEADER);
  if (header === null) return request;
  const geo = decodeGeolocation(header);
  const headers = new Headers(request.headers);
  headers.delete(GEO_HEADER);
  return new Request(request, { headers, cf: { ...request.cf, ...geo } });
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
