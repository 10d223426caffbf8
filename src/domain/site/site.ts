import { type AddressRange, parseRange } from "../ingest/ip-address";
import { DEFAULT_TIME_ZONE } from "../time/site-time";
import { MS_PER_HOUR } from "../time/utc-time";
import { canonicalEventName } from "./event-name";
import { compilePathGlob } from "./path-glob";
import type { FunnelDefinition, GoalDefinition, SiteSettings } from "./site-settings";

/** A goal ready for matching on the hot path: names canonicalised and globs compiled once. */
export interface CompiledGoal {
  definition: GoalDefinition;
  canonicalEvent: string | null;
  pathPattern: RegExp | null;
}

/** A funnel step: reaching any of `goals`, or a pageview whose path matches `pathPattern`. */
export interface CompiledFunnelStep {
  name: string;
  goals: readonly string[] | null;
  pathPattern: RegExp | null;
}

export interface CompiledFunnel {
  name: string;
  windowMs: number;
  steps: readonly CompiledFunnelStep[];
}

function compileFunnel(definition: FunnelDefinition): CompiledFunnel {
  return {
    name: definition.name,
    windowMs: definition.window_hours * MS_PER_HOUR,
    steps: definition.steps.map((step) => ({
      name: step.name,
      goals: step.goal === undefined ? null : [step.goal].flat(),
      pathPattern: step.path === undefined ? null : compilePathGlob(step.path),
    })),
  };
}

/** What a site id in a request path may look like (a configured id is stricter: schemas/site-config-schema.ts). */
export const SITE_ID_IN_PATH = /^[a-z0-9.-]{1,253}$/;

/** A site's settings ready for ingest. */
export interface CompiledSite {
  id: string;
  /** True when the site is listed in the config file, false for an accepted unknown site. */
  configured: boolean;
  hostnames: readonly string[] | null;
  honorPrivacySignals: boolean;
  useDefaultTaxonomy: boolean;
  goals: readonly CompiledGoal[];
  funnels: readonly CompiledFunnel[];
  /** The prop whose value names the hit's A/B variant. */
  variantProp: string;
  /** Custom properties kept as report dimensions (`props.<name>`). */
  properties: readonly string[];
  /** The site's IANA time zone: its days run from local midnight to local midnight. */
  timeZone: string;
  /** How many Durable Objects share the site's hits. */
  shards: number;
  /** SHA-256 digests of the tokens a server-side sender presents to be trusted for this site. */
  ingestTokenSha256: readonly string[];
  /** Address ranges of server-side senders trusted for this site without a token. */
  trustedSenders: readonly AddressRange[];
  /** SHA-256 digests of the tokens that may read this site's reports. */
  readTokenSha256: readonly string[];
  /** Its reports (and dashboard) answer without a token: the one exception to "no token, no report". */
  public: boolean;
  /** Umami website ids (lower-case UUIDs) that name this site in Umami's payload. */
  umamiWebsiteIds: readonly string[];
  /** Where the daily alarm posts the closed day's breakage alerts, if anywhere. */
  alertWebhook: string | null;
}

export function compileSite(settings: SiteSettings): CompiledSite {
  return {
    id: settings.id,
    configured: true,
    hostnames: settings.hostnames?.map((host) => host.toLowerCase()) ?? null,
    honorPrivacySignals: settings.honorPrivacySignals,
    useDefaultTaxonomy: settings.useDefaultTaxonomy,
    goals: settings.goals.map((definition) => ({
      definition,
      canonicalEvent: definition.match.event === undefined ? null : canonicalEventName(definition.match.event),
      pathPattern: definition.match.path === undefined ? null : compilePathGlob(definition.match.path),
    })),
    funnels: settings.funnels.map(compileFunnel),
    variantProp: settings.variantProp,
    properties: settings.properties,
    shards: settings.shards,
    timeZone: settings.timezone,
    readTokenSha256: settings.readTokenSha256,
    public: settings.public,
    ingestTokenSha256: settings.ingestTokenSha256,
    trustedSenders: settings.trustedSenders.flatMap((range) => parseRange(range) ?? []),
    umamiWebsiteIds: settings.umamiWebsiteIds,
    alertWebhook: settings.alertWebhook ?? null,
  };
}

/** An unknown site accepted in "accept" mode: built-in taxonomy, privacy signals honoured. */
export function unconfiguredSite(id: string): CompiledSite {
  return {
    id,
    configured: false,
    hostnames: null,
    honorPrivacySignals: true,
    useDefaultTaxonomy: true,
    goals: [],
    funnels: [],
    variantProp: "variant",
    properties: [],
    shards: 1,
    timeZone: DEFAULT_TIME_ZONE,
    readTokenSha256: [],
    public: false,
    ingestTokenSha256: [],
    trustedSenders: [],
    umamiWebsiteIds: [],
    alertWebhook: null,
  };
}

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);
export const isLocalHost = (hostname: string): boolean => LOCAL_HOSTS.has(hostname) || hostname.endsWith(".localhost");

/**
 * Whether a page on `hostname` may report to `site`: the configured hostnames (`*.x` allowed),
 * or by default the site id itself and its subdomains (`www.`, `shop.`...).
 */
export function hostnameBelongsToSite(site: CompiledSite, hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (site.hostnames === null) return host === site.id || host.endsWith(`.${site.id}`);
  return site.hostnames.some((allowed) =>
    allowed.startsWith("*.") ? host.endsWith(allowed.slice(1)) || host === allowed.slice(2) : host === allowed,
  );
}
