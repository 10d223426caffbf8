import { NO_SOURCE } from "../ingest/traffic-source";
import type { AddedDimension, ReportBreakdown } from "../reports/dimensions";
import type { FilterField } from "../reports/report-filter";
import { refuse } from "./query-error";

/**
 * Plausible's dimensions (`event:page`, `visit:country_name`, `time:day`...) and where stepwise
 * keeps each: a column of its counters it can filter on and break down by, the goal and class
 * rows, the time buckets, or nowhere (refused with the reason). Values are shown the way
 * Plausible shows them (`Organic Search`, `Desktop`, `Direct / None`, `(not set)`), and filters
 * match the shown values.
 */
export type TimeBucket = "hour" | "day" | "week" | "month";

export interface CellDimension {
  kind: "cell";
  name: string;
  /** The stepwise filter that selects one stored value; undefined when the counters cannot be filtered by it. */
  filter: FilterField | AddedDimension | undefined;
  /** The stepwise breakdown that lists its values. */
  breakdown: ReportBreakdown;
  /**
   * Whether every visitor-day has exactly one value (source, country, browser...): then visitors
   * of several values add up exactly. Pages, properties, entry and exit pages do not partition
   * visitors: a sum over several of them counts a visitor once per value (an upper bound).
   */
  partition: boolean;
  /** Whether the value is shown as stored, so an `is` filter names stored values directly. */
  identity: boolean;
  show: (stored: string, label: string | undefined) => string;
}

export type DimensionSource =
  | CellDimension
  | { kind: "hostname"; name: "event:hostname" }
  | { kind: "goal"; name: "event:goal" }
  | { kind: "class"; name: "event:class" }
  | { kind: "time"; name: string; bucket: TimeBucket | "auto" };

const NOT_SET = "(not set)";
const UNKNOWN = "(unknown)";

const CHANNEL_NAMES: Record<string, string> = {
  direct: "Direct",
  organic_search: "Organic Search",
  paid_search: "Paid Search",
  organic_social: "Organic Social",
  paid_social: "Paid Social",
  email: "Email",
  display: "Display",
  affiliate: "Affiliates",
  referral: "Referral",
  paid_other: "Paid Other",
};
const OS_NAMES: Record<string, string> = { macOS: "Mac", Linux: "GNU/Linux" };

const identity = (stored: string) => stored;
const notSet = (stored: string) => (stored === UNKNOWN || stored === NO_SOURCE || stored === "" ? NOT_SET : stored);

let regionNames: Intl.DisplayNames | null | undefined;
/** A country's English name from its ISO 3166-1 code, by the runtime's ICU data. */
export function countryName(code: string): string {
  if (!/^[A-Z]{2}$/.test(code)) return NOT_SET;
  if (regionNames === undefined) {
    try {
      regionNames = new Intl.DisplayNames(["en"], { type: "region" });
    } catch {
      regionNames = null;
    }
  }
  return regionNames?.of(code) ?? code;
}

const cell = (
  name: string,
  breakdown: ReportBreakdown,
  options: { filter?: FilterField | AddedDimension | null; partition: boolean; show?: CellDimension["show"] },
): CellDimension => ({
  kind: "cell",
  name,
  filter: options.filter === null ? undefined : (options.filter ?? (breakdown as FilterField | AddedDimension)),
  breakdown,
  partition: options.partition,
  identity: options.show === undefined,
  show: options.show ?? identity,
});

const CATALOG: Record<string, DimensionSource> = {
  "event:page": cell("event:page", "page", { partition: false }),
  // Hits are counted per event name; visitors are not (validateMetrics refuses them).
  "event:name": cell("event:name", "name", { partition: false }),
  "event:goal": { kind: "goal", name: "event:goal" },
  // Answered only for a site that counts one hostname (siteHostname); the engine checks.
  "event:hostname": { kind: "hostname", name: "event:hostname" },
  "event:class": { kind: "class", name: "event:class" },
  "visit:source": cell("visit:source", "source", { partition: true, show: (v) => (v === NO_SOURCE ? "Direct / None" : v) }),
  "visit:channel": cell("visit:channel", "channel", { partition: true, show: (v) => CHANNEL_NAMES[v] ?? v }),
  "visit:utm_campaign": cell("visit:utm_campaign", "campaign", { partition: true, show: notSet }),
  "visit:utm_medium": cell("visit:utm_medium", "utm_medium", { partition: true, show: notSet }),
  "visit:utm_content": cell("visit:utm_content", "utm_content", { partition: true, show: notSet }),
  "visit:utm_term": cell("visit:utm_term", "utm_term", { partition: true, show: notSet }),
  "visit:device": cell("visit:device", "device", {
    partition: true,
    show: (v) => (v === UNKNOWN || v === "" ? NOT_SET : `${v.charAt(0).toUpperCase()}${v.slice(1)}`),
  }),
  "visit:browser": cell("visit:browser", "browser", { partition: true, show: notSet }),
  "visit:os": cell("visit:os", "os", { partition: true, show: (v) => OS_NAMES[v] ?? notSet(v) }),
  "visit:country": cell("visit:country", "country", { partition: true, show: notSet }),
  "visit:country_name": cell("visit:country_name", "country", { partition: true, show: (v) => countryName(v) }),
  "visit:region": cell("visit:region", "region", { partition: true, show: notSet }),
  "visit:region_name": cell("visit:region_name", "region", {
    partition: true,
    show: (v, label) => (v === UNKNOWN ? NOT_SET : label || v),
  }),
  "visit:city_name": cell("visit:city_name", "city", { partition: true, show: notSet }),
  "visit:entry_page": cell("visit:entry_page", "entry_page", { partition: false }),
  "visit:exit_page": cell("visit:exit_page", "exit_page", { partition: false }),
  time: { kind: "time", name: "time", bucket: "auto" },
  "time:hour": { kind: "time", name: "time:hour", bucket: "hour" },
  "time:day": { kind: "time", name: "time:day", bucket: "day" },
  "time:week": { kind: "time", name: "time:week", bucket: "week" },
  "time:month": { kind: "time", name: "time:month", bucket: "month" },
};

/** Why stepwise has no figures for a dimension Plausible documents. */
const REFUSED: Record<string, string> = {
  "visit:referrer": "stepwise keeps no referrer URL, only the source it names (privacy.md): use `visit:source`.",
  "visit:utm_source":
    "stepwise does not keep `utm_source` on its own: it files each visit under one source, the link's `utm_source` when it had one, else the referrer's host (channels.md), so a source such as `google.com` cannot be told to be one or the other. Use `visit:source`.",
  "visit:city": "stepwise keeps the city's name from Cloudflare's geolocation, not a GeoName id: use `visit:city_name`.",
  "visit:browser_version": "stepwise keeps the browser's family only, never its version (privacy.md).",
  "visit:os_version": "stepwise keeps the operating system's family only, never its version (privacy.md).",
  "visit:screen": "stepwise does not keep the screen size.",
  "visit:entry_page_hostname": "stepwise does not keep hostnames of pages.",
  "visit:exit_page_hostname": "stepwise does not keep hostnames of pages.",
  "time:minute": "stepwise counts by the hour at the finest.",
  segment: "stepwise has no saved segments: send the segment's filters in `filters` instead.",
};

/**
 * Where stepwise keeps a dimension. `properties` are the site's allow-listed custom properties;
 * anything else is refused (a 400) with the reason.
 */
export function dimensionSource(name: string, properties: readonly string[]): DimensionSource {
  if (name.startsWith("event:props:")) {
    const property = name.slice("event:props:".length);
    if (property === "") refuse(`Invalid dimension '${name}'.`);
    if (!properties.includes(property)) {
      refuse(
        `The custom property \`${property}\` is not in the site's \`properties\`, so stepwise did not keep its values. Add it to the site's config to count it from then on.`,
      );
    }
    return cell(name, `props.${property}`, { partition: false });
  }
  const known = CATALOG[name];
  if (known !== undefined) return known;
  const reason = REFUSED[name];
  if (reason !== undefined) return refuse(`\`${name}\` is not supported: ${reason}`);
  return refuse(`Invalid dimension '${name}'.`);
}

/** The stored classes a class value selects; `micro` is both micro stages. */
export const CLASS_VALUES: Record<string, readonly string[]> = {
  macro: ["macro"],
  micro: ["micro_milestone", "micro_secondary"],
  milestone: ["micro_milestone"],
  secondary: ["micro_secondary"],
};

/** The one hostname every counted hit of a site is on, or why there is none to answer `event:hostname` with. */
export type SiteHostname = { value: string } | { refused: string };

/**
 * stepwise keeps no hostname per hit: it only drops hits from hostnames the site does not list
 * (drop-policy.ts). So `event:hostname` is honest only when that leaves one possible hostname:
 * the site's `hostnames` is a single name without a wildcard, and the deployment does not also
 * count localhost (`ALLOW_LOCALHOST`).
 */
export function siteHostname(siteId: string, hostnames: readonly string[] | null, allowLocalhost: boolean): SiteHostname {
  const why = "stepwise does not keep the hostname of a hit, only whether it is one the site counts";
  if (allowLocalhost) return { refused: `${why}, and this deployment also counts hits from localhost (ALLOW_LOCALHOST).` };
  if (hostnames === null) {
    return {
      refused: `${why}, and this site counts hits from ${siteId} and its subdomains. A site whose \`hostnames\` lists one hostname answers it.`,
    };
  }
  const [only] = hostnames;
  if (hostnames.length !== 1 || only === undefined || only.startsWith("*.")) {
    return { refused: `${why}, and this site counts hits from ${hostnames.join(", ")}.` };
  }
  return { value: only };
}
