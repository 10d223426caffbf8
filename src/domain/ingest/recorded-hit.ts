import { isDefaultGoalName } from "../site/default-taxonomy";
import { ENGAGEMENT_EVENT, PAGEVIEW_EVENT } from "../site/event-name";
import type { CompiledSite } from "../site/site";
import { localHourOf } from "../time/site-time";
import { type FunnelMatch, funnelMatchesFor } from "../visitors/funnel";
import { type Attribution, type HitProperty, NO_VARIANT } from "../visitors/visit-tracker";
import { type Classification, classifyHit } from "./classify";
import type { Geolocation } from "./geolocation";
import type { Money } from "./money";
import { readPageLocation } from "./page-url";
import { redactValue } from "./redact";
import { classifyTrafficSource } from "./traffic-source";
import type { UserAgentNames } from "./user-agent";
import type { BoundedValues } from "./value-caps";

/** A validated hit, before it is tied to a site. */
export interface IncomingHit {
  name: string;
  url: URL;
  referrer: string | undefined;
  props: Readonly<Record<string, string>>;
  revenue: Money | null;
  scrollDepth: number;
  engagedMs: number;
  hashRouting: boolean;
  /** The client's event id, for deduplicating retries. */
  eventId?: string;
}

/**
 * Request facts that are not personal: the IP and User-Agent never enter a RecordedHit, only the
 * place Cloudflare locates the request in and the device class, browser and OS names.
 */
export interface RequestContext extends Geolocation, UserAgentNames {
  timestamp: number;
  device: string;
}

/** Everything a site's store needs to count one hit, all of it safe to keep. */
export interface RecordedHit {
  siteId: string;
  timestamp: number;
  /** The site's time zone, and the hit's local wall-clock hour in it: its counter bucket (domain/time/site-time.ts). */
  timeZone: string;
  localHour: number;
  /** "pageview", "engagement", or the custom event name as sent. */
  name: string;
  page: string;
  classification: Classification;
  attribution: Attribution;
  /** The A/B variant the hit shows (the site's variant prop), or NO_VARIANT. */
  variant: string;
  /** Funnel steps this hit satisfies. */
  funnels: FunnelMatch[];
  /** The hit's custom properties the site allow-lists (`properties`), redacted. */
  props: HitProperty[];
  /** The client's event id: a retry with the same id is recorded once. */
  eventId?: string;
  scrollDepth: number;
  engagedMs: number;
  /** Which values the config bounds, so the daily caps leave them alone (value-caps.ts). */
  bounded: BoundedValues;
}

const MAX_VARIANT_LENGTH = 100;
const MAX_PROPERTY_VALUE_LENGTH = 300;

/** The allow-listed properties of a hit, as stored: redacted whole before the length cap, "" left out. */
function allowedProperties(allowed: readonly string[], props: Readonly<Record<string, string>>): HitProperty[] {
  return allowed.flatMap((name) => {
    const value = redactValue(props[name]?.trim() ?? "").slice(0, MAX_PROPERTY_VALUE_LENGTH);
    return value === "" ? [] : [{ name, value }];
  });
}

/** Builds the hit to record for one site: cleans the URL, classifies, attributes. Pure. */
export function buildRecordedHit(site: CompiledSite, hit: IncomingHit, context: RequestContext): RecordedHit {
  const location = readPageLocation(hit.url, hit.hashRouting);
  // Goals match the values as stored, so reports and goals agree (domain/ingest/redact.ts).
  const sentName = redactValue(hit.name);
  const classification = classifyHit(
    { name: sentName, path: location.path, props: hit.props, revenue: hit.revenue, scrollDepth: hit.scrollDepth, engagedMs: hit.engagedMs },
    site,
  );
  const traffic = classifyTrafficSource(location, hit.referrer);
  const configuredGoal = classification.goal !== "" && site.goals.some((goal) => goal.definition.name === classification.goal);
  const name = classification.kind === "pageview" ? PAGEVIEW_EVENT : classification.kind === "engagement" ? ENGAGEMENT_EVENT : sentName;
  return {
    siteId: site.id,
    timestamp: context.timestamp,
    timeZone: site.timeZone,
    localHour: localHourOf(context.timestamp, site.timeZone),
    name,
    page: location.path,
    classification,
    attribution: {
      ...traffic,
      country: context.country,
      region: context.region,
      regionName: context.regionName,
      city: context.city,
      device: context.device,
      browser: context.browser,
      os: context.os,
    },
    variant: redactValue(hit.props[site.variantProp]?.trim() ?? "").slice(0, MAX_VARIANT_LENGTH) || NO_VARIANT,
    funnels: funnelMatchesFor(site.funnels, { kind: classification.kind, goal: classification.goal, path: location.path }),
    props: allowedProperties(site.properties, hit.props),
    ...(hit.eventId ? { eventId: hit.eventId } : {}),
    scrollDepth: classification.kind === "engagement" ? hit.scrollDepth : 0,
    engagedMs: classification.kind === "engagement" ? hit.engagedMs : 0,
    bounded: {
      name: classification.kind !== "event" || configuredGoal,
      goal: classification.goal === "" || configuredGoal || isDefaultGoalName(classification.goal),
    },
  };
}
