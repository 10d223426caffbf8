import { z } from "zod";
import { parseRange } from "../domain/ingest/ip-address";
import { alertWebhookProblem } from "../domain/site/alert-webhook-url";
import { isDefaultGoalName } from "../domain/site/default-taxonomy";
import { DEFAULT_TIME_ZONE, isTimeZone } from "../domain/time/site-time";
import { MAX_SHARDS } from "../domain/visitors/shard-routing";

/**
 * The shape of stepwise.config.json: the sites this deployment serves and their goals.
 * Types come from here; validation errors name the bad entry (see config/site-config.ts).
 */
/**
 * `"$comment"`: a note for people, allowed wherever an explanation helps (the file is plain JSON,
 * and esbuild, which bundles it, rejects comments in .json). Ignored by stepwise.
 */
const comment = { $comment: z.union([z.string(), z.array(z.string())]).optional() };

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "a SHA-256 hex digest (64 lower-case hex characters)");

const money = z.strictObject({
  amount: z.number().finite().nonnegative().max(1e12),
  currency: z.string().regex(/^[A-Z]{3}$/, "currency must be an ISO 4217 code such as EUR"),
});

const goalMatch = z
  .strictObject({
    /** Event name, matched case- and separator-insensitively. */
    event: z.string().min(1).max(120).optional(),
    /** Page path glob (`*` one segment, `**` any): the goal is reached by a hit on such a page. */
    path: z.string().startsWith("/", "path must start with /").max(1_000).optional(),
    /** Props that must be present with exactly these values. */
    props: z.record(z.string().min(1).max(300), z.string().max(2_000)).optional(),
    /** Engagement threshold: the page was scrolled at least this far (percent). */
    scroll: z.number().int().min(1).max(100).optional(),
    /** Engagement threshold: the visitor was engaged on the page at least this long. */
    engaged_seconds: z.number().int().min(1).max(86_400).optional(),
  })
  .refine(
    (match) => match.event !== undefined || match.path !== undefined || match.scroll !== undefined || match.engaged_seconds !== undefined,
    {
      message: "match needs an event, a path, or an engagement threshold (scroll, engaged_seconds)",
    },
  )
  .refine((match) => match.event === undefined || (match.scroll === undefined && match.engaged_seconds === undefined), {
    message: "an engagement threshold goal is matched on engagement events; it cannot also name an event",
  });

export const goalSchema = z
  .strictObject({
    ...comment,
    name: z.string().min(1).max(120),
    class: z.enum(["macro", "micro"]),
    stage: z.enum(["milestone", "secondary"]).optional(),
    match: goalMatch,
    /** Revenue credited when the hit itself carries none (e.g. a lead worth 50 EUR). */
    value: money.optional(),
  })
  .superRefine((goal, ctx) => {
    if (goal.class === "micro" && goal.stage === undefined) {
      ctx.addIssue({ code: "custom", path: ["stage"], message: 'micro goals need a stage: "milestone" or "secondary"' });
    }
    if (goal.class === "macro" && goal.stage !== undefined) {
      ctx.addIssue({ code: "custom", path: ["stage"], message: "only micro goals have a stage" });
    }
    const threshold = goal.match.scroll !== undefined || goal.match.engaged_seconds !== undefined;
    if (threshold && (goal.class !== "micro" || goal.stage !== "secondary")) {
      ctx.addIssue({
        code: "custom",
        path: ["class"],
        message: 'engagement thresholds are micro secondary goals: class "micro", stage "secondary"',
      });
    }
  });

/** Longest funnel window: a visitor id lives one local day, so steps cannot be linked over longer. */
export const MAX_FUNNEL_WINDOW_HOURS = 24;

const funnelStep = z
  .strictObject({
    name: z.string().min(1).max(120),
    /** A goal name (configured or built in), or several: reaching any of them is the step. */
    goal: z.union([z.string().min(1).max(120), z.array(z.string().min(1).max(120)).min(1).max(10)]).optional(),
    /** A page path glob: a pageview of a matching page is the step. */
    path: z.string().startsWith("/", "path must start with /").max(1_000).optional(),
  })
  .refine((step) => (step.goal === undefined) !== (step.path === undefined), { message: "a step has either a goal or a path" });

export const funnelSchema = z.strictObject({
  ...comment,
  name: z.string().min(1).max(120),
  steps: z.array(funnelStep).min(2, "a funnel has 2 to 8 steps").max(8, "a funnel has 2 to 8 steps"),
  /** Hours from the first step within which the others must follow. */
  window_hours: z
    .number()
    .positive()
    .max(MAX_FUNNEL_WINDOW_HOURS, `window_hours is at most ${MAX_FUNNEL_WINDOW_HOURS}: a visitor id lives one local day`)
    .default(24),
});

const siteId = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, "site id must be a lower-case domain such as shop.example");

const PROPERTY_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export const siteSchema = z.strictObject({
  ...comment,
  id: siteId,
  /** Hostnames whose pages may report to this site; default: the id and its subdomains. */
  hostnames: z.array(z.string().min(1).max(253)).max(50).optional(),
  /** Drop hits sent with `Sec-GPC: 1` or `DNT: 1`. On unless the owner turns it off. */
  honorPrivacySignals: z.boolean().default(true),
  /** Classify names from the built-in taxonomy when no configured goal matches. */
  useDefaultTaxonomy: z.boolean().default(true),
  goals: z.array(goalSchema).max(200).default([]),
  funnels: z.array(funnelSchema).max(20).default([]),
  /** The prop naming a hit's A/B variant. */
  variantProp: z.string().min(1).max(300).default("variant"),
  /**
   * Custom properties (keys of a hit's `props`) kept as report dimensions, as Plausible requires them
   * listed: only these are stored, each with at most 50 values a day (docs/configuration.md).
   */
  properties: z
    .array(z.string().regex(PROPERTY_NAME, "a property name is 1-64 letters, digits, _ or -"))
    .max(30)
    .refine((names) => new Set(names).size === names.length, "a property is listed once")
    .default([]),
  /**
   * SHA-256 (hex) of tokens that may read this site's reports and no other (docs/api.md, "Access and tokens").
   * Hashes, so the file can be committed; the tokens themselves are given to the readers.
   */
  readTokenSha256: z.array(sha256Hex).max(20).default([]),
  /**
   * Its reports and its dashboard answer without a token: read-only, this site only. The one
   * exception to "no token, no report" (docs/api.md, "Access and tokens"); off unless set.
   */
  public: z.boolean().default(false),
  /**
   * SHA-256 (hex) of tokens a server-side sender presents as `Authorization: Bearer <token>` to be
   * trusted for this site: its X-Forwarded-For (the visitor's IP) and `ts` are honoured (docs/api.md).
   */
  ingestTokenSha256: z.array(sha256Hex).max(20).default([]),
  /** Address ranges (CIDR) of server-side senders trusted without a token, such as Umami's Node client. */
  trustedSenders: z
    .array(
      z
        .string()
        .max(64)
        .refine((range) => parseRange(range) !== null, "a trusted sender is an IPv4 or IPv6 address or CIDR range such as 192.0.2.0/24"),
    )
    .max(50)
    .default([]),
  /**
   * Umami website ids (UUIDs) that name this site in Umami's payload (`website`), so a page keeps
   * its Umami tracker tag unchanged (docs/api.md, "Umami's collector"). Lower-cased; unique across sites.
   */
  umamiWebsiteIds: z
    .array(z.uuid("an Umami website id is a UUID such as 5b6f3c1e-8d2a-4f7b-9c3e-1a2b3c4d5e6f").transform((id) => id.toLowerCase()))
    .max(20)
    .refine((ids) => new Set(ids).size === ids.length, "an Umami website id is listed once")
    .default([]),
  /**
   * The site's IANA time zone: its days start at local midnight (reports, unique visitors, salts,
   * funnels). A change applies from then on; days already stored keep the zone they were counted in.
   */
  timezone: z
    .string()
    .max(64)
    .refine(isTimeZone, 'timezone must be an IANA time zone name such as "Europe/Vilnius" or "UTC"')
    .default(DEFAULT_TIME_ZONE),
  /** Durable Objects the site's hits are spread over (docs/capacity.md). */
  shards: z.number().int().min(1).max(MAX_SHARDS).default(1),
  /**
   * Where the daily alarm posts the closed day's breakage alerts (docs/api.md, "Alert webhook"):
   * an https URL, or http on localhost for local development and tests.
   */
  alertWebhook: z
    .string()
    .max(2_000)
    .superRefine((url, ctx) => {
      const problem = alertWebhookProblem(url);
      if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional(),
});

export const siteConfigSchema = z
  .strictObject({
    ...comment,
    $schema: z.string().optional(),
    sites: z.array(siteSchema).max(1_000),
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    const umamiOwners = new Map<string, string>();
    config.sites.forEach((site, index) => {
      if (seen.has(site.id)) ctx.addIssue({ code: "custom", path: ["sites", index, "id"], message: `duplicate site id "${site.id}"` });
      seen.add(site.id);
      site.umamiWebsiteIds.forEach((websiteId, idIndex) => {
        const owner = umamiOwners.get(websiteId);
        if (owner !== undefined && owner !== site.id) {
          ctx.addIssue({
            code: "custom",
            path: ["sites", index, "umamiWebsiteIds", idIndex],
            message: `Umami website id "${websiteId}" is already listed by site "${owner}"`,
          });
        }
        umamiOwners.set(websiteId, site.id);
      });
      const goalNames = new Set<string>();
      site.goals.forEach((goal, goalIndex) => {
        if (goalNames.has(goal.name)) {
          ctx.addIssue({
            code: "custom",
            path: ["sites", index, "goals", goalIndex, "name"],
            message: `duplicate goal name "${goal.name}"`,
          });
        }
        goalNames.add(goal.name);
      });
      const funnelNames = new Set<string>();
      site.funnels.forEach((funnel, funnelIndex) => {
        if (funnelNames.has(funnel.name)) {
          ctx.addIssue({
            code: "custom",
            path: ["sites", index, "funnels", funnelIndex, "name"],
            message: `duplicate funnel name "${funnel.name}"`,
          });
        }
        funnelNames.add(funnel.name);
        funnel.steps.forEach((step, stepIndex) => {
          const goals = step.goal === undefined ? [] : [step.goal].flat();
          for (const goal of goals) {
            if (!goalNames.has(goal) && !(site.useDefaultTaxonomy && isDefaultGoalName(goal))) {
              ctx.addIssue({
                code: "custom",
                path: ["sites", index, "funnels", funnelIndex, "steps", stepIndex, "goal"],
                message: `unknown goal "${goal}": name a goal of this site${site.useDefaultTaxonomy ? " or a built-in one" : ""}`,
              });
            }
          }
        });
      });
    });
  });

export type SiteConfigFile = z.infer<typeof siteConfigSchema>;
// Its output feeds compileSite (domain/site/site.ts), which takes the domain's own settings model
// (domain/site/site-settings.ts): a change to one that the other does not follow fails the typecheck.
