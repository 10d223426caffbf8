import { isbot } from "isbot";
import type { CountedDropReason } from "../reports/report";
import { type CompiledSite, hostnameBelongsToSite, isLocalHost } from "../site/site";

/** Why a well-formed hit was not counted. All but unknown_site are counted in the site's report. */
export type DropReason = CountedDropReason | "unknown_site";

export interface DropCheck {
  /** The site, or undefined when it is unknown and the deployment only serves configured sites. */
  site: CompiledSite | undefined;
  userAgent: string;
  pageHostname: string;
  allowLocalhost: boolean;
  globalPrivacyControl: boolean;
  doNotTrack: boolean;
}

/**
 * Decides whether to drop a hit, in this order: unknown site, bot, foreign hostname, privacy
 * signal. Bots are matched by `isbot`'s maintained pattern list; a missing User-Agent is
 * treated as automation, since every browser sends one.
 */
export function dropReasonFor(check: DropCheck): DropReason | null {
  const { site } = check;
  if (site === undefined) return "unknown_site";
  if (check.userAgent.trim() === "" || isbot(check.userAgent)) return "bot";
  const local = check.allowLocalhost && isLocalHost(check.pageHostname);
  if (!local && !hostnameBelongsToSite(site, check.pageHostname)) return "hostname_mismatch";
  if (site.honorPrivacySignals && check.globalPrivacyControl) return "global_privacy_control";
  if (site.honorPrivacySignals && check.doNotTrack) return "do_not_track";
  return null;
}
