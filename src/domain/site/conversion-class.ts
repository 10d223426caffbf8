/**
 * The five classes every accepted hit falls into (see ../shared/domain.md):
 * a macro conversion is the goal itself; micro milestones are steps on the path to it; micro
 * secondary actions show interest off the path; pageviews are traffic; the rest is unclassified.
 */
export type ConversionClass = "macro" | "micro_milestone" | "micro_secondary" | "pageview" | "unclassified";

export type GoalClass = "macro" | "micro";
export type MicroStage = "milestone" | "secondary";

export function conversionClassOf(goalClass: GoalClass, stage: MicroStage | undefined): ConversionClass {
  if (goalClass === "macro") return "macro";
  return stage === "secondary" ? "micro_secondary" : "micro_milestone";
}

/** The goal-level view of a stored class: macro, or micro with its stage. */
export function goalClassOf(conversionClass: ConversionClass): { class: GoalClass; stage?: MicroStage } | null {
  switch (conversionClass) {
    case "macro":
      return { class: "macro" };
    case "micro_milestone":
      return { class: "micro", stage: "milestone" };
    case "micro_secondary":
      return { class: "micro", stage: "secondary" };
    default:
      return null;
  }
}
