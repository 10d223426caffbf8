// The bench worker (bench/wrangler.toml: the production worker plus the /__bench/ routes) in
// workerd through Miniflare, on 127.0.0.1 with state in a temporary folder, for the dashboard's
// benchmarks (bench/run.mjs, bench/dashboard-render.mjs) and screenshots (scripts/screenshots.mjs).
// `siteConfig` swaps the bench's sites for another config object; `bindings` overrides variables.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";

export const BENCH_TOKEN = "bench-token";
const ROOT = resolve(import.meta.dirname, "..");

/**
 * Starts the worker; `simulate(site, day, hits)` records a simulated day (days since the epoch).
 * `stateDir` keeps the state in a folder of the caller's, kept afterwards (for re-runs on a built site).
 */
export async function startBenchWorker({ siteConfig, stateDir: keptState, bindings = {} } = {}) {
  const outdir = mkdtempSync(join(tmpdir(), "stepwise-dash-dist-"));
  const stateDir = keptState ?? mkdtempSync(join(tmpdir(), "stepwise-dash-state-"));
  let config = join(ROOT, "bench/wrangler.toml");
  if (siteConfig !== undefined) {
    // bench/wrangler.toml with the sites aliased to a JSON file of `siteConfig`.
    const { experimental_readRawConfig } = await import("wrangler");
    const { rawConfig } = experimental_readRawConfig({ config });
    writeFileSync(join(outdir, "sites.json"), JSON.stringify(siteConfig));
    config = join(outdir, "wrangler.json");
    writeFileSync(
      config,
      JSON.stringify({
        ...rawConfig,
        main: join(ROOT, "bench", rawConfig.main),
        alias: { "../generated/site-config.json": join(outdir, "sites.json") },
      }),
    );
  }
  execFileSync(
    process.execPath,
    [join(ROOT, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--config", config, "--outdir", join(outdir, "dist")],
    {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    },
  );
  const compatibilityDate = /compatibility_date\s*=\s*"([^"]+)"/.exec(readFileSync(join(ROOT, "bench/wrangler.toml"), "utf8"))?.[1];
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      resourcePersistencePath: stateDir,
      workers: [
        {
          name: "stepwise",
          modules: true,
          modulesRoot: join(outdir, "dist"),
          scriptPath: join(outdir, "dist", "bench-worker.js"),
          compatibilityDate,
          durableObjects: {
            SITE_STORE: { className: "BenchSiteStore", useSQLite: true },
            BENCH_COUNTER: { className: "BenchCounter", useSQLite: true },
          },
          bindings: {
            UNKNOWN_SITES: "drop",
            ALLOW_LOCALHOST: "false",
            STATS_TOKEN: BENCH_TOKEN,
            DEMO_SHOP: "false",
            GEOLOCATION: "request",
            HOURLY_DETAIL_DAYS: "31",
            ...bindings,
          },
        },
      ],
    }),
  );
  const origin = (await mf.ready).origin.replace(/\/$/, "");
  return {
    origin,
    async simulate(site, day, hits) {
      const response = await fetch(`${origin}/__bench/simulate/${site}?day=${day}&hits=${hits}&mix=normal&rows=0`, { method: "POST" });
      if (!response.ok) throw new Error(`simulate ${site} ${day}: ${response.status} ${await response.text()}`);
      return response.json();
    },
    async dispose() {
      await mf.dispose();
      rmSync(outdir, { recursive: true, force: true });
      if (keptState === undefined) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium (or CHROMIUM_PATH) through playwright-core, with the flags of test/browser/support/chromium.ts. */
export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export const DAY_MS = 86_400_000;
export const isoDay = (day) => new Date(day * DAY_MS).toISOString().slice(0, 10);
