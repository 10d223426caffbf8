import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/** The sites the tests need, loaded in place of the shipped stepwise.config.json (src/config/sites.ts). */
const FIXTURE_SITES = fileURLToPath(new URL("./test/fixtures/stepwise.config.json", import.meta.url));

/**
 * Two projects:
 * - "workers": unit, integration and storage tests inside workerd with the real SiteStore
 *   Durable Objects (SQLite storage). Bindings are the deployed defaults from wrangler.toml plus
 *   a test token; tests that need other settings pass their own env to `app.fetch`.
 * - "browser": Node tests that drive headless Chromium (playwright-core): the tracker's own
 *   tests against a local beacon recorder, and the demo shop against `wrangler dev`.
 */
export default defineConfig({
  test: {
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
        test: { name: "workers", include: ["test/{unit,integration,storage}/**/*.test.ts"] },
      },
      {
        // The bench worker (bench/wrangler.toml): what `npm run bench` measures works.
        resolve: { alias: [{ find: /^\.\.\/generated\/site-config\.json$/, replacement: FIXTURE_SITES }] },
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
