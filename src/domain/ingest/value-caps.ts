import { NO_VARIANT } from "../visitors/visit-tracker";
import type { RecordedHit } from "./recorded-hit";
import { NO_SOURCE } from "./traffic-source";

/**
 * Bounded growth. A client can send any page, campaign, event name or variant, so per site and
 * local day each such dimension keeps at most this many distinct values; later new values of the
 * day are counted under OTHER_VALUE, and reports say how many hits went there. Values already seen
 * that day keep counting as themselves. Configured goals (and the built-in ones) are never folded:
 * their names are bounded by the config, and so are the funnel and goal counters built on them.
 */
export const DAILY_VALUE_CAPS = {
  page: 1_000,
  source: 300,
  campaign: 300,
  /** Custom event names beyond those of configured goals (pageview and engagement never count). */
  name: 200,
  /** Goals named after an event that carried revenue and matched no configured goal. */
  goal: 200,
  variant: 100,
  utm_medium: 300,
  utm_content: 300,
  utm_term: 300,
} as const;
/** Distinct values per allow-listed custom property (`props.<name>`) and local day. */
export const PROPERTY_VALUES_CAP = 50;

export type FixedCappedDimension = keyof typeof DAILY_VALUE_CAPS;
export type CappedDimension = FixedCappedDimension | `props.${string}`;
export const CAPPED_DIMENSIONS = Object.keys(DAILY_VALUE_CAPS) as FixedCappedDimension[];
/** The capped dimensions that are columns of the main counters (the UTM fields are added dimensions). */
export const MAIN_CAPPED_DIMENSIONS = [
  "page",
  "source",
  "campaign",
  "name",
  "goal",
  "variant",
] as const satisfies readonly FixedCappedDimension[];
export type MainCappedDimension = (typeof MAIN_CAPPED_DIMENSIONS)[number];

export const propertyDimension = (name: string): `props.${string}` => `props.${name}`;

export const isCappedDimension = (dimension: string): dimension is CappedDimension =>
  dimension.startsWith("props.") || dimension in DAILY_VALUE_CAPS;

export function dailyCapOf(dimension: CappedDimension): number {
  return dimension.startsWith("props.") ? PROPERTY_VALUES_CAP : DAILY_VALUE_CAPS[dimension as FixedCappedDimension];
}

export const OTHER_VALUE = "(other)";

/**
 * Counter rows a site keeps per local day. Values within the caps can still combine freshly on
 * every hit (1,000 pages x 300 sources x ...); once a day holds this many rows, its later hits
 * are counted in a coarser form (page, source, campaign, UTM content and term and property values
 * as OTHER_VALUE), so a day's storage
 * stays bounded while every total, goal, funnel and conversion stays exact.
 */
export const COUNTER_ROWS_PER_DAY_CAP = 25_000;

/** Values that stand for "none" (no source, no campaign, no variant): never capped. */
const PLACEHOLDERS: ReadonlySet<string> = new Set(["", NO_SOURCE, NO_VARIANT]);

/** Which of a hit's values are bounded by the config, so never capped. */
export interface BoundedValues {
  /** The event name is pageview, engagement, or the event of a configured goal. */
  name: boolean;
  /** The goal is configured or built in (or there is none). */
  goal: boolean;
}

/** Admits a value of the day under its cap: true when it is known or still fits (and is now known). */
export type AdmitValue = (dimension: CappedDimension, value: string) => boolean;

/**
 * The hit as it is counted: each capped value that is neither known that day nor within its cap
 * becomes OTHER_VALUE, and in `coarse` form (the day's rows are at their cap) page, source and
 * campaign do too. Pure apart from `admit`, which remembers the values of the day.
 */
export function capHitValues(hit: RecordedHit, admit: AdmitValue, coarse: boolean): RecordedHit {
  const keep = (dimension: CappedDimension, value: string, bounded = false) =>
    bounded || PLACEHOLDERS.has(value) || admit(dimension, value) ? value : OTHER_VALUE;
  const coarsen = (dimension: CappedDimension, value: string) =>
    coarse && !PLACEHOLDERS.has(value) ? OTHER_VALUE : keep(dimension, value);
  const { attribution } = hit;
  return {
    ...hit,
    page: coarsen("page", hit.page),
    name: keep("name", hit.name, hit.bounded.name),
    classification: { ...hit.classification, goal: keep("goal", hit.classification.goal, hit.bounded.goal) },
    attribution: {
      ...attribution,
      source: coarsen("source", attribution.source),
      campaign: coarsen("campaign", attribution.campaign),
      medium: keep("utm_medium", attribution.medium),
      content: coarsen("utm_content", attribution.content),
      term: coarsen("utm_term", attribution.term),
    },
    variant: keep("variant", hit.variant),
    props: hit.props.map(({ name, value }) => ({ name, value: coarsen(propertyDimension(name), value) })),
  };
}
