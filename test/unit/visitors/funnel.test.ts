import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileSite } from "../../../src/domain/site/site";
import { advanceFunnel, type FunnelMatch, type FunnelProgress, funnelMatchesFor } from "../../../src/domain/visitors/funnel";
import { siteSchema } from "../../../src/schemas/site-config-schema";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Funnels as configured in stepwise.config.json, compiled the way ingest compiles them. */
const { funnels } = compileSite(
  siteSchema.parse({
    id: "shop.example",
    goals: [{ name: "Quick buy", class: "micro", stage: "milestone", match: { event: "quick_buy" } }],
    funnels: [
      {
        name: "Checkout",
        window_hours: 1,
        steps: [
          { name: "Product page", path: "/products/*" },
          // Reaching either goal is the step: a built-in one and a configured one.
          { name: "Cart", goal: ["add_to_cart", "Quick buy"] },
          { name: "Checkout", goal: "begin_checkout" },
          { name: "Paid", goal: "purchase" },
        ],
      },
      {
        name: "Returning buyer",
        steps: [
          { name: "Logged in", goal: "login" },
          { name: "Paid", goal: "purchase" },
        ],
      },
      {
        name: "Browse then cart",
        steps: [
          { name: "Interested", goal: ["view_item", "add_to_cart"] },
          { name: "Cart", goal: "add_to_cart" },
        ],
      },
    ],
  }),
);

describe("funnelMatchesFor", () => {
  it("matches a path step with a pageview of a page the glob covers", () => {
    expect(funnelMatchesFor(funnels, { kind: "pageview", goal: "", path: "/products/red-shoes" })).toEqual([
      { funnel: "Checkout", windowMs: HOUR, stepCount: 4, steps: [0] },
    ]);
  });

  it("does not match a path step with a page outside the glob (* is one segment)", () => {
    expect(funnelMatchesFor(funnels, { kind: "pageview", goal: "", path: "/products/shoes/red" })).toEqual([]);
    expect(funnelMatchesFor(funnels, { kind: "pageview", goal: "", path: "/pricing" })).toEqual([]);
  });

  it("does not match a path step with a custom event or an engagement event on the page", () => {
    expect(funnelMatchesFor(funnels, { kind: "event", goal: "", path: "/products/red-shoes" })).toEqual([]);
    expect(funnelMatchesFor(funnels, { kind: "engagement", goal: "", path: "/products/red-shoes" })).toEqual([]);
  });

  it("matches a goal step by the goal the hit reached, any of the step's goals", () => {
    expect(funnelMatchesFor(funnels, { kind: "event", goal: "Quick buy", path: "/" })).toEqual([
      { funnel: "Checkout", windowMs: HOUR, stepCount: 4, steps: [1] },
    ]);
    expect(funnelMatchesFor(funnels, { kind: "event", goal: "begin_checkout", path: "/checkout" })).toEqual([
      { funnel: "Checkout", windowMs: HOUR, stepCount: 4, steps: [2] },
    ]);
  });

  it("matches a goal step only, not a path step, for a goal reached on a page a path step covers", () => {
    // add_to_cart on a product page: the Cart step, but not the Product page step (not a pageview).
    const matches = funnelMatchesFor(funnels, { kind: "event", goal: "add_to_cart", path: "/products/red-shoes" });
    expect(matches.find((match) => match.funnel === "Checkout")).toEqual({ funnel: "Checkout", windowMs: HOUR, stepCount: 4, steps: [1] });
  });

  it("lists every funnel the hit can move, with the default 24 hour window", () => {
    expect(funnelMatchesFor(funnels, { kind: "event", goal: "purchase", path: "/thank-you" })).toEqual([
      { funnel: "Checkout", windowMs: HOUR, stepCount: 4, steps: [3] },
      { funnel: "Returning buyer", windowMs: 24 * HOUR, stepCount: 2, steps: [1] },
    ]);
  });

  it("lists every step of one funnel that the hit satisfies", () => {
    const matches = funnelMatchesFor(funnels, { kind: "event", goal: "add_to_cart", path: "/cart" });
    expect(matches.find((match) => match.funnel === "Browse then cart")).toEqual({
      funnel: "Browse then cart",
      windowMs: 24 * HOUR,
      stepCount: 2,
      steps: [0, 1],
    });
  });

  it("matches nothing for a hit without a goal on a page no step names", () => {
    expect(funnelMatchesFor(funnels, { kind: "event", goal: "", path: "/checkout" })).toEqual([]);
  });

  it("matches nothing for a goal no step names", () => {
    expect(funnelMatchesFor(funnels, { kind: "event", goal: "newsletter_signup", path: "/" })).toEqual([]);
  });

  it("matches nothing when the site has no funnels", () => {
    expect(funnelMatchesFor([], { kind: "event", goal: "purchase", path: "/" })).toEqual([]);
  });
});

/** A match for a 4-step funnel with a one hour window. */
const match = (steps: number[], windowMs = HOUR, stepCount = 4): FunnelMatch => ({ funnel: "Checkout", windowMs, stepCount, steps });

/** Applies hits `[stepsSatisfied, timestamp]` in order; returns each hit's reachedStep and the final progress. */
function play(hits: readonly (readonly [number[], number])[], prior?: FunnelProgress, windowMs = HOUR, stepCount = 4) {
  let progress = prior;
  const reached: (number | null)[] = [];
  for (const [steps, timestamp] of hits) {
    const result = advanceFunnel(progress, match(steps, windowMs, stepCount), timestamp);
    reached.push(result.reachedStep);
    progress = result.progress;
  }
  return { reached, progress };
}

const T0 = Date.UTC(2026, 0, 10, 9, 0);

describe("advanceFunnel: order", () => {
  it("starts an attempt at step 1 and reports step 1 as newly reached", () => {
    expect(advanceFunnel(undefined, match([0]), T0)).toEqual({ progress: { current: 1, startedAt: T0, best: 1 }, reachedStep: 1 });
  });

  it("reports each step as the visitor passes it in order", () => {
    const { reached, progress } = play([
      [[0], T0],
      [[1], T0 + MINUTE],
      [[2], T0 + 2 * MINUTE],
      [[3], T0 + 3 * MINUTE],
    ]);
    expect(reached).toEqual([1, 2, 3, 4]);
    expect(progress).toEqual({ current: 4, startedAt: T0, best: 4 });
  });

  it("does nothing for a later step reached before step 1", () => {
    const { reached, progress } = play([[[1], T0]]);
    expect(reached).toEqual([null]);
    expect(progress?.current).toBe(0);
    expect(progress?.best).toBe(0);
  });

  it("does nothing for a step that skips the next one, and still counts the skipped step later", () => {
    const { reached, progress } = play([
      [[0], T0],
      [[2], T0 + MINUTE],
      [[3], T0 + 2 * MINUTE],
      [[1], T0 + 3 * MINUTE],
      [[2], T0 + 4 * MINUTE],
    ]);
    expect(reached).toEqual([1, null, null, 2, 3]);
    expect(progress).toEqual({ current: 3, startedAt: T0, best: 3 });
  });

  it("allows other actions between steps", () => {
    // Hits that satisfy no step of the funnel never reach advanceFunnel; repeats of a passed step do nothing.
    const { reached } = play([
      [[0], T0],
      [[0], T0 + MINUTE],
      [[1], T0 + 20 * MINUTE],
    ]);
    expect(reached).toEqual([1, null, 2]);
  });

  it("moves at most one step per hit, even when the hit satisfies the next two", () => {
    const { reached, progress } = play([[[0, 1], T0]]);
    expect(reached).toEqual([1]);
    expect(progress?.current).toBe(1);
    expect(
      play([
        [[0, 1], T0],
        [[0, 1], T0 + MINUTE],
      ]).reached,
    ).toEqual([1, 2]);
  });

  it("does not restart the attempt when step 1 is reached again", () => {
    const { progress } = play([
      [[0], T0],
      [[1], T0 + MINUTE],
      [[0], T0 + 30 * MINUTE],
    ]);
    expect(progress).toEqual({ current: 2, startedAt: T0, best: 2 });
  });

  it("does not change the progress it was given", () => {
    const prior: FunnelProgress = { current: 1, startedAt: T0, best: 1 };
    advanceFunnel(prior, match([1]), T0 + MINUTE);
    expect(prior).toEqual({ current: 1, startedAt: T0, best: 1 });
  });
});

describe("advanceFunnel: window", () => {
  it("accepts a step exactly one window after step 1", () => {
    expect(
      play([
        [[0], T0],
        [[1], T0 + HOUR],
      ]).reached,
    ).toEqual([1, 2]);
  });

  it("restarts an attempt older than the window: a later step then does nothing", () => {
    const { reached, progress } = play([
      [[0], T0],
      [[1], T0 + HOUR + 1],
    ]);
    expect(reached).toEqual([1, null]);
    expect(progress?.current).toBe(0);
    expect(progress?.best).toBe(1);
  });

  it("lets a hit satisfying step 1 start a new attempt once the old one is over the window", () => {
    const restart = T0 + HOUR + 1;
    const { reached, progress } = play([
      [[0], T0],
      [[1], T0 + 10 * MINUTE],
      [[0], restart],
      // More than a window after the first attempt began, within one of the second.
      [[1], restart + 30 * MINUTE],
    ]);
    // Steps 1 and 2 were counted today already: the new attempt reaches them again without a report.
    expect(reached).toEqual([1, 2, null, null]);
    expect(progress).toEqual({ current: 2, startedAt: restart, best: 2 });
  });

  it("reports a step only when the new attempt gets past the best of the day", () => {
    const restart = T0 + 2 * HOUR;
    const { reached, progress } = play([
      [[0], T0],
      [[1], T0 + MINUTE],
      [[0], restart],
      [[1], restart + MINUTE],
      [[2], restart + 2 * MINUTE],
      [[3], restart + 3 * MINUTE],
    ]);
    expect(reached).toEqual([1, 2, null, null, 3, 4]);
    expect(progress).toEqual({ current: 4, startedAt: restart, best: 4 });
  });

  it("keeps the day's best when an attempt restarts", () => {
    const { progress } = play([
      [[0], T0],
      [[1], T0 + MINUTE],
      [[2], T0 + 2 * MINUTE],
      [[0], T0 + 3 * HOUR],
    ]);
    expect(progress).toEqual({ current: 1, startedAt: T0 + 3 * HOUR, best: 3 });
  });
});

describe("advanceFunnel: a completed funnel", () => {
  const completed = play([
    [[0], T0],
    [[1], T0 + MINUTE],
    [[2], T0 + 2 * MINUTE],
    [[3], T0 + 3 * MINUTE],
  ]).progress;

  it("reports nothing more, whatever steps follow", () => {
    const { reached, progress } = play(
      [
        [[0], T0 + 4 * MINUTE],
        [[3], T0 + 5 * MINUTE],
        [[0, 1, 2, 3], T0 + 6 * MINUTE],
      ],
      completed,
    );
    expect(reached).toEqual([null, null, null]);
    expect(progress).toEqual({ current: 4, startedAt: T0, best: 4 });
  });

  it("reports nothing more after its window is over either", () => {
    const { reached, progress } = play(
      [
        [[0], T0 + 2 * HOUR],
        [[1], T0 + 2 * HOUR + MINUTE],
        [[2], T0 + 2 * HOUR + 2 * MINUTE],
        [[3], T0 + 2 * HOUR + 3 * MINUTE],
      ],
      completed,
    );
    expect(reached).toEqual([null, null, null, null]);
    expect(progress?.best).toBe(4);
  });
});

describe("advanceFunnel: laws", () => {
  const hitsArbitrary = (stepCount: number) =>
    fc.array(
      fc.tuple(
        fc.uniqueArray(fc.integer({ min: 0, max: stepCount - 1 }), { minLength: 1, maxLength: stepCount }),
        fc.integer({ min: 0, max: 3 * HOUR }),
      ),
      { maxLength: 40 },
    );

  it("reports steps 1, 2, 3... each at most once, in order, up to the day's best", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 8 }).chain((stepCount) => fc.tuple(fc.constant(stepCount), hitsArbitrary(stepCount))),
        ([stepCount, gaps]) => {
          let timestamp = T0;
          const hits = gaps.map(([steps, gap]) => {
            timestamp += gap;
            return [steps, timestamp] as const;
          });
          const { reached, progress } = play(hits, undefined, HOUR, stepCount);
          const reported = reached.filter((step): step is number => step !== null);
          const best = progress?.best ?? 0;
          expect(reported).toEqual(Array.from({ length: best }, (_, i) => i + 1));
          expect(best).toBeLessThanOrEqual(stepCount);
          expect(progress?.current ?? 0).toBeLessThanOrEqual(best);
        },
      ),
    );
  });

  it("moves the current attempt by at most one step per hit", () => {
    fc.assert(
      fc.property(hitsArbitrary(4), (gaps) => {
        let timestamp = T0;
        let progress: FunnelProgress | undefined;
        for (const [steps, gap] of gaps) {
          timestamp += gap;
          const before = progress?.current ?? 0;
          progress = advanceFunnel(progress, match(steps), timestamp).progress;
          expect(progress.current).toBeLessThanOrEqual(before + 1);
        }
      }),
    );
  });
});
