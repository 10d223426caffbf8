import type { AddedDimension } from "./dimensions";

/**
 * Filters every stats endpoint accepts (docs/api.md, "Filters"). Values match exactly.
 *
 * Filters select counter rows, so figures inside a filter are counted at the hits that match it.
 * "Visitors" inside a filter are therefore counted at the first matching hit of each
 * visitor-day: with `goal`, the visitors who reached the goal; with `page`, those with a hit on
 * the page; with `variant`, those shown the variant; otherwise (channel, source, country,
 * device describe the whole visitor-day) every visitor of the segment.
 */
export const FILTER_FIELDS = ["page", "channel", "source", "country", "device", "variant", "goal"] as const;
/**
 * Columns of the main counters that reads can also filter on, beyond what the native endpoints
 * take: the campaign (utm_campaign) and the event name. The Plausible query engine uses them
 * (docs/plausible-api.md); funnel and lift counters carry the campaign but not the name.
 */
export const COUNTER_FILTER_FIELDS = [...FILTER_FIELDS, "campaign", "name"] as const;
export type FilterField = (typeof COUNTER_FILTER_FIELDS)[number];
/**
 * Main filters (columns of the main counters) and at most one added dimension (browser, os, ...,
 * `props.<name>`; see dimensions.ts and report-exactness.ts for what they combine with).
 */
export type ReportFilters = Partial<Record<FilterField | AddedDimension, string>>;

/** The main filters alone. */
export function mainFilters(filters: ReportFilters): Partial<Record<FilterField, string>> {
  const main: Partial<Record<FilterField, string>> = {};
  for (const field of COUNTER_FILTER_FIELDS) if (filters[field] !== undefined) main[field] = filters[field];
  return main;
}

/** The added-dimension filters, as [dimension, value] pairs. */
export function addedFilters(filters: ReportFilters): [AddedDimension, string][] {
  return Object.entries(filters).flatMap(([field, value]) =>
    value !== undefined && !(COUNTER_FILTER_FIELDS as readonly string[]).includes(field) ? [[field as AddedDimension, value]] : [],
  );
}

/** Filters on what describes a whole visitor-day; the only ones funnel and lift counters carry. */
export const VISITOR_FILTERS = ["channel", "source", "country", "device", "variant"] as const satisfies readonly FilterField[];

export type VisitorsColumn = "visitors" | "page_visitors" | "goal_visitors" | "variant_visitors";

/** Which once-per-visitor-day counter counts "visitors" for these filters (and breakdown). */
export function visitorsColumnFor(filters: ReportFilters, breakdown?: string): VisitorsColumn {
  if (filters.goal !== undefined) return "goal_visitors";
  if (filters.page !== undefined || breakdown === "page") return "page_visitors";
  if (filters.variant !== undefined || breakdown === "variant") return "variant_visitors";
  return "visitors";
}

/**
 * Which counter counts converting visitors. Normally a visitor converts (micro or macro) once a
 * day, at its first conversion of that class; inside a goal filter, converting means reaching
 * that goal, so the goal's own visitors count.
 */
export const convertingColumnFor = (filters: ReportFilters): "class_visitors" | "goal_visitors" =>
  filters.goal !== undefined ? "goal_visitors" : "class_visitors";
