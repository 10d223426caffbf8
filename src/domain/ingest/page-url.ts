import { parseAddress } from "./ip-address";
import { REDACTED, redactPath, redactValue } from "./redact";

/** Campaign parameters read from a page URL. Values are lower-cased where they feed grouping. */
export interface CampaignParams {
  source: string;
  medium: string;
  campaign: string;
  content: string;
  term: string;
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

/**
 * A campaign parameter, lower-cased, redacted whole if it holds personal data (domain/ingest/
 * redact.ts), and only then cut to length, so no half of an address survives the cap.
 */
function param(url: URL, name: string): string {
  return redactValue((url.searchParams.get(name) ?? "").trim())
    .toLowerCase()
    .slice(0, MAX_PARAM);
}

/**
 * Decodes percent-escapes except reserved characters (`decodeURI` keeps %2F, %3F, %23, %40...), so
 * `/спасибо` is stored and matched as written, not as `/%D1%81...`; a malformed escape stays as sent.
 */
function readablePath(path: string): string {
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}

/** Normalises a path for grouping: `/pricing/` and `/pricing` are the same page. */
export function normalisePath(path: string): string {
  const decoded = readablePath(path);
  const trimmed = decoded.length > 1 ? decoded.replace(/\/+$/, "") : decoded;
  return redactPath(trimmed === "" ? "/" : trimmed).slice(0, MAX_STORED_PATH);
}

/**
 * Reads a page URL (already checked to be an absolute http(s) URL). With `hashRouting` the
 * fragment is part of the page, as Plausible's hash mode does for single-page apps.
 */
export function readPageLocation(url: URL, hashRouting: boolean): PageLocation {
  const clickId = (Object.keys(CLICK_IDS) as ClickId[]).find((id) => url.searchParams.has(id)) ?? null;
  // "#" and "#/" are the app's root route, the same page as no fragment. A route's own query
  // string (`#/reset?token=...`) is never kept, as the page's is not.
  const route = url.hash.split("?")[0] ?? "";
  const fragment = hashRouting && route !== "#/" ? route : "";
  return {
    hostname: url.hostname.toLowerCase(),
    path: normalisePath(url.pathname + fragment),
    campaign: {
      // `ref` and `source` are the short forms many sites already use in shared links.
      source: param(url, "utm_source") || param(url, "ref") || param(url, "source"),
      medium: param(url, "utm_medium"),
      campaign: param(url, "utm_campaign"),
      content: param(url, "utm_content"),
      term: param(url, "utm_term"),
    },
    clickId,
  };
}

/**
 * Host of a referrer URL without `www.` and port, or "" when absent or unparsable. Android apps
 * refer as `android-app://com.linkedin.android/`: the package name is the source.
 */
export function referrerHost(referrer: string | undefined): string {
  if (!referrer) return "";
  try {
    const url = new URL(referrer);
    if (url.protocol !== "http:" && url.protocol !== "https:" && url.protocol !== "android-app:") return "";
    // A referrer by IP address (http://203.0.113.7/) is a person's machine as often as a site. A
    // host name is no phone number or e-mail address, so that is the one check it needs.
    const host = url.hostname.toLowerCase().replace(/^www\./, "");
    return parseAddress(host) === null ? host : REDACTED;
  } catch {
    return "";
  }
}
