import type { GoalClass, MicroStage } from "./conversion-class";
import { canonicalEventName } from "./event-name";

/** A built-in goal: what common event names mean when a site has configured nothing. */
export interface TaxonomyEntry {
  goal: string;
  class: GoalClass;
  stage?: MicroStage;
  /** Names as trackers send them; matched case- and separator-insensitively. */
  aliases: readonly string[];
}

/**
 * The built-in taxonomy (docs/classification.md). Names follow GA4's recommended
 * events plus the ones Plausible's tracker sends. A lead is macro: for services and B2B the quote
 * or sales request is the goal (domain notes).
 */
export const DEFAULT_TAXONOMY: readonly TaxonomyEntry[] = [
  { goal: "purchase", class: "macro", aliases: ["purchase", "order completed", "checkout completed", "order"] },
  {
    goal: "generate_lead",
    class: "macro",
    aliases: ["generate_lead", "lead", "request quote", "quote request", "demo request", "contact sales"],
  },
  { goal: "view_item", class: "micro", stage: "milestone", aliases: ["view_item", "product view", "product viewed"] },
  { goal: "search", class: "micro", stage: "milestone", aliases: ["search", "site search"] },
  { goal: "add_to_cart", class: "micro", stage: "milestone", aliases: ["add_to_cart", "add to basket", "product added"] },
  { goal: "begin_checkout", class: "micro", stage: "milestone", aliases: ["begin_checkout", "checkout started", "start checkout"] },
  { goal: "sign_up", class: "micro", stage: "milestone", aliases: ["sign_up", "register", "registration", "create account"] },
  { goal: "login", class: "micro", stage: "milestone", aliases: ["login", "log in", "sign in"] },
  {
    goal: "newsletter_signup",
    class: "micro",
    stage: "secondary",
    aliases: ["newsletter signup", "newsletter subscribe", "subscribe newsletter"],
  },
  { goal: "file_download", class: "micro", stage: "secondary", aliases: ["file download", "download"] },
  { goal: "video_complete", class: "micro", stage: "secondary", aliases: ["video complete", "video completed", "video finished"] },
  { goal: "chat_start", class: "micro", stage: "secondary", aliases: ["chat start", "chat started", "start chat"] },
  { goal: "share", class: "micro", stage: "secondary", aliases: ["share"] },
  {
    goal: "outbound_link_click",
    class: "micro",
    stage: "secondary",
    aliases: ["outbound link click", "outbound link: click", "outbound click"],
  },
  { goal: "form_submission", class: "micro", stage: "secondary", aliases: ["form submission", "form: submission", "form submit"] },
];

const BY_CANONICAL_NAME = new Map<string, TaxonomyEntry>(
  DEFAULT_TAXONOMY.flatMap((entry) => entry.aliases.map((alias) => [canonicalEventName(alias), entry] as const)),
);

/** The built-in goal for an event name, if any. */
export function defaultGoalFor(eventName: string): TaxonomyEntry | undefined {
  return BY_CANONICAL_NAME.get(canonicalEventName(eventName));
}

const DEFAULT_GOAL_NAMES = new Set(DEFAULT_TAXONOMY.map((entry) => entry.goal));

/** Whether `goal` is the name of a built-in goal (e.g. "add_to_cart"), as funnels may name them. */
export const isDefaultGoalName = (goal: string): boolean => DEFAULT_GOAL_NAMES.has(goal);
