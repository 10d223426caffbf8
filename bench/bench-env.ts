import type { BenchCounter } from "./bench-counter";
import type { BenchSiteStore } from "./bench-site-store";

/**
 * The bench worker's bindings (bench/wrangler.toml): the production ones, with SITE_STORE bound to
 * the instrumented store and the bare counter added. Written here because `wrangler types`
 * generates the production Env only.
 */
export interface BenchEnv extends Omit<Env, "SITE_STORE"> {
  SITE_STORE: DurableObjectNamespace<BenchSiteStore>;
  BENCH_COUNTER: DurableObjectNamespace<BenchCounter>;
}
