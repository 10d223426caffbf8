import { z } from "zod";

/**
 * The shape of stepwise.config.json: the sites this deployment serves and their goals.
 * Types come from here; validation errors name the bad entry (see config/site-config.ts).
 */
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
  })
  .refine((match) => match.event !== undefined || match.path !== undefined, {
    message: "match needs an event, a path, or both",
  });

export const goalSchema = z
  .strictObject({
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
  });

const siteId = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, "site id must be a lower-case domain such as shop.example");

export const siteSchema = z.strictObject({
  id: siteId,
  /** Hostnames whose pages may report to this site; default: the id and its subdomains. */
  hostnames: z.array(z.string().min(1).max(253)).max(50).optional(),
  /** Drop hits sent with `Sec-GPC: 1` or `DNT: 1`. On unless the owner turns it off. */
  honorPrivacySignals: z.boolean().default(true),
  /** Classify names from the built-in taxonomy when no configured goal matches. */
  useDefaultTaxonomy: z.boolean().default(true),
  goals: z.array(goalSchema).max(200).default([]),
});

export const siteConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    sites: z.array(siteSchema).max(1_000),
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.sites.forEach((site, index) => {
      if (seen.has(site.id)) ctx.addIssue({ code: "custom", path: ["sites", index, "id"], message: `duplicate site id "${site.id}"` });
      seen.add(site.id);
      const goalNames = new Set<string>();
      site.goals.forEach((goal, goalIndex) => {
        if (goalNames.has(goal.name)) {
          ctx.addIssue({ code: "custom", path: ["sites", index, "goals", goalIndex, "name"], message: `duplicate goal name "${goal.name}"` });
        }
        goalNames.add(goal.name);
      });
    });
  });

export type SiteConfigFile = z.infer<typeof siteConfigSchema>;
export type SiteSettings = z.infer<typeof siteSchema>;
export type GoalDefinition = z.infer<typeof goalSchema>;
