import { customRangeProblem, type DayRange, PRESETS, type Preset, presetRange } from "./ranges";

/**
 * What a view shows, kept in the address bar's query (`?range=30d&channel=email`) so that a view
 * can be bookmarked and shared. Filter names are the API's own. The token never goes here.
 */
export interface ViewState {
  preset: Preset;
  /** The custom range's dates (`preset` "custom"). */
  custom: DayRange | null;
  filters: [FilterKey, string][];
}

/** The filters a click on a row sets, with how a chip names them. */
export const FILTER_LABELS = {
  page: "Page",
  entry_page: "Entry page",
  channel: "Channel",
  source: "Source",
  country: "Country",
  region: "Region",
  device: "Device",
  browser: "Browser",
  os: "Operating system",
  variant: "Variant",
  goal: "Goal",
} as const;
export type FilterKey = keyof typeof FILTER_LABELS;

/** Filters on the API's added dimensions: counted by day only, and not with another added one (docs/api.md, "Exact figures"). */
export const ADDED_FILTERS: readonly FilterKey[] = ["entry_page", "region", "browser", "os"];

export const DEFAULT_PRESET: Preset = "30d";
const isFilterKey = (key: string): key is FilterKey => Object.hasOwn(FILTER_LABELS, key);

/** Reads a view from a query string; anything unknown or malformed falls back to the default. */
export function parseView(search: string): ViewState {
  const query = new URLSearchParams(search);
  const range = query.get("range") ?? "";
  let preset: Preset = (PRESETS as readonly string[]).includes(range) ? (range as Preset) : DEFAULT_PRESET;
  let custom: DayRange | null = null;
  if (preset === "custom") {
    const from = query.get("from") ?? "";
    const to = query.get("to") ?? "";
    if (customRangeProblem(from, to) === null) custom = { from, to };
    else preset = DEFAULT_PRESET;
  }
  const filters: [FilterKey, string][] = [];
  for (const [key, value] of query) {
    if (isFilterKey(key) && value !== "" && value.length <= 2_000 && !filters.some(([known]) => known === key)) filters.push([key, value]);
  }
  return { preset, custom, filters };
}

/** The query string of a view (with `?`, or empty for the default view). */
export function serializeView(view: ViewState): string {
  const query = new URLSearchParams();
  if (view.preset !== DEFAULT_PRESET) query.set("range", view.preset);
  if (view.preset === "custom" && view.custom !== null) {
    query.set("from", view.custom.from);
    query.set("to", view.custom.to);
  }
  for (const [key, value] of view.filters) query.set(key, value);
  const text = query.toString();
  return text === "" ? "" : `?${text}`;
}

/** The dates a view covers, `today` being the site's local date. */
export const viewRange = (view: ViewState, today: string): DayRange =>
  view.preset === "custom" ? (view.custom ?? presetRange("30d", today)) : presetRange(view.preset, today);

/** The view with one filter set (replacing the same key) or removed (`value` null). */
export function withFilter(view: ViewState, key: FilterKey, value: string | null): ViewState {
  const filters = view.filters.filter(([known]) => known !== key);
  if (value !== null) filters.push([key, value]);
  return { ...view, filters };
}
