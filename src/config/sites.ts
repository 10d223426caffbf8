import rawConfig from "../generated/site-config.json";
import { loadSiteDirectory, type SiteDirectory } from "./site-directory";

/**
 * The sites of this deployment: stepwise.config.json, as copied into src/generated/ by the build
 * step (scripts/build.mjs) only once it validated, so a bad edit is never bundled. The tests load
 * test/fixtures/stepwise.config.json in its place (vitest.config.ts).
 */
let directory: SiteDirectory | undefined;

export function siteDirectory(): SiteDirectory {
  directory ??= loadSiteDirectory(rawConfig);
  return directory;
}
