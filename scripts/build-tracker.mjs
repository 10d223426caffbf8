// Builds src/tracker/tracker.ts into the minified script the Worker serves at /t.js. The build
// step (scripts/build.mjs) writes it into src/generated/; the browser tests build it directly.

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The minified tracker as a string. */
export async function buildTracker() {
  const result = await build({
    entryPoints: [join(root, "src/tracker/tracker.ts")],
    bundle: true,
    minify: true,
    format: "iife",
    target: "es2020",
    // No "use strict" prologue: the IIFE is strict-safe and every byte counts.
    tsconfigRaw: { compilerOptions: {} },
    write: false,
    legalComments: "none",
  });
  return result.outputFiles[0].text.trim();
}
