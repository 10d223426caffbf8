import {
  ADDED_DIMENSIONS,
  type AddedDimension,
  type Dimension,
  isAddedDimension,
  MAIN_DIMENSIONS,
  type ReportBreakdown,
  scopeOf,
} from "./dimensions";
import { addedFilters, type ReportFilters } from "./report-filter";

/**
 * Which filter and figure pairs stepwise answers exactly (the table in docs/api.md, "Exact
 * figures"). Anything else is refused with the reason, never answered with an estimate.
 *
 * The main counters cross every main dimension with every other; an added dimension is counted per
 * local day with the event name, goal, class and currency only. So an added filter gives exact
 * totals, conversions, goals, daily timeseries and engagement, alone or with a goal filter; it
 * does not combine with another dimension's filter or breakdown, nor with funnel, lift, variant
 * and channel counts, which are kept per main dimension.
 */
export type StatsEndpoint = "report" | "funnels" | "channels" | "variants" | "lift";

export interface Inexact {
  field: string;
  message: string;
}

const ENDPOINT_COUNTERS: Record<Exclude<StatsEndpoint, "report">, string> = {
  funnels: "funnel steps are counted per channel, source, campaign, country, device and variant",
  lift: "micro-to-macro pairs are counted per channel, source, campaign, country, device and variant",
  variants: "variant conversions are counted per main dimension (page, channel, source, country, device)",
  channels: "channel, source and campaign conversions are counted per main dimension",
};

/** Why these filters cannot be answered exactly by this endpoint, or null. */
export function filterProblem(endpoint: StatsEndpoint, filters: ReportFilters, interval: "hour" | "day"): Inexact | null {
  const added = addedFilters(filters);
  const first = added[0];
  if (first === undefined) return null;
  const [dimension] = first;
  if (added.length > 1) {
    return {
      field: added[1]?.[0] ?? dimension,
      message: `${dimension} and ${added[1]?.[0]} are each counted on their own, so one filter on them at a time`,
    };
  }
  if (scopeOf(dimension) === "exit") {
    return {
      field: dimension,
      message: "an exit page is known only as a visit ends, so it counts visits, not hits: use the exit_page breakdown, or filter by page",
    };
  }
  if (endpoint !== "report") return { field: dimension, message: `${ENDPOINT_COUNTERS[endpoint]}, not per ${dimension}` };
  const crossed = Object.keys(filters).find((field) => field !== dimension && field !== "goal");
  if (crossed !== undefined) {
    return {
      field: crossed,
      message: `${dimension} is counted with event names and goals but not with ${crossed}: combine it with goal only`,
    };
  }
  if (interval === "hour") {
    return { field: "interval", message: `${dimension} is counted per day, so its filter takes interval=day` };
  }
  return null;
}

/** Why this breakdown is not exact under these filters, or null. */
export function breakdownProblem(dimension: ReportBreakdown, filters: ReportFilters): Inexact | null {
  const added = addedFilters(filters)[0]?.[0];
  const isAdded = isAddedDimension(dimension);
  if (added !== undefined && dimension !== added) {
    return {
      field: "breakdowns",
      message: `a breakdown by ${dimension} inside a ${added} filter is not counted: ask for it without that filter`,
    };
  }
  if (isAdded && scopeOf(dimension) === "exit" && filters.goal !== undefined) {
    return {
      field: "breakdowns",
      message: "exit pages count visits, not the hits that reached a goal: ask for exit_page without a goal filter",
    };
  }
  if (isAdded) {
    const crossed = Object.keys(filters).find((field) => field !== dimension && field !== "goal");
    if (crossed !== undefined) {
      return {
        field: "breakdowns",
        message: `${dimension} is counted with event names and goals but not with ${crossed}: break it down with a goal filter only`,
      };
    }
  }
  return null;
}

/** Every breakdown a site has: the main dimensions, the added ones and its allow-listed properties. */
export function siteDimensions(properties: readonly string[]): Dimension[] {
  return [...MAIN_DIMENSIONS, ...ADDED_DIMENSIONS, ...properties.map((name): AddedDimension => `props.${name}`)];
}

/** Every breakdown that is exact under the filters. */
export function exactBreakdowns(all: readonly Dimension[], filters: ReportFilters): Dimension[] {
  return all.filter((dimension) => breakdownProblem(dimension, filters) === null);
}

/**
 * The breakdowns a report carries when `breakdowns` is not given: the main ones exact under its
 * filters, or inside an added filter that dimension's own. Added breakdowns are asked for by name:
 * each reads its days' packed rows (dimension-counters.ts), which a report should not pay for
 * when nobody looks.
 */
export function defaultBreakdowns(filters: ReportFilters): Dimension[] {
  const added = addedFilters(filters)[0];
  if (added !== undefined) return [added[0]];
  return exactBreakdowns(MAIN_DIMENSIONS, filters);
}
