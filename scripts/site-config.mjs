// Validates a site config file (stepwise.config.json) with the worker's own schema and compiler
// (src/config/site-directory.ts, bundled here in memory by esbuild), so the build step and
// `npm run check` refuse exactly what the worker would refuse, naming the bad entry.

import { readFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");

async function loadValidator() {
  const result = await build({
    entryPoints: [join(root, "src/config/site-directory.ts")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0].text;
  return import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);
}

/** Thrown with a message for people: the file, and each bad entry with what is wrong. */
export class ConfigError extends Error {}

/** Reads and validates a site config file; returns its parsed contents or throws ConfigError. */
export async function readSiteConfig(path) {
  const name = relative(process.cwd(), path) || path;
  let raw;
  try {
    raw = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new ConfigError(`${name} is not valid JSON: ${error.message}`);
  }
  const { loadSiteDirectory } = await loadValidator();
  try {
    loadSiteDirectory(raw);
  } catch (error) {
    throw new ConfigError(error.message.replace("stepwise.config.json", name));
  }
  return raw;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const paths = process.argv.slice(2);
  let failed = false;
  for (const path of paths.length > 0 ? paths : [join(root, "stepwise.config.json")]) {
    try {
      const raw = await readSiteConfig(path);
      console.log(`${relative(process.cwd(), path)}: ${raw.sites.length} site(s), valid`);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      console.error(error.message);
      failed = true;
    }
  }
  process.exitCode = failed ? 1 : 0;
}
