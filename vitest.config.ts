import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/**
 * Every test runs inside workerd with the real SiteStore Durable Objects (SQLite storage).
 * Bindings are the deployed defaults from wrangler.toml plus a test token; tests that need
 * other settings pass their own env to `app.fetch`.
 */
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: { STATS_TOKEN: "test-token", UNKNOWN_SITES: "accept", ALLOW_LOCALHOST: "false" },
      },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
  },
});
