/** The parts of the API's answers the dashboard reads (their full schemas: src/schemas/answer-schemas.ts). */

export type Revenue = Record<string, number>;
export interface Rate {
  count: number;
  visitors: number;
  conversion_rate: number;
}
export interface MacroFigures extends Rate {
  revenue: Revenue;
}
export interface BreakdownRow {
  value: string;
  name?: string;
  visitors: number;
  pageviews?: number;
  micro?: Rate;
  macro?: MacroFigures;
  visits?: number;
  bounce_rate?: number;
  visit_duration_s?: number;
  scroll_depth?: number | null;
  engaged_s?: number | null;
}
export interface Goal extends MacroFigures {
  name: string;
  class: "macro" | "micro";
  stage?: "milestone" | "secondary";
}
export interface Report {
  range: { from: string; to: string; interval: "hour" | "day"; timezone: string };
  totals: { visitors: number; pageviews: number; events: number };
  conversions: { macro: MacroFigures; micro: Rate };
  goals: Goal[];
  timeseries: { t: string; visitors: number; pageviews: number; micro: number; macro: number }[];
  breakdowns: Partial<Record<string, BreakdownRow[]>>;
  engagement: { visits: number; pages_per_visit: number; visit_duration_s: number; bounce_rate: number };
  dropped: Record<string, number>;
}
export interface Funnels {
  funnels: {
    name: string;
    steps: { name: string; visitors: number; dropoff: number; dropoff_rate: number; conversion_rate: number }[];
  }[];
}
export interface Variants {
  variant_prop: string;
  variants: {
    variant: string;
    visitors: number;
    goals: { name: string; class: string; conversions: number; visitors: number; conversion_rate: number }[];
  }[];
  comparisons: {
    goal: string;
    a: string;
    b: string;
    rate_a: number;
    rate_b: number;
    difference: number;
    p_value: number;
    significant: boolean;
  }[];
}
export interface Lift {
  lift: {
    goal: string;
    stage: string;
    completed: { visitors: number; macro_visitors: number; macro_rate: number };
    not_completed: { visitors: number; macro_visitors: number; macro_rate: number };
    lift: number | null;
  }[];
}
export interface AlertCheck {
  goal: string;
  class: string;
  alert: "stopped" | "drop" | null;
  today: { converting_visitors: number; visitors: number };
  expected: number;
  p_value: number;
}
export interface Alerts {
  date: string;
  alerts: AlertCheck[];
  goals: AlertCheck[];
}
export interface Sites {
  sites: { id: string; timezone: string; public: boolean; funnels: string[] }[];
}
