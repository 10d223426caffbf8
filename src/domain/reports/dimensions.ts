/**
 * Every breakdown dimension of the report, and where its figures are kept.
 *
 * - The main dimensions are columns of the main counters, so they cross with each other: any
 *   filter on one applies to a breakdown of another.
 * - The added dimensions are counted per local day, dimension and value with the event's name,
 *   goal, class and currency only (storage/dimension-counters.ts). Each is a breakdown, and a filter on totals,
 *   goals, conversions, timeseries and engagement, but they do not cross with the other
 *   dimensions: which filter and figure pairs are exact is decided in report-exactness.ts.
 */
export const MAIN_DIMENSIONS = ["page", "source", "channel", "campaign", "country", "device"] as const;
export type MainDimension = (typeof MAIN_DIMENSIONS)[number];

export const ADDED_DIMENSIONS = [
  "browser",
  "os",
  "utm_medium",
  "utm_content",
  "utm_term",
  "region",
  "city",
  "entry_page",
  "exit_page",
] as const;
export type FixedAddedDimension = (typeof ADDED_DIMENSIONS)[number];
/** An allow-listed custom property, as a dimension. */
export type PropertyDimension = `props.${string}`;
export type AddedDimension = FixedAddedDimension | PropertyDimension;
export type Dimension = MainDimension | AddedDimension;

/**
 * What a report read may break down by: a dimension, or the event name (`name`, a column of the
 * main counters that the Plausible query engine lists values of; not a native breakdown).
 */
export type ReportBreakdown = Dimension | "name";

export const isPropertyDimension = (dimension: string): dimension is PropertyDimension => dimension.startsWith("props.");

export const isAddedDimension = (dimension: string): dimension is AddedDimension =>
  (ADDED_DIMENSIONS as readonly string[]).includes(dimension) || isPropertyDimension(dimension);

/**
 * What "visitors" of a value means, which decides the figures it has:
 * - `visitor`: describes the whole visitor-day (its first hit), like source: daily uniques.
 * - `visit`: the entry page of each visit: visitors who entered a visit there that day.
 * - `hit`: a property of single hits: visitors who sent the value that day.
 * - `exit`: the last page of each visit: only visits and visitors, no hits.
 */
export type DimensionScope = "visitor" | "visit" | "hit" | "exit";

export function scopeOf(dimension: AddedDimension): DimensionScope {
  if (isPropertyDimension(dimension)) return "hit";
  if (dimension === "entry_page") return "visit";
  if (dimension === "exit_page") return "exit";
  return "visitor";
}
