import type { ClickId, PageLocation } from "./page-url";
import { referrerHost } from "./page-url";

/**
 * Where a visit came from. Source is the referring host (or `utm_source` when given); the channel
 * groups sources into the families marketers compare. The table is in docs/channels.md.
 */
export type Channel =
  | "direct"
  | "organic_search"
  | "paid_search"
  | "organic_social"
  | "paid_social"
  | "email"
  | "display"
  | "affiliate"
  | "paid_other"
  | "referral";

export const NO_SOURCE = "(none)";

export interface TrafficSource {
  source: string;
  channel: Channel;
  campaign: string;
  /** `utm_medium`, `utm_content` and `utm_term` as sent (lower-cased), NO_SOURCE when absent. */
  medium: string;
  content: string;
  term: string;
}

// Brands match on a label boundary with any TLD: "google" is google.com, google.co.uk, news.google.de.
const SEARCH_ENGINES = [
  "google",
  "bing",
  "duckduckgo",
  "yahoo",
  "yandex",
  "baidu",
  "ecosia",
  "qwant",
  "startpage",
  "search.brave",
  "naver",
  "seznam",
  "ask",
  "aol",
  "kagi",
  "perplexity",
  "chatgpt",
  "you",
];
const SOCIAL_NETWORKS = [
  "facebook",
  "fb",
  "instagram",
  "t.co",
  "twitter",
  "x",
  "linkedin",
  "lnkd.in",
  "reddit",
  "pinterest",
  "tiktok",
  "youtube",
  "youtu.be",
  "vk",
  "threads",
  "bsky",
  "mastodon",
  "tumblr",
  "snapchat",
  "whatsapp",
  "telegram",
  "t.me",
  "quora",
  "news.ycombinator",
  "discord",
];
const WEBMAIL = ["gm.android.google", "mail.google", "outlook.live", "outlook.office", "mail.yahoo", "mail.proton", "webmail"];

/** One regex per list: the brand on a label boundary, then at most two short TLD labels. */
function brandPattern(brands: readonly string[]): RegExp {
  const alternatives = brands.map((brand) => brand.replace(/\./g, "\\."));
  return new RegExp(`(^|\\.)(${alternatives.join("|")})(\\.[a-z]{2,3}){0,2}$`);
}

const SEARCH_PATTERN = brandPattern(SEARCH_ENGINES);
const SOCIAL_PATTERN = brandPattern(SOCIAL_NETWORKS);
const WEBMAIL_PATTERN = brandPattern(WEBMAIL);

/**
 * The host to match brands against: an Android package name (com.linkedin.android) reads as a
 * reversed host, so its labels are turned around (android.linkedin.com).
 */
function brandHost(source: string): string {
  return /^(com|org|net|io|app)\.[a-z0-9_.]+$/.test(source) && source.split(".").length >= 3
    ? source.split(".").reverse().join(".")
    : source;
}

const isSearchEngine = (source: string) => SEARCH_PATTERN.test(brandHost(source));
const isSocial = (source: string) => SOCIAL_PATTERN.test(brandHost(source));

const PAID_MEDIA = /^(cpc|ppc|paid|paidsearch|paid_search|paid-search|cpv|cpa|cpm|sem|ads?)$/;
const SOCIAL_MEDIA = /^(social|social-network|social_network|social-media|social_media|sm|organic_social)$/;
const EMAIL_MEDIA = /^(e-?mail|newsletter|mail)$/;
const DISPLAY_MEDIA = /^(display|banner|expandable|interstitial)$/;
const PAID_SOCIAL_MEDIA = /^(paid_social|paid-social|paidsocial|social_paid|social-paid)$/;

const CLICK_ID_CHANNEL: Record<ClickId, Channel> = {
  gclid: "paid_search",
  gbraid: "paid_search",
  wbraid: "paid_search",
  msclkid: "paid_search",
  // Facebook appends fbclid to every outbound link, paid or not.
  fbclid: "organic_social",
  ttclid: "paid_social",
  li_fat_id: "paid_social",
  twclid: "paid_social",
};

/** Sorts one hit's origin into a source and channel; pure, table-driven, unit-tested. */
export function classifyTrafficSource(location: PageLocation, referrer: string | undefined): TrafficSource {
  const host = referrerHost(referrer);
  // A referrer on the site itself is navigation, not a source.
  const externalHost = host !== "" && host !== location.hostname.replace(/^www\./, "") ? host : "";
  const { medium, campaign, content, term } = location.campaign;
  const source = location.campaign.source || externalHost;
  const channel = channelFor(source, medium, location.clickId);
  return {
    source: source || NO_SOURCE,
    channel,
    campaign: campaign || NO_SOURCE,
    medium: medium || NO_SOURCE,
    content: content || NO_SOURCE,
    term: term || NO_SOURCE,
  };
}

function channelFor(source: string, medium: string, clickId: ClickId | null): Channel {
  if (PAID_SOCIAL_MEDIA.test(medium)) return "paid_social";
  if (PAID_MEDIA.test(medium)) {
    if (isSocial(source)) return "paid_social";
    if (isSearchEngine(source) || source === "") return "paid_search";
    return "paid_other";
  }
  if (EMAIL_MEDIA.test(medium) || WEBMAIL_PATTERN.test(brandHost(source))) return "email";
  if (DISPLAY_MEDIA.test(medium)) return "display";
  if (medium === "affiliate" || medium === "affiliates") return "affiliate";
  if (SOCIAL_MEDIA.test(medium)) return "organic_social";
  if (clickId !== null) return CLICK_ID_CHANNEL[clickId];
  if (source === "") return "direct";
  if (isSearchEngine(source)) return "organic_search";
  if (isSocial(source)) return "organic_social";
  return "referral";
}
