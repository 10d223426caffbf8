import type { VisitorDay } from "./visit-tracker";

/**
 * Funnels and lift inside a page or goal filter need to know, per visitor-day, everything it did
 * that day (its pages, its goals, how far it got in each funnel), which per-hit counters cannot
 * know when they are written. The visitor-day rows do, until they expire: this folds a day's
 * rows into small counters (no visitor id, only counts) when the day is over, and the same
 * function computes today's and yesterday's figures live from their rows.
 *
 * Counted per visitor-day: for each goal it reached, `funnel` (it reached step `step` of funnel
 * `key`); for each page it had a hit on, `funnel` as well, and for lift: `base` (the visitor),
 * `base_macro` (it converted macro), `lift_completed` (it reached micro goal `key`) and
 * `lift_both` (that and a macro conversion). A goal filter on lift picks a row, so goals need
 * no lift counts.
 */
export type SegmentKind = "funnel" | "base" | "base_macro" | "lift_completed" | "lift_both";
export type SegmentFilter = "page" | "goal";

export interface SegmentDims {
  source: string;
  channel: string;
  campaign: string;
  country: string;
  device: string;
  variant: string;
}

export interface SegmentCount extends SegmentDims {
  kind: SegmentKind;
  key: string;
  step: number;
  filter: SegmentFilter;
  value: string;
  visitors: number;
}

export function rollUpVisitorDays(visitors: readonly VisitorDay[]): SegmentCount[] {
  const counts = new Map<string, SegmentCount>();
  const add = (dims: SegmentDims, kind: SegmentKind, key: string, step: number, filter: SegmentFilter, value: string) => {
    const id = [kind, key, step, filter, value, dims.source, dims.channel, dims.campaign, dims.country, dims.device, dims.variant].join(
      "\u001f",
    );
    const entry = counts.get(id);
    if (entry) entry.visitors += 1;
    else counts.set(id, { ...dims, kind, key, step, filter, value, visitors: 1 });
  };
  for (const visitor of visitors) {
    const dims: SegmentDims = { ...visitor.attribution, variant: visitor.variant };
    const funnelSteps = Object.entries(visitor.funnels).flatMap(([funnel, progress]) =>
      Array.from({ length: progress.best }, (_, i) => [funnel, i + 1] as const),
    );
    for (const goal of visitor.goals) {
      for (const [funnel, step] of funnelSteps) add(dims, "funnel", funnel, step, "goal", goal);
    }
    for (const page of visitor.pages) {
      for (const [funnel, step] of funnelSteps) add(dims, "funnel", funnel, step, "page", page);
      add(dims, "base", "", 0, "page", page);
      if (visitor.convertedMacro) add(dims, "base_macro", "", 0, "page", page);
      for (const goal of visitor.microGoals) {
        add(dims, "lift_completed", goal, 0, "page", page);
        if (visitor.convertedMacro) add(dims, "lift_both", goal, 0, "page", page);
      }
    }
  }
  return [...counts.values()];
}
