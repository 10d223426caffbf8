import type { ConversionClass } from "../site/conversion-class";
import { conversionClassOf } from "../site/conversion-class";
import { defaultGoalFor } from "../site/default-taxonomy";
import { canonicalEventName, ENGAGEMENT_EVENT, PAGEVIEW_EVENT } from "../site/event-name";
import type { CompiledGoal, CompiledSite } from "../site/site";
import type { Money } from "./money";

export type HitKind = "pageview" | "event" | "engagement";

/** What the classifier needs to know about a hit. */
export interface ClassifierInput {
  name: string;
  path: string;
  props: Readonly<Record<string, string>>;
  revenue: Money | null;
  /** Engagement events: deepest scroll (percent) and engaged time. */
  scrollDepth: number;
  engagedMs: number;
}

export interface Classification {
  kind: HitKind;
  class: ConversionClass;
  /** Goal reached by the hit, "" when none. */
  goal: string;
  /** Money this hit brings: its own revenue, else the goal's fixed value. */
  revenue: Money | null;
}

export function hitKindOf(name: string): HitKind {
  const canonical = canonicalEventName(name);
  if (canonical === PAGEVIEW_EVENT) return "pageview";
  if (canonical === ENGAGEMENT_EVENT) return "engagement";
  return "event";
}

const isThresholdGoal = (goal: CompiledGoal) =>
  goal.definition.match.scroll !== undefined || goal.definition.match.engaged_seconds !== undefined;

function goalMatches(goal: CompiledGoal, input: ClassifierInput, kind: HitKind): boolean {
  const { match } = goal.definition;
  // Engagement thresholds are reached by engagement events only, and those reach nothing else.
  if (isThresholdGoal(goal) !== (kind === "engagement")) return false;
  if (kind === "engagement") {
    if (match.scroll !== undefined && input.scrollDepth < match.scroll) return false;
    if (match.engaged_seconds !== undefined && input.engagedMs < match.engaged_seconds * 1_000) return false;
  } else if (goal.canonicalEvent !== null) {
    if (canonicalEventName(input.name) !== goal.canonicalEvent) return false;
  } else if (kind !== "pageview") {
    // A path-only goal ("reached /thank-you") is reached by viewing the page.
    return false;
  }
  if (goal.pathPattern !== null && !goal.pathPattern.test(input.path)) return false;
  for (const [key, value] of Object.entries(match.props ?? {})) {
    if (input.props[key] !== value) return false;
  }
  return true;
}

/**
 * Classifies one hit. Engagement events reach only engagement-threshold goals. Otherwise, in
 * order: the site's configured goals (first match wins), then pageview,
 * then the built-in taxonomy (unless the site turned it off), then money: an event that carries
 * revenue and matches nothing else is a macro conversion named after the event.
 */
export function classifyHit(input: ClassifierInput, site: CompiledSite): Classification {
  const kind = hitKindOf(input.name);
  const configured = site.goals.find((goal) => goalMatches(goal, input, kind));
  if (kind === "engagement") {
    return configured
      ? {
          kind,
          class: conversionClassOf(configured.definition.class, configured.definition.stage),
          goal: configured.definition.name,
          revenue: null,
        }
      : { kind, class: "unclassified", goal: "", revenue: null };
  }
  if (configured) {
    const { definition } = configured;
    return {
      kind,
      class: conversionClassOf(definition.class, definition.stage),
      goal: definition.name,
      revenue: input.revenue ?? definition.value ?? null,
    };
  }
  if (kind === "pageview") return { kind, class: "pageview", goal: "", revenue: input.revenue };

  const builtIn = site.useDefaultTaxonomy ? defaultGoalFor(input.name) : undefined;
  if (builtIn) {
    return { kind, class: conversionClassOf(builtIn.class, builtIn.stage), goal: builtIn.goal, revenue: input.revenue };
  }
  if (input.revenue !== null) return { kind, class: "macro", goal: input.name.trim(), revenue: input.revenue };
  return { kind, class: "unclassified", goal: "", revenue: null };
}
