/**
 * Counter tables keyed by hour, with their key and sum columns (in their column order): for
 * writing, folding old hours into days and reading them. All but dropped_hits are stored packed
 * (packed-counters.ts).
 */
export const HOURLY_TABLES = [
  {
    table: "hourly_counters",
    key: ["name", "goal", "class", "page", "source", "channel", "campaign", "country", "device", "variant", "currency"],
    sums: [
      "hits",
      "visitors",
      "hour_visitors",
      "page_visitors",
      "goal_visitors",
      "class_visitors",
      "variant_visitors",
      "visits",
      "bounces",
      "visit_duration_ms",
      "revenue_minor",
      "scroll_depth_sum",
      "engaged_ms",
    ],
  },
  {
    table: "funnel_counters",
    key: ["funnel", "step", "source", "channel", "campaign", "country", "device", "variant"],
    sums: ["visitors"],
  },
  { table: "lift_counters", key: ["goal", "source", "channel", "campaign", "country", "device", "variant"], sums: ["visitors"] },
  { table: "dropped_hits", key: ["reason"], sums: ["hits"] },
] as const;

/** The counter tables stored packed: every one but dropped_hits (a row per hour and reason). */
export const PACKED_TABLES = HOURLY_TABLES.filter(
  (definition): definition is Exclude<(typeof HOURLY_TABLES)[number], { table: "dropped_hits" }> => definition.table !== "dropped_hits",
);
export type PackedTable = (typeof PACKED_TABLES)[number]["table"];
