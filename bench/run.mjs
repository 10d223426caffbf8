// `npm run bench`: stepwise's ingest under load, next to its two baselines, on one worker in
// workerd driven through Miniflare directly (no wrangler dev proxy in the path), loaded by
// autocannon on 127.0.0.1, with the deployed defaults (HOURLY_DETAIL_DAYS=31) and the bench shop
// (bench/bench-shop.ts) receiving the traffic of bench/simulated-traffic.ts. Prints tables and,
// last, one JSON line; rewrites the results section of BENCHMARKS.md.
// Tunable: BENCH_SECONDS (per throughput scenario), BENCH_ROUNDS, BENCH_ROWS_SECONDS (the
// rows-written runs), BENCH_CONNECTIONS, BENCH_LONG_RUN_DAYS, BENCH_BIG_SITE_HITS,
// BENCH_YEAR_SITE_HITS_PER_DAY, BENCH_FLOOD_HITS.

import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import autocannon from "autocannon";
import { build } from "esbuild";
import { startBenchWorker } from "./bench-worker-process.mjs";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = 2;
const ROUNDS = Math.max(3, Number(process.env.BENCH_ROUNDS ?? 3));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const LONG_RUN_DAYS = Number(process.env.BENCH_LONG_RUN_DAYS ?? 35);
const LONG_RUN_HITS_PER_DAY = 2_000;
const BIG_SITE_HITS = Number(process.env.BENCH_BIG_SITE_HITS ?? 1_000_000);
const YEAR_SITE_HITS_PER_DAY = Number(process.env.BENCH_YEAR_SITE_HITS_PER_DAY ?? 1_000);
const FLOOD_HITS = Number(process.env.BENCH_FLOOD_HITS ?? 100_000);
// The deployed default (wrangler.toml): hourly buckets are folded into days after 31 days.
const HOURLY_DETAIL_DAYS = 31;
const TOKEN = "bench-token";
const DAY_MS = 86_400_000;
// The alarm runs a minute after midnight (src/storage/site-store.ts ALARM_DELAY_AFTER_MIDNIGHT_MS).
const ALARM_DELAY_MS = 60_000;
// Rows written per hit under sustained load are measured over two checkpoint cycles (30 s each,
// src/storage/hit-writer.ts: the timer's, then the closing one), then the days are closed.
const ROWS_SECONDS = Number(process.env.BENCH_ROWS_SECONDS ?? 60);
const SITE = "bench.example";

const benchStarted = performance.now();

// The traffic, bundled for Node from the same module the bench worker records simulated days with.
const traffic = await (async () => {
  const result = await build({
    entryPoints: ["bench/simulated-traffic.ts"],
    bundle: true,
    format: "esm",
    platform: "neutral",
    write: false,
    logLevel: "silent",
  });
  return import(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0].text).toString("base64")}`);
})();

// One worker in workerd (bench/bench-worker-process.mjs: the bundle `wrangler deploy` would upload,
// SQLite-backed Durable Objects in a temporary folder), with the deployed defaults (wrangler.toml
// [vars]) and unknown sites accepted for the baselines' checks.
const worker = await startBenchWorker({
  bindings: { UNKNOWN_SITES: "accept", STATS_TOKEN: TOKEN, HOURLY_DETAIL_DAYS: String(HOURLY_DETAIL_DAYS) },
});
const { origin } = worker;

// workerd, the one process serving everything: its CPU time and the bytes it writes, from /proc
// (Linux; elsewhere those two figures are null).
const workerdPid = (() => {
  try {
    return readdirSync("/proc")
      .filter((entry) => /^\d+$/.test(entry))
      .find((pid) => {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
          const parent = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1];
          return parent === String(process.pid) && readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "workerd";
        } catch {
          return false;
        }
      });
  } catch {
    return undefined;
  }
})();
if (workerdPid === undefined)
  console.warn("workerd's process not found under /proc: cpu_ms_per_hit and bytes_written_per_hit will be null");
const TICKS_PER_SECOND = workerdPid === undefined ? 100 : Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
/** workerd's CPU time so far (user + system, all threads) in ms, and the bytes it has passed to write calls. */
function workerdCounters() {
  if (workerdPid === undefined) return { cpuMs: Number.NaN, wchar: Number.NaN };
  const stat = readFileSync(`/proc/${workerdPid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat (man 5 proc), 12 and 13 after the name.
  const cpuMs = ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1_000;
  const wchar = Number(/^wchar: (\d+)$/m.exec(readFileSync(`/proc/${workerdPid}/io`, "utf8"))?.[1]);
  return { cpuMs, wchar };
}

const hitRequest = (mix) => {
  const { body, ip, userAgent, geo } = mix.next();
  return {
    body: JSON.stringify(body),
    headers: {
      "content-type": "text/plain",
      "user-agent": userAgent,
      "cf-connecting-ip": ip,
      [traffic.GEO_HEADER]: traffic.encodeGeolocation(geo),
    },
  };
};

function load(path, seconds, mix) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: origin,
        connections: CONNECTIONS,
        duration: seconds,
        requests: [{ method: "POST", path, setupRequest: (request) => (mix ? { ...request, ...hitRequest(mix) } : request) }],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

/**
 * One measured load after a warm-up: throughput, latency, workerd's CPU per request. With
 * `settle` (ingest), the site's pending log is folded before the measured load (so no work of the
 * warm-up is left), and again after it, timed: hits/s then counts that checkpoint's time too, the
 * work its hits leave behind, so that nothing of one scenario spills into the next.
 */
async function measure(name, path, { mix, seconds = SECONDS, warmup = WARMUP_SECONDS, settle } = {}) {
  if (warmup > 0) await load(path, warmup, mix);
  if (settle) await settle();
  const before = workerdCounters();
  const result = await load(path, seconds, mix);
  const settleStarted = performance.now();
  if (settle) await settle();
  const settleSeconds = (performance.now() - settleStarted) / 1_000;
  const after = workerdCounters();
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) throw new Error(`${name}: ${failed} failed requests`);
  return {
    name,
    hitsPerSecond: result.requests.total / (result.duration + (settle ? settleSeconds : 0)),
    settleSeconds: settle ? settleSeconds : null,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    cpuMsPerRequest: (after.cpuMs - before.cpuMs) / result.requests.total,
    responseBytes: result.throughput.total,
  };
}

const post = async (path) => {
  const response = await fetch(`${origin}${path}`, { method: "POST" });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
};
const usage = async (site) => (await fetch(`${origin}/__bench/usage/${site}`)).json();
const checkpoint = (site) => post(`/__bench/checkpoint/${site}`);
const get = (path) => fetch(`${origin}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
const dayOf = (ms) => Math.floor(ms / DAY_MS);
const isoDay = (day) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const round = (value, digits = 3) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : null);

/**
 * Closes the days a load fell on, as the site's alarm would: the maintenance of the next two
 * midnights (the roll-up of the last day, then the deletion of its visitor rows, event ids, day
 * values and salt) and of the midnight HOURLY_DETAIL_DAYS later, when its hours are folded into
 * days. Returns the site's usage after.
 */
async function closeDays(site, lastDay) {
  let after;
  for (const day of [lastDay + 1, lastDay + 2, lastDay + 1 + HOURLY_DETAIL_DAYS]) {
    after = await post(`/__bench/maintain/${site}?at=${day * DAY_MS + ALARM_DELAY_MS}`);
  }
  return after;
}

/**
 * A fresh site under sustained load for ROWS_SECONDS, then a checkpoint and the closing of its
 * days: every row it wrote, per hit, by table and phase; and the bytes workerd wrote meanwhile.
 */
async function rowsRun(name, site, options = {}) {
  const mix = new traffic.TrafficMix(site, { openVisits: 400 });
  const before = workerdCounters();
  const poll = options.pollEverySeconds;
  let polls = 0;
  const poller =
    poll &&
    setInterval(() => {
      polls += 1;
      get(`/api/stats/${site}`)
        .then((response) => response.arrayBuffer())
        .catch(() => undefined);
    }, poll * 1_000);
  const run = await measure(name, "/api/event", { mix, seconds: ROWS_SECONDS, warmup: 0 }).finally(() => poller && clearInterval(poller));
  await checkpoint(site);
  const after = await closeDays(site, dayOf(Date.now()));
  const counters = workerdCounters();
  const hits = after.hitsRecorded;
  return {
    run,
    polls,
    hits,
    visitors: mix.visitors,
    withId: mix.sentWithId / mix.sent,
    usage: after,
    allIn: after.rowsWritten / hits,
    byPhase: Object.fromEntries(Object.entries(after.rowsWrittenByPhase).map(([phase, rows]) => [phase, rows / hits])),
    // Bytes workerd passed to write calls (its SQLite files), less the responses sent to autocannon.
    bytesWrittenPerHit: (counters.wchar - before.wchar - run.responseBytes) / hits,
    cpuMsPerHit: (counters.cpuMs - before.cpuMs) / hits,
  };
}

/** Median time of 5 reads of a report (3 when one takes over a second), after one read that folds anything pending. */
async function medianReportMs(path) {
  const read = async () => {
    const started = performance.now();
    const response = await get(path);
    if (!response.ok) throw new Error(`report ${response.status}: ${path}`);
    await response.json();
    return performance.now() - started;
  };
  await read();
  const times = [await read()];
  while (times.length < (times[0] > 1_000 ? 3 : 5)) times.push(await read());
  return median(times);
}

/** A simulated day on a site; the rows it holds are counted only when asked (counting scans every table). */
const simulate = (site, day, hits, mix = "normal", countRows = true) =>
  post(`/__bench/simulate/${site}?day=${day}&hits=${hits}&mix=${mix}&rows=${countRows ? 1 : 0}`);

try {
  // 3. Throughput: the no-op route, the bare counter and ingest, in interleaved rounds.
  const benchMix = new traffic.TrafficMix(SITE, { openVisits: 400 });
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const noop = await measure("no-op route", "/__bench/noop");
    const counter = await measure("bare DO counter", "/__bench/counter");
    const ingest = await measure("ingest (POST /api/event)", "/api/event", { mix: benchMix, settle: () => checkpoint(SITE) });
    rounds.push({ noop, counter, ingest });
  }

  // 4. Rows written per hit, all-in: a fresh site for 60 s, its days closed; then the same while a
  // dashboard reads the report every 5 s (each read folds the pending counters).
  const rows = await rowsRun(`ingest, ${ROWS_SECONDS} s, then its days closed`, "rows.example");
  const polled = await rowsRun(`ingest, ${ROWS_SECONDS} s, report read every 5 s, then its days closed`, "polled.example", {
    pollEverySeconds: 5,
  });

  // 5. A lone hit on an idle site, all-in: its rows, a checkpoint, and its days closed.
  const lone = hitRequest(new traffic.TrafficMix("quiet.example"));
  const quiet = await fetch(`${origin}/api/event`, { method: "POST", ...lone });
  if (quiet.status !== 202) throw new Error(`quiet hit ${quiet.status}`);
  await checkpoint("quiet.example");
  const quietWritePath = await usage("quiet.example");
  const quietUsage = await closeDays("quiet.example", dayOf(Date.now()));

  // 6. Days pass: simulated days of traffic recorded through the store's record path, each
  // followed by the midnight maintenance (roll-ups, 48 h expiry, folding of hours older than 31 days).
  const today = dayOf(Date.now());
  const longRun = [];
  const longRunStarted = performance.now();
  for (let d = 0; d < LONG_RUN_DAYS; d++)
    longRun.push({ day: d + 1, ...(await simulate("longrun.example", today - LONG_RUN_DAYS + d, LONG_RUN_HITS_PER_DAY)) });
  const longRunSeconds = (performance.now() - longRunStarted) / 1_000;

  // 7. A site holding 1,000,000 hits over 90 days (ending the day before yesterday), its 90-day report.
  const bigStarted = performance.now();
  const hitsPerDay = Math.ceil(BIG_SITE_HITS / 90);
  let big;
  for (let d = 0; d < 90; d++) big = await simulate("big.example", today - 92 + d, hitsPerDay, "normal", d === 89);
  const bigSeconds = (performance.now() - bigStarted) / 1_000;
  const bigRange = `from=${isoDay(today - 92)}&to=${isoDay(today - 3)}`;
  const reportMs = await medianReportMs(`/api/stats/big.example?${bigRange}`);
  const reportMsFiltered = await medianReportMs(`/api/stats/big.example?${bigRange}&country=DE`);
  const bigReportsSeconds = (performance.now() - bigStarted) / 1_000 - bigSeconds;

  // 8. Floods. Storage: a fresh site takes 100,000 hits in one day of the normal mix, of unique
  // values, of fresh combinations under the caps; bytes stored per 1,000 hits once the day is
  // closed. Reports: the big site takes both floods (yesterday and the day before) and its last
  // 90 days are read.
  const emptyBytes = (await usage("empty.example")).databaseBytes;
  const floodStarted = performance.now();
  const dayStore = {};
  for (const [site, mix] of [
    ["normal-day.example", "normal"],
    ["flood-unique.example", "flood-unique"],
    ["flood-combos.example", "flood-combos"],
  ]) {
    const result = await simulate(site, today - 1, FLOOD_HITS, mix);
    dayStore[mix] = { ...result, bytesPer1k: ((result.databaseBytes - emptyBytes) / result.hitsRecorded) * 1_000 };
  }
  await simulate("big.example", today - 2, FLOOD_HITS, "flood-unique", false);
  const flooded = await simulate("big.example", today - 1, FLOOD_HITS, "flood-combos");
  const floodReportMs = await medianReportMs(`/api/stats/big.example?from=${isoDay(today - 90)}&to=${isoDay(today - 1)}`);
  const floodSeconds = (performance.now() - floodStarted) / 1_000;

  // 9. A site with traffic on every day of a year, and its 365-day report.
  const yearDays = 365;
  const yearStarted = performance.now();
  for (let d = 0; d < yearDays; d++) await simulate("year.example", today - yearDays + d, YEAR_SITE_HITS_PER_DAY, "normal", false);
  const yearSeconds = (performance.now() - yearStarted) / 1_000;
  const reportMs365 = await medianReportMs(`/api/stats/year.example?from=${isoDay(today - yearDays)}&to=${isoDay(today - 1)}`);

  // Results.
  const ingestRounds = rounds.map((r) => r.ingest);
  const summary = {
    hits_per_s: Math.round(median(ingestRounds.map((r) => r.hitsPerSecond))),
    p99_ms: median(ingestRounds.map((r) => r.p99)),
    ratio_vs_noop: round(median(rounds.map((r) => r.ingest.hitsPerSecond / r.noop.hitsPerSecond))),
    ratio_vs_counter: round(median(rounds.map((r) => r.ingest.hitsPerSecond / r.counter.hitsPerSecond))),
    rows_written_per_hit: round(rows.allIn),
    rows_written_per_hit_ingest: round(rows.byPhase.ingest),
    rows_written_per_hit_polled: round(polled.allIn),
    quiet_hit_rows: quietUsage.rowsWritten,
    bytes_written_per_hit: round(rows.bytesWrittenPerHit, 0),
    cpu_ms_per_hit: round(rows.cpuMsPerHit),
    bytes_per_1k_hits: Math.round(dayStore.normal.bytesPer1k),
    report_ms_90d: round(reportMs, 1),
    report_ms_365d: round(reportMs365, 1),
    report_ms_90d_filtered: round(reportMsFiltered, 1),
    flood_bytes_per_1k_hits: Math.round(Math.max(dayStore["flood-unique"].bytesPer1k, dayStore["flood-combos"].bytesPer1k)),
    flood_report_ms_90d: round(floodReportMs, 1),
    hourly_detail_days: HOURLY_DETAIL_DAYS,
  };

  const throughputTable = [
    `Throughput, ${ROUNDS} interleaved rounds (${CONNECTIONS} connections, ${SECONDS} s each after ${WARMUP_SECONDS} s warm-up). Ingest's hits/s counts the checkpoint that folds its hits, run right after its load; workerd's CPU per request (from /proc, user + system) includes it too:`,
    "",
    "| round | scenario | hits/s | p50 ms | p99 ms | requests | closing checkpoint s | workerd CPU ms/request |",
    "|---:|---|---:|---:|---:|---:|---:|---:|",
    ...rounds.flatMap((r, i) =>
      [r.noop, r.counter, r.ingest].map(
        (row) =>
          `| ${i + 1} | ${row.name} | ${row.hitsPerSecond.toFixed(0)} | ${row.p50} | ${row.p99} | ${row.total} | ${row.settleSeconds === null ? "" : row.settleSeconds.toFixed(2)} | ${row.cpuMsPerRequest.toFixed(2)} |`,
      ),
    ),
    "",
    `Medians: ingest ${summary.hits_per_s} hits/s, p99 ${summary.p99_ms} ms; ingest / no-op ${summary.ratio_vs_noop} (rounds: ${rounds.map((r) => (r.ingest.hitsPerSecond / r.noop.hitsPerSecond).toFixed(3)).join(", ")}); ingest / counter ${summary.ratio_vs_counter} (rounds: ${rounds.map((r) => (r.ingest.hitsPerSecond / r.counter.hitsPerSecond).toFixed(3)).join(", ")}); CPU ms per request: no-op ${median(rounds.map((r) => r.noop.cpuMsPerRequest)).toFixed(2)}, counter ${median(rounds.map((r) => r.counter.cpuMsPerRequest)).toFixed(2)}, ingest ${median(ingestRounds.map((r) => r.cpuMsPerRequest)).toFixed(2)}.`,
  ].join("\n");

  const phases = ["ingest", "checkpoint", "maintenance", "other"];
  const tableNames = [...new Set([...Object.keys(rows.usage.rowsWrittenByTable), ...Object.keys(polled.usage.rowsWrittenByTable)])].sort();
  const perHit = (value, hits) => (value === 0 ? "" : (value / hits).toFixed(4));
  const rowsTable = [
    `Rows written per hit, all-in, by table and phase: ${rows.hits} hits in ${ROWS_SECONDS} s from ${rows.visitors} visitors (${(rows.hits / rows.visitors).toFixed(1)} hits each; ${(rows.withId * 100).toFixed(1)} % with an event id) on a fresh site, then a checkpoint and the maintenance of the next two midnights and of the one ${HOURLY_DETAIL_DAYS} days on (hours folded). "other" is the day's salt, made by its first hit.`,
    "",
    `| table | ${phases.join(" | ")} | all | with a report every 5 s |`,
    `|---|${phases.map(() => "---:").join("|")}|---:|---:|`,
    ...tableNames.map((table) => {
      const counts = rows.usage.rowsWrittenByTable[table] ?? {};
      const polledCounts = polled.usage.rowsWrittenByTable[table] ?? {};
      const all = phases.reduce((sum, phase) => sum + (counts[phase] ?? 0), 0);
      const polledAll = phases.reduce((sum, phase) => sum + (polledCounts[phase] ?? 0), 0);
      return `| ${table} | ${phases.map((phase) => perHit(counts[phase] ?? 0, rows.hits)).join(" | ")} | ${perHit(all, rows.hits)} | ${perHit(polledAll, polled.hits)} |`;
    }),
    `| **all** | ${phases.map((phase) => `**${rows.byPhase[phase].toFixed(3)}**`).join(" | ")} | **${rows.allIn.toFixed(3)}** | **${polled.allIn.toFixed(3)}** |`,
  ].join("\n");

  const bytesOf = (mix) =>
    `${Math.round(dayStore[mix].bytesPer1k)} bytes per 1,000 hits (${dayStore[mix].databaseBytes} bytes, ${JSON.stringify(dayStore[mix].rows)})`;
  const details = [
    `- ${rows.run.name}: ${rows.run.hitsPerSecond.toFixed(0)} hits/s, p99 ${rows.run.p99} ms; rows written per hit all-in ${summary.rows_written_per_hit} (ingest ${rows.byPhase.ingest.toFixed(3)}, checkpoint ${rows.byPhase.checkpoint.toFixed(3)}, maintenance ${rows.byPhase.maintenance.toFixed(3)}, other ${rows.byPhase.other.toFixed(3)})`,
    `- the same with the report read every 5 s (${polled.polls} reads): ${summary.rows_written_per_hit_polled} all-in (ingest ${polled.byPhase.ingest.toFixed(3)}, checkpoint and folds ${polled.byPhase.checkpoint.toFixed(3)}, maintenance ${polled.byPhase.maintenance.toFixed(3)})`,
    `- bytes written per hit: ${summary.bytes_written_per_hit} (what workerd passed to write calls during the first of those runs, its checkpoint and maintenance: SQLite's WAL frames, 4 KB pages, and its checkpoints into the database file, less the response bytes autocannon received); workerd CPU per hit over the same: ${summary.cpu_ms_per_hit} ms`,
    `- rows held by that site's object at the end: ${JSON.stringify(rows.usage.rows)}`,
    `- a lone hit on an idle site: ${quietWritePath.rowsWritten} rows through its checkpoint (${JSON.stringify(quietWritePath.rowsWrittenByTable)}), ${summary.quiet_hit_rows} all-in once its days are closed (${JSON.stringify(quietUsage.rowsWrittenByPhase)})`,
    `- 90-day report of a site holding ${big.hitsRecorded} hits over 90 days (${JSON.stringify(big.rows)}, ${big.databaseBytes} bytes, built in ${bigSeconds.toFixed(0)} s; its reports took ${bigReportsSeconds.toFixed(0)} s): median ${summary.report_ms_90d} ms; with \`country=DE\`: ${summary.report_ms_90d_filtered} ms`,
    `- the same site after a flood of ${FLOOD_HITS} hits of unique values the day before yesterday and ${FLOOD_HITS} of fresh combinations yesterday (${flooded.hitsRecorded} hits, ${JSON.stringify(flooded.rows)}, ${flooded.databaseBytes} bytes), its last 90 days: median ${summary.flood_report_ms_90d} ms (${(floodReportMs / reportMs).toFixed(2)} × the unflooded report)`,
    `- one day of ${FLOOD_HITS} hits on a fresh site, closed: normal mix ${bytesOf("normal")}; unique values ${bytesOf("flood-unique")}; fresh combinations ${bytesOf("flood-combos")}; floods ${(summary.flood_bytes_per_1k_hits / summary.bytes_per_1k_hits).toFixed(2)} × the normal mix (flood phase ${floodSeconds.toFixed(0)} s)`,
    `- 365-day report of a site with ${YEAR_SITE_HITS_PER_DAY} hits on each of 365 days (built in ${yearSeconds.toFixed(0)} s): median ${summary.report_ms_365d} ms`,
    `- the traffic: ${traffic.PAGE_COUNT} pages (Zipf-like), ${traffic.COUNTRY_COUNT} countries and ${traffic.CITY_COUNT} cities, ${traffic.USER_AGENT_COUNT} browser User-Agents; whole run ${((performance.now() - benchStarted) / 1_000).toFixed(0)} s`,
  ].join("\n");
  const longRunTable = [
    `Long run: ${LONG_RUN_DAYS} days of ${LONG_RUN_HITS_PER_DAY} hits a day (${longRunSeconds.toFixed(0)} s), hourly detail kept ${HOURLY_DETAIL_DAYS} days:`,
    "",
    "| day | hits so far | hourly_counters rows | visitors rows | salts | database bytes | rows written per hit so far |",
    "|---:|---:|---:|---:|---:|---:|---:|",
    ...longRun
      .filter((row) => row.day === 1 || row.day % 5 === 0 || row.day === LONG_RUN_DAYS)
      .map(
        (row) =>
          `| ${row.day} | ${row.hitsRecorded} | ${row.rows.hourly_counters} | ${row.rows.visitors} | ${row.rows.salts} | ${row.databaseBytes} | ${(row.rowsWritten / row.hitsRecorded).toFixed(3)} |`,
      ),
  ].join("\n");
  const report = `${throughputTable}\n\n${rowsTable}\n\n${details}\n\n${longRunTable}`;
  console.log(`\n${report}\n`);

  const benchmarks = readFileSync("BENCHMARKS.md", "utf8");
  const section = `<!-- results:start -->\nLatest run (${new Date().toISOString().slice(0, 16)}Z, ${process.platform}, Node ${process.version}):\n\n${report}\n\n\`\`\`json\n${JSON.stringify(summary)}\n\`\`\`\n<!-- results:end -->`;
  writeFileSync("BENCHMARKS.md", benchmarks.replace(/<!-- results:start -->[\s\S]*<!-- results:end -->/, section));
  console.log(JSON.stringify(summary));
} finally {
  await worker.dispose();
}
