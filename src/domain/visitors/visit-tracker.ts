import type { Classification } from "../ingest/classify";
import { dayOfHour } from "../time/utc-time";
import { advanceFunnel, type FunnelMatch, type FunnelProgress } from "./funnel";
import { copyTallies, type EventTally, tallyHit, type VisitTally } from "./visit-tallies";

/** A visit ends after 30 minutes without a hit, as in Plausible and Google Analytics. */
export const VISIT_TIMEOUT_MS = 30 * 60_000;
/** Bounds on what one visitor-day row remembers, so a bot cannot grow a row without limit. */
export const MAX_PAGES_REMEMBERED = 300;
export const MAX_GOALS_REMEMBERED = 200;
/** What the variant of a visitor who has not been shown an experiment is called. */
export const NO_VARIANT = "(none)";

/**
 * Attribution of a visitor's day, taken from its first hit (or from the visit it continues):
 * every hit of the day is counted under these values, so each describes the whole visitor-day.
 */
export interface Attribution {
  source: string;
  channel: string;
  campaign: string;
  /** `utm_medium`, `utm_content`, `utm_term`, or "(none)". */
  medium: string;
  content: string;
  term: string;
  country: string;
  /** ISO 3166-2 code, its name ("" when unknown) and the city, from Cloudflare's geolocation. */
  region: string;
  regionName: string;
  city: string;
  device: string;
  browser: string;
  os: string;
}

/** What a visitor-day stored before a field existed reads as (rows and log entries of older versions). */
export const UNKNOWN_ATTRIBUTION = "(unknown)";
const ATTRIBUTION_DEFAULTS: Omit<Attribution, "source" | "channel" | "campaign" | "country" | "device"> = {
  medium: "(none)",
  content: "(none)",
  term: "(none)",
  region: UNKNOWN_ATTRIBUTION,
  regionName: "",
  city: UNKNOWN_ATTRIBUTION,
  browser: UNKNOWN_ATTRIBUTION,
  os: UNKNOWN_ATTRIBUTION,
};

/** One allow-listed custom property of a hit, already redacted and capped. */
export interface HitProperty {
  name: string;
  value: string;
}

/**
 * What we keep about one visitor for one local day of the site, keyed by the day's hash. It exists only to
 * count each visitor once per counter; it is deleted with its salt, within 48 h.
 */
export interface VisitorDay {
  vid: string;
  day: number;
  lastSeen: number;
  lastHour: number;
  attribution: Attribution;
  /** The first A/B variant the visitor was shown today; conversions after that count for it. */
  variant: string;
  pages: string[];
  goals: string[];
  /** The micro goals among `goals`, for micro-to-macro lift. */
  microGoals: string[];
  convertedMacro: boolean;
  convertedMicro: boolean;
  funnels: Record<string, FunnelProgress>;
  visitStart: number;
  visitPageviews: number;
  /** Whether the current visit is counted as a bounce (one pageview, nothing else) right now. */
  visitBounced: boolean;
  /** The current visit's first page, and its last pageview's page so far ("" before one). */
  entryPage: string;
  exitPage: string;
  /** Today's visits by entry page, with what their hits did (visit-tallies.ts). */
  visitsByEntry: Record<string, VisitTally>;
  /** Today's visits by the page they end on so far; the current visit's exit moves as it goes on. */
  exits: Record<string, number>;
  /** What the hits carrying each allow-listed property value (`name\u001fvalue`) did today. */
  propTallies: Record<string, EventTally>;
}

/** A visitor-day as stored by any version: fields added since read as their neutral value. */
export function upgradeVisitorDay(stored: VisitorDay): VisitorDay {
  return {
    ...stored,
    attribution: { ...ATTRIBUTION_DEFAULTS, ...stored.attribution },
    entryPage: stored.entryPage ?? "",
    exitPage: stored.exitPage ?? "",
    visitsByEntry: stored.visitsByEntry ?? {},
    exits: stored.exits ?? {},
    propTallies: stored.propTallies ?? {},
  };
}

/** One hit, as the tracker sees it. */
export interface TrackedHit {
  timestamp: number;
  /** "pageview", "engagement" or the event name (as counted). */
  name: string;
  /** The site's local wall-clock hour: the visitor's day is the site's local day. */
  localHour: number;
  page: string;
  classification: Classification;
  /** Attribution this hit would give if it started the visitor's day. */
  attribution: Attribution;
  variant: string;
  funnels: readonly FunnelMatch[];
  props: readonly HitProperty[];
}

/** What one hit adds to the counters. The visitor counts are 0 or 1 ("first time today"). */
export interface Increments {
  /** First hit of the visitor's local day: daily unique visitors. */
  visitors: number;
  /** First hit of the visitor in this local hour: hourly unique visitors. */
  hourVisitors: number;
  /** First hit on this page today. */
  pageVisitors: number;
  /** First time today the visitor reaches this goal. */
  goalVisitors: number;
  /** First macro (or first micro) conversion of the visitor today. */
  classVisitors: number;
  /** First time today the visitor is shown a variant. */
  variantVisitors: number;
  /** A new visit starts with this hit. */
  visits: number;
  /** +1 when a visit starts with a pageview; -1 when that visit gets a second pageview or an event. */
  bounces: number;
  /** Time since the visit's previous hit. */
  visitDurationMs: number;
  /** Funnel steps (1-based) the visitor reached for the first time today. */
  funnelSteps: { funnel: string; step: number }[];
  /** Micro goals now known to go together with a macro conversion today (each once a day). */
  liftGoals: string[];
}

export const NO_INCREMENTS: Increments = {
  visitors: 0,
  hourVisitors: 0,
  pageVisitors: 0,
  goalVisitors: 0,
  classVisitors: 0,
  variantVisitors: 0,
  visits: 0,
  bounces: 0,
  visitDurationMs: 0,
  funnelSteps: [],
  liftGoals: [],
};

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

function startDay(prior: VisitorDay | null, vid: string, hit: TrackedHit, day: number): VisitorDay {
  return {
    vid,
    day,
    lastSeen: hit.timestamp,
    lastHour: -1,
    // A visit continued from yesterday keeps its source (its first hit today is internal
    // navigation) and the variant it was shown (counted again below, as today's exposure).
    attribution: prior?.attribution ?? hit.attribution,
    variant: prior?.variant ?? NO_VARIANT,
    pages: [],
    goals: [],
    microGoals: [],
    convertedMacro: false,
    convertedMicro: false,
    // Funnels start over each day: their counters are per day, and a step may only be counted
    // after the steps before it were counted the same day.
    funnels: {},
    // Engagement figures split visits at midnight (as Universal Analytics did), so that every
    // visit, bounce and second of a day is counted in that day and one-day figures stay exact.
    visitStart: hit.timestamp,
    visitPageviews: 0,
    visitBounced: false,
    entryPage: "",
    exitPage: "",
    visitsByEntry: {},
    exits: {},
    propTallies: {},
  };
}

/**
 * Applies one hit to the visitor's day. Returns the row to store (null: store nothing), the
 * attribution and variant the hit's counters are filed under, and what the hit adds to them.
 * Engagement hits never start a visitor-day: they report on a page already counted, and an open
 * tab after midnight must not add a visitor.
 */
export function advanceVisitor(
  prior: VisitorDay | null,
  vid: string,
  hit: TrackedHit,
): { next: VisitorDay | null; increments: Increments; attribution: Attribution; variant: string } {
  const hour = hit.localHour;
  const day = dayOfHour(hour);
  const { kind, goal, class: conversionClass } = hit.classification;
  const sameDay = prior !== null && prior.day === day;

  if (kind === "engagement" && !sameDay) {
    return {
      next: null,
      increments: NO_INCREMENTS,
      attribution: prior?.attribution ?? hit.attribution,
      variant: prior?.variant ?? hit.variant,
    };
  }

  const current: VisitorDay = sameDay
    ? {
        ...prior,
        pages: [...prior.pages],
        goals: [...prior.goals],
        microGoals: [...prior.microGoals],
        funnels: { ...prior.funnels },
        ...copyTallies(prior),
      }
    : startDay(prior, vid, hit, day);
  const increments: Increments = {
    ...NO_INCREMENTS,
    visitors: sameDay ? 0 : 1,
    // An engagement beacon reports on a page already counted (a tab left open), not new activity.
    hourVisitors: current.lastHour === hour || kind === "engagement" ? 0 : 1,
    funnelSteps: [],
    liftGoals: [],
  };

  trackVisit(current, !sameDay, hit, increments);

  if (!sameDay && current.variant !== NO_VARIANT) {
    increments.variantVisitors = 1;
  } else if (current.variant === NO_VARIANT && hit.variant !== NO_VARIANT) {
    current.variant = hit.variant;
    increments.variantVisitors = 1;
  }
  if (kind !== "engagement" && !current.pages.includes(hit.page) && current.pages.length < MAX_PAGES_REMEMBERED) {
    current.pages.push(hit.page);
    increments.pageVisitors = 1;
  }
  const isMicro = conversionClass === "micro_milestone" || conversionClass === "micro_secondary";
  if (goal !== "" && !current.goals.includes(goal) && current.goals.length < MAX_GOALS_REMEMBERED) {
    current.goals.push(goal);
    increments.goalVisitors = 1;
    if (isMicro) {
      current.microGoals.push(goal);
      // A new micro goal of a visitor who already converted today goes together with it.
      if (current.convertedMacro) increments.liftGoals.push(goal);
    }
  }
  if (conversionClass === "macro" && !current.convertedMacro) {
    current.convertedMacro = true;
    increments.classVisitors = 1;
    // The first macro conversion pairs with every micro goal reached before it today.
    increments.liftGoals.push(...current.microGoals);
  } else if (isMicro && !current.convertedMicro) {
    current.convertedMicro = true;
    increments.classVisitors = 1;
  }

  for (const match of hit.funnels) {
    const { progress, reachedStep } = advanceFunnel(current.funnels[match.funnel], match, hit.timestamp);
    current.funnels[match.funnel] = progress;
    if (reachedStep !== null) increments.funnelSteps.push({ funnel: match.funnel, step: reachedStep });
  }

  tallyHit(current, hit, increments);
  current.lastSeen = Math.max(current.lastSeen, hit.timestamp);
  if (kind !== "engagement") current.lastHour = hour;
  return { next: current, increments, attribution: current.attribution, variant: current.variant };
}

/**
 * Visits: a new one starts with the day's first hit or after 30 minutes without a hit. Duration
 * adds the gaps between a visit's hits. A visit is a bounce while it has exactly one pageview
 * and no event; the count goes up when such a visit starts and back down when it stops being one.
 */
function trackVisit(current: VisitorDay, startsDay: boolean, hit: TrackedHit, increments: Increments): void {
  const { kind } = hit.classification;
  const newVisit = startsDay || hit.timestamp - current.lastSeen >= VISIT_TIMEOUT_MS;
  if (newVisit) {
    if (kind === "engagement") return;
    current.visitStart = hit.timestamp;
    current.visitPageviews = kind === "pageview" ? 1 : 0;
    current.visitBounced = kind === "pageview";
    increments.visits = 1;
    increments.bounces = current.visitBounced ? 1 : 0;
    return;
  }
  increments.visitDurationMs = Math.max(0, hit.timestamp - current.lastSeen);
  if (kind === "pageview") current.visitPageviews += 1;
  if (current.visitBounced && (kind === "event" || (kind === "pageview" && current.visitPageviews > 1))) {
    current.visitBounced = false;
    increments.bounces = -1;
  }
}
