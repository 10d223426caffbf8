// `npm run bench`: stepwise's ingest under load, next to its two baselines, on one worker in
// workerd driven through Miniflare directly (no wrangler dev proxy in the path), loaded by
// autocannon on 127.0.0.1. Prints a table and, last, one JSON line; rewrites the results
// section of BENCHMARKS.md. Tunable: BENCH_SECONDS (per scenario), BENCH_ROWS_SECONDS (the
// rows-written runs), BENCH_CONNECTIONS.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = 3;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const SITE = "bench.example";
const LONG_RUN_DAYS = Number(process.env.BENCH_LONG_RUN_DAYS ?? 30);
const BIG_SITE_HITS = Number(process.env.BENCH_BIG_SITE_HITS ?? 1_000_000);
// Hourly buckets are folded into days after this many days (HOURLY_DETAIL_DAYS): the deployed
// default, which the report targets are stated for.
const HOURLY_DETAIL_DAYS = 31;
// The 365-day report's site: traffic on every day of a year.
const YEAR_SITE_HITS_PER_DAY = Number(process.env.BENCH_YEAR_SITE_HITS_PER_DAY ?? 1_000);
const TOKEN = "bench-token";
// Rows written per hit under sustained load are measured over two checkpoint cycles (30 s each,
// src/storage/hit-writer.ts: the timer's, then the closing one), with a checkpoint before: what
// cycles cost. Over a shorter window the closing checkpoint writes every visitor row for fewer
// hits, so the figure would depend on the window, not on the design.
const ROWS_SECONDS = Number(process.env.BENCH_ROWS_SECONDS ?? 60);

// 1. Bundle exactly what `wrangler deploy` would upload (tracker built by wrangler's [build]).
const outdir = mkdtempSync(join(tmpdir(), "stepwise-bench-dist-"));
const stateDir = mkdtempSync(join(tmpdir(), "stepwise-bench-state-"));
execFileSync(
  process.execPath,
  ["node_modules/wrangler/bin/wrangler.js", "deploy", "--dry-run", "--config", "bench/wrangler.toml", "--outdir", outdir],
  {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  },
);
const compatibilityDate = /compatibility_date\s*=\s*"([^"]+)"/.exec(readFileSync("bench/wrangler.toml", "utf8"))?.[1];

// 2. One worker in workerd, SQLite-backed Durable Objects persisted to a temporary folder.
// Miniflare 5 takes wrangler-shaped config; its converter accepts the classic (v4) options.
const mf = new Miniflare(
  convertV4MiniflareOptions({
    host: "127.0.0.1",
    port: 0,
    resourcePersistencePath: stateDir,
    workers: [
      {
        name: "stepwise",
        modules: true,
        // Module paths are kept relative to this root; the bundle lives in a temporary folder.
        modulesRoot: outdir,
        scriptPath: join(outdir, "bench-worker.js"),
        compatibilityDate,
        durableObjects: {
          SITE_STORE: { className: "BenchSiteStore", useSQLite: true },
          BENCH_COUNTER: { className: "BenchCounter", useSQLite: true },
        },
        bindings: {
          UNKNOWN_SITES: "accept",
          ALLOW_LOCALHOST: "false",
          STATS_TOKEN: TOKEN,
          DEMO_SHOP: "false",
          HOURLY_DETAIL_DAYS: String(HOURLY_DETAIL_DAYS),
        },
      },
    ],
  }),
);
const origin = (await mf.ready).origin;

// 3. A realistic mix: 80 % pageviews, 15 % micro, 5 % macro with revenue; 2,000 visitors,
// 60 pages, several channels.
const PAGES = Array.from({ length: 60 }, (_, i) => (i === 0 ? "/" : i < 40 ? `/products/item-${i}` : `/blog/post-${i}`));
const ARRIVALS = [
  { r: "https://www.google.com/" },
  { r: "https://www.bing.com/" },
  { r: "https://t.co/x" },
  { r: "https://www.linkedin.com/" },
  { q: "?utm_source=newsletter&utm_medium=email&utm_campaign=weekly" },
  { q: "?utm_source=google&utm_medium=cpc&gclid=x" },
  {},
];
const MICRO = ["add_to_cart", "search", "sign_up", "newsletter_signup", "File Download"];
const AGENTS = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
];
let sequence = 0;
function nextHit() {
  const n = sequence++;
  const visitor = (n * 7919) % 2000;
  const page = PAGES[(n * 31) % PAGES.length];
  const arrival = ARRIVALS[visitor % ARRIVALS.length];
  const roll = n % 20; // 16 of 20 pageviews, 3 micro, 1 macro
  const body =
    roll < 16
      ? { n: "pageview", u: `https://${SITE}${page}${arrival.q ?? ""}`, d: SITE, r: arrival.r }
      : roll < 19
        ? { n: MICRO[n % MICRO.length], u: `https://${SITE}${page}`, d: SITE }
        : { n: "purchase", u: `https://${SITE}/checkout`, d: SITE, $: { amount: 10 + (n % 90), currency: n % 2 ? "EUR" : "USD" } };
  return {
    body: JSON.stringify(body),
    headers: {
      "content-type": "text/plain",
      "user-agent": AGENTS[visitor % AGENTS.length],
      "cf-connecting-ip": `198.18.${visitor >> 8}.${visitor & 255}`,
    },
  };
}

function load(path, seconds, options = {}) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: origin,
        connections: CONNECTIONS,
        duration: seconds,
        requests: [
          {
            method: "POST",
            path,
            setupRequest: (request) => (options.hits ? { ...request, ...nextHit() } : request),
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

async function measure(name, path, options = {}) {
  await load(path, WARMUP_SECONDS, options);
  const before = await options.snapshot?.();
  const result = await load(path, options.seconds ?? SECONDS, options);
  const after = await options.snapshot?.();
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) throw new Error(`${name}: ${failed} failed requests`);
  return {
    name,
    hitsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    before,
    after,
  };
}

const usage = async () => (await fetch(`${origin}/__bench/usage/${SITE}`)).json();
// Before and after a measured run: a checkpoint first, so the rows it writes for the run's hits
// (and only those) fall inside the run's all-in figure.
const settledUsage = async () => {
  const response = await fetch(`${origin}/__bench/checkpoint/${SITE}`, { method: "POST" });
  if (!response.ok) throw new Error(`checkpoint ${response.status}`);
  return usage();
};
/** Rows written per hit between two usage snapshots: all-in and by phase. */
const rowsPerHitOf = ({ before, after }) => {
  const hits = after.hitsRecorded - before.hitsRecorded;
  return {
    hits,
    allIn: (after.rowsWritten - before.rowsWritten) / hits,
    ingest: (after.rowsWrittenByPhase.ingest - before.rowsWrittenByPhase.ingest) / hits,
    checkpoint: (after.rowsWrittenByPhase.checkpoint - before.rowsWrittenByPhase.checkpoint) / hits,
  };
};
const get = (path) => fetch(`${origin}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });

try {
  const noop = await measure("no-op route", "/__bench/noop");
  const counter = await measure("bare DO counter", "/__bench/counter");
  const ingest = await measure("ingest (POST /api/event)", "/api/event", { hits: true, snapshot: settledUsage });
  const { before, after } = ingest;
  const { hits, allIn: rowsPerHitShort } = rowsPerHitOf(ingest);
  const sustained = await measure(`ingest, ${ROWS_SECONDS} s`, "/api/event", { hits: true, snapshot: settledUsage, seconds: ROWS_SECONDS });
  const { allIn: rowsPerHit, ingest: rowsPerHitIngest, checkpoint: rowsPerHitCheckpoint } = rowsPerHitOf(sustained);
  const bytesPer1k = ((after.databaseBytes - before.databaseBytes) / hits) * 1_000;
  // The same load while a dashboard reads the site's report every 5 s: each read runs a
  // checkpoint first, so reads make checkpoints more frequent.
  let polls = 0;
  const poller = setInterval(() => {
    polls += 1;
    get(`/api/stats/${SITE}`)
      .then((response) => response.arrayBuffer())
      .catch(() => undefined);
  }, 5_000);
  const polled = await measure(`ingest, ${ROWS_SECONDS} s, report read every 5 s`, "/api/event", {
    hits: true,
    snapshot: settledUsage,
    seconds: ROWS_SECONDS,
  }).finally(() => clearInterval(poller));
  const rowsPerHitPolled = rowsPerHitOf(polled).allIn;

  // Days pass: simulated days of traffic recorded through the store's record path, each followed
  // by the midnight maintenance (rollups, 48 h expiry, folding of hours older than 7 days).
  const today = Math.floor(Date.now() / 86_400_000);
  const simulate = async (site, day, hits, visitors) => {
    const response = await fetch(`${origin}/__bench/simulate/${site}?day=${day}&hits=${hits}&visitors=${visitors}`, { method: "POST" });
    if (!response.ok) throw new Error(`simulate ${response.status}: ${await response.text()}`);
    return response.json();
  };
  const longRun = [];
  const longRunStarted = performance.now();
  for (let d = 0; d < LONG_RUN_DAYS; d++)
    longRun.push({ day: d + 1, ...(await simulate("longrun.example", today - LONG_RUN_DAYS + d, 3_000, 1_000)) });
  const longRunSeconds = (performance.now() - longRunStarted) / 1_000;

  // A site holding 1,000,000 hits over 90 days, and a site with traffic on every day of a year.
  const hitsPerDay = Math.ceil(BIG_SITE_HITS / 90);
  let big;
  const bigMaintenanceMs = [];
  for (let d = 0; d < 90; d++) {
    big = await simulate("big.example", today - 90 + d, hitsPerDay, 3_000);
    bigMaintenanceMs.push(big.maintenanceMs);
  }
  const yearDays = 365;
  for (let d = 0; d < yearDays; d++) await simulate("year.example", today - yearDays + d, YEAR_SITE_HITS_PER_DAY, 300);
  const from = new Date((today - 90) * 86_400_000).toISOString().slice(0, 10);
  const to = new Date((today - 1) * 86_400_000).toISOString().slice(0, 10);
  const yearFrom = new Date((today - yearDays) * 86_400_000).toISOString().slice(0, 10);
  // Their reports timed inside the object, in 7 rounds interleaving the three reports, each next
  // to the live sums over the hourly counters that reports did before the day aggregates
  // (BenchSiteStore.timeReport, which also checks that both give the same report); medians.
  const reports = {
    "90d": ["big.example", `from=${from}&to=${to}`],
    "90d_filtered": ["big.example", `from=${from}&to=${to}&country=DE`],
    "365d": ["year.example", `from=${yearFrom}&to=${to}`],
  };
  const times = Object.fromEntries(Object.keys(reports).map((name) => [name, { ms: [], liveMs: [] }]));
  for (let round = 0; round < 7; round++) {
    for (const [name, [site, query]] of Object.entries(reports)) {
      const response = await fetch(`${origin}/__bench/report-time/${site}?${query}&liveFirst=${round % 2}`);
      if (!response.ok) throw new Error(`report ${response.status}: ${await response.text()}`);
      const { ms, liveMs } = await response.json();
      times[name].ms.push(ms);
      times[name].liveMs.push(liveMs);
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const reportMs = median(times["90d"].ms);
  const reportMsFiltered = median(times["90d_filtered"].ms);
  const reportMs365 = median(times["365d"].ms);

  // A lone hit on an otherwise idle site, all-in (its rows, and what a checkpoint then adds).
  const quiet = await fetch(`${origin}/api/event`, {
    method: "POST",
    headers: { "content-type": "text/plain", "user-agent": AGENTS[0], "cf-connecting-ip": "198.18.200.1" },
    body: JSON.stringify({ n: "pageview", u: "https://quiet.example/", d: "quiet.example" }),
  });
  if (quiet.status !== 202) throw new Error(`quiet hit ${quiet.status}`);
  await fetch(`${origin}/__bench/checkpoint/quiet.example`, { method: "POST" });
  const quietHitRows = (await (await fetch(`${origin}/__bench/usage/quiet.example`)).json()).rowsWritten;

  const rows = [noop, counter, ingest, sustained, polled];
  const table = [
    "| scenario | hits/s | p50 ms | p99 ms | requests |",
    "|---|---:|---:|---:|---:|",
    ...rows.map((row) => `| ${row.name} | ${row.hitsPerSecond.toFixed(0)} | ${row.p50} | ${row.p99} | ${row.total} |`),
  ].join("\n");
  const summary = {
    hits_per_s: Math.round(ingest.hitsPerSecond),
    p99_ms: ingest.p99,
    ratio_vs_noop: Number((ingest.hitsPerSecond / noop.hitsPerSecond).toFixed(3)),
    ratio_vs_counter: Number((ingest.hitsPerSecond / counter.hitsPerSecond).toFixed(3)),
    rows_written_per_hit: Number(rowsPerHit.toFixed(3)),
    rows_written_per_hit_ingest: Number(rowsPerHitIngest.toFixed(3)),
    rows_written_per_hit_polled: Number(rowsPerHitPolled.toFixed(3)),
    bytes_per_1k_hits: Math.round(bytesPer1k),
    report_ms_90d: Number(reportMs.toFixed(1)),
    report_ms_90d_filtered: Number(reportMsFiltered.toFixed(1)),
    report_ms_365d: Number(reportMs365.toFixed(1)),
    report_ms_90d_live: Number(median(times["90d"].liveMs).toFixed(1)),
    report_ms_90d_filtered_live: Number(median(times["90d_filtered"].liveMs).toFixed(1)),
    report_ms_365d_live: Number(median(times["365d"].liveMs).toFixed(1)),
    quiet_hit_rows: quietHitRows,
    hourly_detail_days: HOURLY_DETAIL_DAYS,
  };
  const details = [
    `- ${hits} hits recorded during the measured ingest run (${CONNECTIONS} connections, ${SECONDS} s per scenario after ${WARMUP_SECONDS} s warm-up)`,
    `- rows written per hit over ${ROWS_SECONDS} s of load, all-in: ${summary.rows_written_per_hit} (ingest ${summary.rows_written_per_hit_ingest}, checkpoint ${Number(rowsPerHitCheckpoint.toFixed(3))}); with a report read every 5 s (${polls} reads): ${summary.rows_written_per_hit_polled}; over the ${SECONDS} s run alone: ${Number(rowsPerHitShort.toFixed(3))}`,
    `- bytes stored per 1,000 hits: ${summary.bytes_per_1k_hits}`,
    `- rows held by the site's object after the run: ${JSON.stringify(after.rows)}`,
    `- 90-day report of a site holding ${big.hitsRecorded} hits over 90 days (${JSON.stringify(big.rows)}, ${big.databaseBytes} bytes), inside the object: median ${summary.report_ms_90d} ms of 7 (live sums over the counters: ${summary.report_ms_90d_live} ms); with \`country=DE\`: ${summary.report_ms_90d_filtered} ms (${summary.report_ms_90d_filtered_live} ms); its daily maintenance, day aggregates included: median ${median(bigMaintenanceMs).toFixed(0)} ms`,
    `- 365-day report of a site with ${YEAR_SITE_HITS_PER_DAY} hits on each of 365 days, inside the object: median ${summary.report_ms_365d} ms of 7 (live: ${summary.report_ms_365d_live} ms), rounds interleaved with the two above`,
    `- a lone hit on an idle site wrote ${summary.quiet_hit_rows} rows all-in`,
  ].join("\n");
  const longRunTable = [
    `Long run: ${LONG_RUN_DAYS} days of 3,000 hits from 1,000 visitors a day (${longRunSeconds.toFixed(0)} s), hourly detail kept ${HOURLY_DETAIL_DAYS} days:`,
    "",
    "| day | hits so far | hourly_counters rows | visitors rows | salts | database bytes |",
    "|---:|---:|---:|---:|---:|---:|",
    ...longRun
      .filter((row) => row.day === 1 || row.day % 5 === 0 || row.day === LONG_RUN_DAYS)
      .map(
        (row) =>
          `| ${row.day} | ${row.hitsRecorded} | ${row.rows.hourly_counters} | ${row.rows.visitors} | ${row.rows.salts} | ${row.databaseBytes} |`,
      ),
  ].join("\n");
  console.log(`\n${table}\n\n${details}\n\n${longRunTable}\n`);

  const benchmarks = readFileSync("BENCHMARKS.md", "utf8");
  const section = `<!-- results:start -->\nLatest run (${new Date().toISOString().slice(0, 16)}Z, ${process.platform}, Node ${process.version}):\n\n${table}\n\n${details}\n\n${longRunTable}\n\n\`\`\`json\n${JSON.stringify(summary)}\n\`\`\`\n<!-- results:end -->`;
  writeFileSync("BENCHMARKS.md", benchmarks.replace(/<!-- results:start -->[\s\S]*<!-- results:end -->/, section));
  console.log(JSON.stringify(summary));
} finally {
  await mf.dispose();
  rmSync(outdir, { recursive: true, force: true });
  rmSync(stateDir, { recursive: true, force: true });
}
