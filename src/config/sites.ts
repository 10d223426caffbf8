import rawConfig from "../../stepwise.config.json";
import { loadSiteDirectory, type SiteDirectory } from "./site-directory";

/**
 * The sites of this deployment, from stepwise.config.json at the repository root. Validated on
 * first use; `npm test` validates the same file, so a bad edit fails the tests before a deploy.
 */
let directory: SiteDirectory | undefined;

export function siteDirectory(): SiteDirectory {
  directory ??= loadSiteDirectory(rawConfig);
  return directory;
}
