// `npm run bench:dashboard`: the dashboard's first render of the 90-day view of the benchmark's
// 1M-hit site (bench/run.mjs step 7: big.example, 1,000,080 hits over 90 days ending the day
// before yesterday), in Chromium against the bench worker in workerd. Prints the figures and one
// JSON line; BENCHMARKS.md ("Dashboard") records them. Tunable: BENCH_BIG_SITE_HITS, BENCH_RENDERS;
// BENCH_STATE_DIR keeps the built site in that folder and reuses it on the next run of the same day.
//
// First render: from navigation start to the headline figures and the time chart drawn (the
// page's own clock, performance.now()). Complete: every panel settled.

import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BENCH_TOKEN, DAY_MS, isoDay, launchChromium, startBenchWorker } from "./bench-worker-process.mjs";

const HITS = Number(process.env.BENCH_BIG_SITE_HITS ?? 1_000_000);
const RENDERS = Number(process.env.BENCH_RENDERS ?? 5);
const SITE = "big.example";

const STATE_DIR = process.env.BENCH_STATE_DIR;
const worker = await startBenchWorker(STATE_DIR ? { stateDir: STATE_DIR } : {});
const browser = await launchChromium();
try {
  const today = Math.floor(Date.now() / DAY_MS);
  const built = performance.now();
  const hitsPerDay = Math.ceil(HITS / 90);
  const marker = STATE_DIR ? join(STATE_DIR, `built-${today}-${hitsPerDay}`) : null;
  if (marker !== null && existsSync(marker)) {
    console.log(`${SITE}: reusing the site built in ${STATE_DIR}`);
  } else {
    for (let d = 0; d < 90; d++) {
      await worker.simulate(SITE, today - 92 + d, hitsPerDay);
      if (d % 10 === 9) console.log(`built ${d + 1} of 90 days`);
    }
    if (marker !== null) writeFileSync(marker, "");
    console.log(`${SITE}: ${hitsPerDay * 90} hits over 90 days, built in ${((performance.now() - built) / 1_000).toFixed(0)} s`);
  }

  const view = `/dashboard/${SITE}?range=custom&from=${isoDay(today - 92)}&to=${isoDay(today - 3)}`;
  const runs = [];
  for (let run = 0; run < RENDERS; run++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${worker.origin}${view}#token=${BENCH_TOKEN}`);
    const firstRender = await (
      await page.waitForFunction(
        () =>
          document.querySelector('#headline[data-state="ready"]') && document.querySelector("#chart canvas") ? performance.now() : false,
        null,
        { polling: "raf", timeout: 60_000 },
      )
    ).jsonValue();
    const complete = await (
      await page.waitForFunction(
        () =>
          document.querySelectorAll("#panels .panel").length > 0 && document.querySelectorAll('#panels [data-state="loading"]').length === 0
            ? performance.now()
            : false,
        null,
        { polling: "raf", timeout: 60_000 },
      )
    ).jsonValue();
    const errors = await page.$$eval('#panels [data-state="error"]', (panels) => panels.map((panel) => panel.id));
    if (errors.length > 0) throw new Error(`panels in error: ${errors.join(", ")}`);
    runs.push({ firstRender, complete });
    console.log(`render ${run + 1}: first render ${firstRender.toFixed(0)} ms, every panel ${complete.toFixed(0)} ms`);
    await context.close();
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const summary = {
    site_hits: hitsPerDay * 90,
    renders: runs.length,
    first_render_ms: Math.round(median(runs.map((run) => run.firstRender))),
    every_panel_ms: Math.round(median(runs.map((run) => run.complete))),
    first_render_ms_cold: Math.round(runs[0].firstRender),
  };
  console.log(JSON.stringify(summary));
} finally {
  await browser.close();
  await worker.dispose();
}
