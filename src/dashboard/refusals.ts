import { ADDED_FILTERS, FILTER_LABELS, type FilterKey } from "./view-state";

/**
 * Which asks the API refuses (400 `unsupported_filter`) under a view's filters, known beforehand
 * from its documented rules (docs/api.md, "Exact figures"), so the dashboard does not send them and
 * says why instead. Where this and the API ever disagree, the API's answer is shown as it is.
 */
const list = (keys: readonly FilterKey[]) => keys.map((key) => FILTER_LABELS[key].toLowerCase()).join(" and ");

/** Why a breakdown of an added dimension (browser, entry page…) cannot be shown, or null when it can. */
export function addedBreakdownRefusal(dimension: string, filters: readonly FilterKey[]): string | null {
  const added = filters.filter((key) => ADDED_FILTERS.includes(key));
  const main = filters.filter((key) => !ADDED_FILTERS.includes(key));
  const goalOnly = main.every((key) => key === "goal");
  if (added.length === 0 && goalOnly) {
    return main.length > 0 && dimension === "exit_page" ? "an exit page describes how visits end, which is not counted per goal" : null;
  }
  if (added.length === 1 && added[0] === dimension && goalOnly) return null;
  return `this breakdown is counted by itself, not together with the ${list(filters.filter((key) => key !== "goal"))} filter`;
}

/** Why funnels, variants and lift cannot be shown (they are counted by the main dimensions), or null. */
export function segmentRefusal(endpoint: "funnels" | "variants" | "lift", filters: readonly FilterKey[]): string | null {
  const added = filters.filter((key) => ADDED_FILTERS.includes(key));
  if (added.length > 0) return `${endpoint} are counted by channel, source, country, device, variant, page and goal, not by ${list(added)}`;
  if (endpoint === "funnels" && filters.includes("page") && filters.includes("goal"))
    return "funnels take a page filter or a goal filter, not both at once";
  return null;
}

/** The words a panel shows for a refusal. */
export const refusalText = (reason: string): string => `Not available with these filters: ${reason}. Remove a filter to see it.`;
