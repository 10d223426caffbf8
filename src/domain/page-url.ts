import { redactPersonal } from "./redact";

/** Campaign parameters read from a page URL. Values are lower-cased where they feed grouping. */
export interface CampaignParams {
  source: string;
  medium: string;
  campaign: string;
}

/** Ad-network click ids. Only which one was present is kept, never its value (it names one click). */
export const CLICK_IDS = {
  gclid: "google",
  gbraid: "google",
  wbraid: "google",
  msclkid: "bing",
  fbclid: "facebook",
  ttclid: "tiktok",
  li_fat_id: "linkedin",
  twclid: "twitter",
} as const;
export type ClickId = keyof typeof CLICK_IDS;

/** What we keep of a page URL: no query string, no fragment (unless hash routing), no e-mails. */
export interface PageLocation {
  hostname: string;
  /** Path only, percent-encoded as sent, trailing slash removed except for `/`. */
  path: string;
  campaign: CampaignParams;
  clickId: ClickId | null;
}

const MAX_STORED_PATH = 1_000;
const MAX_PARAM = 200;

function param(url: URL, name: string): string {
  return redactPersonal((url.searchParams.get(name) ?? "").trim().toLowerCase().slice(0, MAX_PARAM));
}

/** Normalises a path for grouping: `/pricing/` and `/pricing` are the same page. */
export function normalisePath(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  return redactPersonal(trimmed === "" ? "/" : trimmed).slice(0, MAX_STORED_PATH);
}

/**
 * Reads a page URL (already checked to be an absolute http(s) URL). With `hashRouting` the
 * fragment is part of the page, as Plausible's hash mode does for single-page apps.
 */
export function readPageLocation(url: URL, hashRouting: boolean): PageLocation {
  const clickId = (Object.keys(CLICK_IDS) as ClickId[]).find((id) => url.searchParams.has(id)) ?? null;
  const fragment = hashRouting ? url.hash : "";
  return {
    hostname: url.hostname.toLowerCase(),
    path: normalisePath(url.pathname + fragment),
    campaign: {
      // `ref` and `source` are the short forms many sites already use in shared links.
      source: param(url, "utm_source") || param(url, "ref") || param(url, "source"),
      medium: param(url, "utm_medium"),
      campaign: param(url, "utm_campaign"),
    },
    clickId,
  };
}

/** Host of a referrer URL without `www.` and port, or "" when absent or unparsable. */
export function referrerHost(referrer: string | undefined): string {
  if (!referrer) return "";
  try {
    const url = new URL(referrer);
    if (url.protocol !== "http:" && url.protocol !== "https:" && url.protocol !== "android-app:") return "";
    return url.hostname.toLowerCase().replace(/^www\./, "");
  } catch {
    return "";
  }
}
