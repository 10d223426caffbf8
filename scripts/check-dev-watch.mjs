// `npm run check`: every entry of src/ (but src/generated/, the build step's own output) must be in
// wrangler.toml's [build] watch_dir, or `wrangler dev` would not rebuild when it changes.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { root } from "./site-config.mjs";

const toml = await readFile(join(root, "wrangler.toml"), "utf8");
const list = /^watch_dir\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1] ?? "";
const watched = new Set([...list.matchAll(/"([^"]+)"/g)].map((match) => match[1].replace(/\/$/, "")));
const entries = (await readdir(join(root, "src"))).filter((name) => name !== "generated").map((name) => `src/${name}`);
const missing = entries.filter((entry) => !watched.has(entry));
if (missing.length > 0) {
  console.error(
    `wrangler.toml [build] watch_dir misses ${missing.join(", ")}: add them, or \`wrangler dev\` will not rebuild on their changes.`,
  );
  process.exitCode = 1;
} else {
  console.log(`watch_dir covers src/ (${entries.length} entries) and leaves src/generated/ out`);
}
