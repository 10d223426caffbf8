import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/**
 * The sites the tests need, loaded in place of the shipped stepwise.config.json (src/config/sites.ts):
 * test/fixtures/stepwise.config.json, with the alert webhooks pointed at the local receiver.
 */
const FIXTURE_SITES = fileURLToPath(new URL("./test/fixtures/site-config.ts", import.meta.url));
/** The bench shop, which the bench worker loads in its place too (bench/wrangler.toml [alias]). */
const BENCH_SITES = fileURLToPath(new URL("./bench/bench-shop.ts", import.meta.url));

// wrangler, reading wrangler.toml for each test file, logs "Using secrets defined in .dev.vars"
// each time, and @cloudflare/vitest-plugin has no option to skip .dev.vars. The tests do not need
// it (the bindings below set every value it holds; it is there for `wrangler dev`), so wrangler
// logs only warnings and errors here, unless WRANGLER_LOG says otherwise.
process.env.WRANGLER_LOG ??= "warn";

// workerd reports each failure the storage fault test injects as an uncaught exception with its
// stack (thousands of lines a run), and @cloudflare/vitest-plugin writes workerd's logs straight
// to stdout and stderr, past `silent`, with no option to filter them. Those reports, and only
// those, are dropped: the failures are expected, and the test itself asserts they were injected.
const INJECTED_FAULT = /^uncaught exception;.*\binjected (storage failure|reset)\b/;
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream);
  stream.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
    (typeof chunk === "string" && INJECTED_FAULT.test(chunk)) || write(chunk, ...rest)) as typeof stream.write;
}

/**
 * Two projects:
 * - "workers": unit, integration and storage tests inside workerd with the real SiteStore
 *   Durable Objects (SQLite storage). Bindings are the deployed defaults from wrangler.toml plus
 *   a test token; tests that need other settings pass their own env to `app.fetch`. A real HTTP
 *   receiver for the alert webhook runs in Node beside them (test/support/webhook-receiver.ts):
 *   workerd's fetch reaches 127.0.0.1 directly, so nothing stands in for the network.
 * - "browser": Node tests that drive headless Chromium (playwright-core): the tracker's own
 *   tests against a local beacon recorder, and the demo shop against `wrangler dev`; and the
 *   OpenAPI document's validation, whose validators compile schemas with `new Function` (workerd refuses).
 */
export default defineConfig({
  test: {
    // A green run is a line of dots and a summary. The console output of passing tests (the
    // worker's logs) is dropped; a failing test shows its error, its diff and its console output.
    reporters: ["dot"],
    silent: "passed-only",
    projects: [
      {
        resolve: { alias: [{ find: /^\.\.\/generated\/site-config\.json$/, replacement: FIXTURE_SITES }] },
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                STATS_TOKEN: "test-token",
                UNKNOWN_SITES: "accept",
                ALLOW_LOCALHOST: "false",
                DEMO_SHOP: "false",
                GEOLOCATION: "request",
              },
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/{unit,integration,storage}/**/*.test.ts"],
          globalSetup: ["./test/support/webhook-receiver.ts"],
        },
      },
      {
        // The bench worker (bench/wrangler.toml): what `npm run bench` measures works.
        resolve: { alias: [{ find: /^\.\.\/generated\/site-config\.json$/, replacement: BENCH_SITES }] },
        plugins: [cloudflareTest({ wrangler: { configPath: "./bench/wrangler.toml" } })],
        test: { name: "bench", include: ["test/bench/**/*.test.ts"] },
      },
      {
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // One browser and one collector at a time: the machine has two cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
