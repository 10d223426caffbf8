// Builds the dashboard (src/dashboard/) into one script and one style sheet, minified, with
// content-hashed names so the worker can serve them as immutable. The build step
// (scripts/build.mjs) embeds them in the worker bundle (src/generated/dashboard-assets.ts);
// the size test and the screenshot and benchmark scripts build them directly.

import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

async function bundle(entry, options) {
  const result = await build({
    entryPoints: [join(root, "src/dashboard", entry)],
    bundle: true,
    minify: true,
    write: false,
    legalComments: "none",
    logLevel: "silent",
    ...options,
  });
  return result.outputFiles[0].text;
}

const hashed = (stem, extension, text) => `${stem}.${createHash("sha256").update(text).digest("hex").slice(0, 10)}.${extension}`;

/** The dashboard's files: `{ script: {name, text}, style: {name, text} }`. */
export async function buildDashboard() {
  const script = await bundle("main.ts", {
    format: "iife",
    target: "es2022",
    tsconfig: join(root, "src/dashboard/tsconfig.json"),
    // uPlot's licence (MIT) asks for its notice in copies; its source header is not a legal comment to esbuild.
    banner: { js: "/*! uPlot 1.6.32 (c) 2025 Leon Sorokin, MIT License, https://github.com/leeoniya/uPlot */" },
  });
  const style = await bundle("dashboard.css", {
    loader: { ".css": "css" },
    banner: { css: "/*! uPlot 1.6.32 (c) 2025 Leon Sorokin, MIT License */" },
  });
  return {
    script: { name: hashed("dashboard", "js", script), text: script },
    style: { name: hashed("dashboard", "css", style), text: style },
  };
}
