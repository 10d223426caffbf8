// `npm run screenshots`: the README's pictures of the dashboard, desktop and phone, light and dark,
// into docs/screenshots/. A fixed dataset and clock, so the pictures change only when the dashboard
// does: the bench shop's seeded traffic (bench/simulated-traffic.ts) for the 60 days up to
// 2026-05-31, recorded into the bench worker in workerd, shown by Chromium with its clock set to
// that afternoon. Not part of `npm test`, which never writes tracked files.

import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { BENCH_TOKEN, DAY_MS, launchChromium, startBenchWorker } from "../bench/bench-worker-process.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const OUT = join(ROOT, "docs/screenshots");
const SITE = "shop.example";
const NOW = Date.UTC(2026, 4, 31, 14, 0);
const TODAY = Math.floor(NOW / DAY_MS);

const { BENCH_SHOP } = await (async () => {
  const result = await build({
    entryPoints: [join(ROOT, "bench/bench-shop.ts")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    write: false,
    logLevel: "silent",
  });
  return import(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0].text).toString("base64")}`);
})();

const worker = await startBenchWorker({ siteConfig: { sites: [{ id: SITE, timezone: "UTC", ...BENCH_SHOP }] } });
const browser = await launchChromium();
try {
  // A working week's rhythm: quieter weekends. Sixty days, so the last thirty have a previous period.
  for (let day = TODAY - 59; day <= TODAY; day++) {
    const weekday = new Date(day * DAY_MS).getUTCDay();
    await worker.simulate(SITE, day, weekday === 0 || weekday === 6 ? 1_400 : 2_200 + ((day * 37) % 400));
  }
  mkdirSync(OUT, { recursive: true });
  const shots = [
    { name: "dashboard-desktop", viewport: { width: 1280, height: 1500 } },
    { name: "dashboard-phone", viewport: { width: 390, height: 844 } },
  ];
  for (const shot of shots) {
    for (const colorScheme of ["light", "dark"]) {
      const context = await browser.newContext({ viewport: shot.viewport, colorScheme, deviceScaleFactor: 1 });
      const page = await context.newPage();
      await page.clock.setFixedTime(NOW);
      await page.goto(`${worker.origin}/dashboard/${SITE}#token=${BENCH_TOKEN}`);
      await page.waitForFunction(
        () =>
          document.querySelectorAll("#panels .panel").length > 0 &&
          document.querySelectorAll('#panels [data-state="loading"]').length === 0,
        null,
        {
          timeout: 60_000,
        },
      );
      // The chart draws on the next frame.
      await page.waitForSelector("#chart canvas");
      await page.waitForTimeout(200);
      const path = join(OUT, `${shot.name}-${colorScheme}.png`);
      await page.screenshot({ path });
      console.log(`wrote ${path}`);
      await context.close();
    }
  }
} finally {
  await browser.close();
  await worker.dispose();
}
