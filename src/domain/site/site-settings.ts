import type { Money } from "../ingest/money";

/**
 * A site's settings as the domain uses them: what `stepwise.config.json` says once validated.
 * The config schema (schemas/site-config-schema.ts) produces exactly these shapes and is checked
 * against them at compile time, so the domain never depends on the schema module.
 */
export interface GoalMatch {
  /** Event name, matched case- and separator-insensitively. */
  event?: string | undefined;
  /** Page path glob (`*` one segment, `**` any). */
  path?: string | undefined;
  /** Props that must be present with exactly these values. */
  props?: Readonly<Record<string, string>> | undefined;
  /** Engagement thresholds: scrolled at least this far (percent), engaged at least this long. */
  scroll?: number | undefined;
  engaged_seconds?: number | undefined;
}

export interface GoalDefinition {
  name: string;
  class: "macro" | "micro";
  stage?: "milestone" | "secondary" | undefined;
  match: GoalMatch;
  /** Revenue credited when the hit itself carries none. */
  value?: Money | undefined;
}

export interface FunnelStepDefinition {
  name: string;
  goal?: string | readonly string[] | undefined;
  path?: string | undefined;
}

export interface FunnelDefinition {
  name: string;
  steps: readonly FunnelStepDefinition[];
  window_hours: number;
}

export interface SiteSettings {
  id: string;
  hostnames?: readonly string[] | undefined;
  honorPrivacySignals: boolean;
  useDefaultTaxonomy: boolean;
  goals: readonly GoalDefinition[];
  funnels: readonly FunnelDefinition[];
  variantProp: string;
  /** Custom properties kept as dimensions (allow-listed). */
  properties: readonly string[];
  readTokenSha256: readonly string[];
  /** Reports and dashboard readable without a token, read-only, this site only. */
  public: boolean;
  ingestTokenSha256: readonly string[];
  /** CIDR ranges, already validated. */
  trustedSenders: readonly string[];
  shards: number;
  /** Umami website ids (lower-case UUIDs) that name this site. */
  umamiWebsiteIds: readonly string[];
  /** IANA time zone name, already validated. */
  timezone: string;
  /** Where the daily alarm posts the closed day's breakage alerts; validated (https, or http on localhost). */
  alertWebhook?: string | undefined;
}
