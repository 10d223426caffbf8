import { describe, expect, it } from "vitest";
import { DEFAULT_TAXONOMY, defaultGoalFor } from "../../../src/domain/site/default-taxonomy";

describe("defaultGoalFor", () => {
  it.each([
    ["purchase", "purchase", "macro", undefined],
    ["Order Completed", "purchase", "macro", undefined],
    ["generate_lead", "generate_lead", "macro", undefined],
    ["Demo Request", "generate_lead", "macro", undefined],
    ["Contact sales", "generate_lead", "macro", undefined],
    ["view_item", "view_item", "micro", "milestone"],
    ["Site Search", "search", "micro", "milestone"],
    ["Add to Basket", "add_to_cart", "micro", "milestone"],
    ["Checkout Started", "begin_checkout", "micro", "milestone"],
    ["Create Account", "sign_up", "micro", "milestone"],
    ["Sign In", "login", "micro", "milestone"],
    ["Newsletter Subscribe", "newsletter_signup", "micro", "secondary"],
    ["Download", "file_download", "micro", "secondary"],
    ["Video Finished", "video_complete", "micro", "secondary"],
    ["Start Chat", "chat_start", "micro", "secondary"],
    ["Outbound Click", "outbound_link_click", "micro", "secondary"],
    ["Form Submit", "form_submission", "micro", "secondary"],
  ])("maps %s to the built-in goal %s (%s %s)", (name, goal, goalClass, stage) => {
    const entry = defaultGoalFor(name);
    expect(entry?.goal).toBe(goal);
    expect(entry?.class).toBe(goalClass);
    expect(entry?.stage).toBe(stage);
  });

  it("knows nothing of an unlisted name", () => {
    expect(defaultGoalFor("hover_over_logo")).toBeUndefined();
    expect(defaultGoalFor("")).toBeUndefined();
  });

  it("does not treat pageview or engagement as goals", () => {
    expect(defaultGoalFor("pageview")).toBeUndefined();
    expect(defaultGoalFor("engagement")).toBeUndefined();
  });

  it("resolves every alias to the entry that lists it, so no two entries share a spelling", () => {
    for (const entry of DEFAULT_TAXONOMY) {
      for (const alias of entry.aliases) expect(defaultGoalFor(alias)?.goal, alias).toBe(entry.goal);
    }
  });

  it("gives every micro entry a stage and no macro entry one", () => {
    for (const entry of DEFAULT_TAXONOMY) {
      if (entry.class === "micro") expect(entry.stage, entry.goal).toMatch(/^(milestone|secondary)$/);
      else expect(entry.stage, entry.goal).toBeUndefined();
    }
  });
});
