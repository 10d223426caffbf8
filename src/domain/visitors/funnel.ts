import type { HitKind } from "../ingest/classify";
import type { CompiledFunnel, CompiledFunnelStep } from "../site/site";

/**
 * Funnels as counters. A visitor-day remembers, per funnel, how far it got in order; when a hit
 * takes it past its best so far, the counter of that step gets one visitor. So step k counts the
 * visitors who reached steps 1..k in order within the window, other actions in between allowed,
 * and the counts can only fall from one step to the next.
 */

/** The steps of one funnel that a hit satisfies (0-based indexes), computed where the config is. */
export interface FunnelMatch {
  funnel: string;
  windowMs: number;
  stepCount: number;
  steps: number[];
}

/** How far a visitor got today in one funnel. */
export interface FunnelProgress {
  /** Steps reached in order in the current attempt. */
  current: number;
  /** When the current attempt reached step 1. */
  startedAt: number;
  /** Most steps reached today; each step is counted once, when first passed. */
  best: number;
}

interface FunnelHit {
  kind: HitKind;
  goal: string;
  path: string;
}

function stepMatches(step: CompiledFunnelStep, hit: FunnelHit): boolean {
  if (step.goals !== null) return hit.goal !== "" && step.goals.includes(hit.goal);
  return hit.kind === "pageview" && step.pathPattern !== null && step.pathPattern.test(hit.path);
}

/** The funnels a hit can move, with the steps it satisfies; funnels it cannot move are left out. */
export function funnelMatchesFor(funnels: readonly CompiledFunnel[], hit: FunnelHit): FunnelMatch[] {
  return funnels.flatMap((funnel) => {
    const steps = funnel.steps.flatMap((step, index) => (stepMatches(step, hit) ? [index] : []));
    return steps.length === 0 ? [] : [{ funnel: funnel.name, windowMs: funnel.windowMs, stepCount: funnel.steps.length, steps }];
  });
}

/**
 * Applies one hit to a funnel. A hit moves at most one step: the next one, if it satisfies it.
 * An attempt older than the window starts over (its best stays counted). Returns the 1-based
 * step newly reached for the first time today, if any.
 */
export function advanceFunnel(
  prior: FunnelProgress | undefined,
  match: FunnelMatch,
  timestamp: number,
): { progress: FunnelProgress; reachedStep: number | null } {
  let { current, startedAt, best } = prior ?? { current: 0, startedAt: 0, best: 0 };
  if (current > 0 && timestamp - startedAt > match.windowMs) current = 0;
  if (current < match.stepCount && match.steps.includes(current)) {
    current += 1;
    if (current === 1) startedAt = timestamp;
  }
  const reachedStep = current > best ? current : null;
  best = Math.max(best, current);
  return { progress: { current, startedAt, best }, reachedStep };
}
