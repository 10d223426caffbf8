import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/**
 * Finds a Chromium or Chrome to drive. CI installs Debian's chromium (.ci/run); elsewhere set
 * CHROMIUM_PATH or have Chrome/Chromium in a usual place. Playwright's own browser download is
 * not used (it cannot be fetched here).
 */
const CANDIDATES = [
  process.env.CHROMIUM_PATH,
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
];

export const CHROMIUM_PATH = CANDIDATES.find((path): path is string => path !== undefined && path !== "" && existsSync(path));

/** True where the browser tests cannot run: no browser found and not in CI (where one is required). */
export const NO_BROWSER = CHROMIUM_PATH === undefined && process.env.CI !== "true";
if (CHROMIUM_PATH === undefined) {
  const message = "No Chromium/Chrome found (set CHROMIUM_PATH, or on Debian/Ubuntu: sudo apt-get install chromium).";
  if (process.env.CI === "true") throw new Error(`${message} CI needs it for the browser tests.`);
  console.warn(`${message} Browser tests are skipped.`);
}

/** A regular desktop Chrome User-Agent: the collector drops "HeadlessChrome" as automation, rightly. */
export const DESKTOP_CHROME_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/** A real, headless Chromium with the flags this sandbox needs (no GPU, no background network). */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // Browser-wide, not only per context: beacons sent while a page unloads bypass Playwright's
      // per-context override and would otherwise go out as HeadlessChrome.
      `--user-agent=${DESKTOP_CHROME_UA}`,
      ...extraArgs,
    ],
  });
}
