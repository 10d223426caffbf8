import type { Classification } from "./classify";
import { dayOf, hourOf } from "./utc-time";

/** A visit ends after 30 minutes without a hit, as in Plausible and Google Analytics. */
export const VISIT_TIMEOUT_MS = 30 * 60_000;
/** Bounds on what one visitor-day row remembers, so a bot cannot grow a row without limit. */
export const MAX_PAGES_REMEMBERED = 300;
export const MAX_GOALS_REMEMBERED = 200;

/** Attribution of a visitor's day, taken from its first hit (or from the visit it continues). */
export interface Attribution {
  source: string;
  channel: string;
  campaign: string;
  country: string;
  device: string;
}

/**
 * What we keep about one visitor for one UTC day, keyed by the day's hash. It exists only to
 * count each visitor once per counter; it is deleted with its salt, within 48 h.
 */
export interface VisitorDay {
  vid: string;
  day: number;
  lastSeen: number;
  lastHour: number;
  attribution: Attribution;
  pages: string[];
  goals: string[];
  convertedMacro: boolean;
  convertedMicro: boolean;
}

/** One hit, as the tracker sees it. */
export interface TrackedHit {
  timestamp: number;
  page: string;
  classification: Classification;
  /** Attribution this hit would give if it started the visitor's day. */
  attribution: Attribution;
}

/** Which once-per-visitor counters this hit is the first for. Each is 0 or 1. */
export interface UniqueIncrements {
  /** First hit of the visitor's UTC day: daily unique visitors. */
  visitors: number;
  /** First hit of the visitor in this UTC hour: hourly unique visitors. */
  hourVisitors: number;
  /** First hit on this page today. */
  pageVisitors: number;
  /** First time today the visitor reaches this goal. */
  goalVisitors: number;
  /** First macro (or first micro) conversion of the visitor today. */
  classVisitors: number;
}

const NONE: UniqueIncrements = { visitors: 0, hourVisitors: 0, pageVisitors: 0, goalVisitors: 0, classVisitors: 0 };

/**
 * Chooses the visitor's row: today's hash if known; else yesterday's hash when its visit is
 * still going (a visit across midnight is not split); else a new visitor under today's hash.
 */
export function resolveVisitor(
  todayRow: VisitorDay | null,
  yesterdayRow: VisitorDay | null,
  timestamp: number,
): { prior: VisitorDay | null; continuesFromYesterday: boolean } {
  if (todayRow !== null) return { prior: todayRow, continuesFromYesterday: false };
  if (yesterdayRow !== null && timestamp - yesterdayRow.lastSeen < VISIT_TIMEOUT_MS) {
    return { prior: yesterdayRow, continuesFromYesterday: true };
  }
  return { prior: null, continuesFromYesterday: false };
}

/**
 * Applies one hit to the visitor's day. Returns the row to store (null: store nothing) and the
 * unique counters the hit increments. Engagement hits never start a visitor-day: they report on
 * a page already counted, and an open tab after midnight must not add a visitor.
 */
export function advanceVisitor(
  prior: VisitorDay | null,
  vid: string,
  hit: TrackedHit,
): { next: VisitorDay | null; increments: UniqueIncrements; attribution: Attribution } {
  const day = dayOf(hit.timestamp);
  const hour = hourOf(hit.timestamp);
  const { kind, goal, class: conversionClass } = hit.classification;
  const sameDay = prior !== null && prior.day === day;

  if (kind === "engagement" && !sameDay) {
    return { next: null, increments: NONE, attribution: prior?.attribution ?? hit.attribution };
  }

  const current: VisitorDay = sameDay
    ? { ...prior, pages: [...prior.pages], goals: [...prior.goals] }
    : {
        vid,
        day,
        lastSeen: hit.timestamp,
        lastHour: -1,
        // A visit continued from yesterday keeps its source: its first hit today is internal.
        attribution: prior?.attribution ?? hit.attribution,
        pages: [],
        goals: [],
        convertedMacro: false,
        convertedMicro: false,
      };

  const increments: UniqueIncrements = {
    visitors: sameDay ? 0 : 1,
    // An engagement beacon reports on a page already counted (a tab left open), not new activity.
    hourVisitors: current.lastHour === hour || kind === "engagement" ? 0 : 1,
    pageVisitors: 0,
    goalVisitors: 0,
    classVisitors: 0,
  };

  if (kind !== "engagement" && !current.pages.includes(hit.page) && current.pages.length < MAX_PAGES_REMEMBERED) {
    current.pages.push(hit.page);
    increments.pageVisitors = 1;
  }
  if (goal !== "" && !current.goals.includes(goal) && current.goals.length < MAX_GOALS_REMEMBERED) {
    current.goals.push(goal);
    increments.goalVisitors = 1;
  }
  if (conversionClass === "macro" && !current.convertedMacro) {
    current.convertedMacro = true;
    increments.classVisitors = 1;
  } else if ((conversionClass === "micro_milestone" || conversionClass === "micro_secondary") && !current.convertedMicro) {
    current.convertedMicro = true;
    increments.classVisitors = 1;
  }

  current.lastSeen = Math.max(current.lastSeen, hit.timestamp);
  if (kind !== "engagement") current.lastHour = hour;
  return { next: current, increments, attribution: current.attribution };
}
