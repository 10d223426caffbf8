import { Hono } from "hono";
import { readSettings } from "../config/settings";
import { siteDirectory } from "../config/sites";
import { SITE_ID_IN_PATH } from "../domain/site/site";
import { ApiError } from "../http/api-error";
import { requireAdmin } from "../http/bearer-token";
import { storeCall } from "../http/store-call";
import type { EraseAnswer, HealthAnswer, SitesAnswer } from "../schemas/answer-schemas";
import { SiteShards } from "../storage/site-store-client";

/** Operations: uptime checks and, with the admin token, the configured sites. */
export const adminRoute = new Hono<{ Bindings: Env }>();

/**
 * GET /api/health: for uptime checks. Answers without a token and without touching a site's
 * store, so it says the Worker is deployed and its config valid (a bad config fails to load here too).
 */
adminRoute.get("/api/health", (c) => {
  c.header("Cache-Control", "no-store");
  return c.json({ status: "ok", sites: siteDirectory().siteIds.length } satisfies HealthAnswer);
});

/**
 * GET /api/sites (admin token): the configured sites and what the config says of them. Sites
 * accepted unconfigured (UNKNOWN_SITES=accept) are not listed: no global index of them is kept.
 */
adminRoute.get("/api/sites", async (c) => {
  await requireAdmin(c.req.header("authorization"), readSettings(c.env).STATS_TOKEN);
  const directory = siteDirectory();
  const sites = directory.siteIds.flatMap((id) => {
    const site = directory.get(id);
    if (site === undefined) return [];
    return [
      {
        id,
        timezone: site.timeZone,
        shards: site.shards,
        goals: site.goals.map(({ definition }) => ({
          name: definition.name,
          class: definition.class,
          ...(definition.stage ? { stage: definition.stage } : {}),
        })),
        funnels: site.funnels.map((funnel) => funnel.name),
        properties: [...site.properties],
        variant_prop: site.variantProp,
        public: site.public,
      },
    ];
  });
  return c.json({ sites } satisfies SitesAnswer);
});

/**
 * DELETE /api/sites/:site/data (admin token): erases everything stored for the site, in every
 * shard (counters, visitor rows, salts, the write log). The site stays configured and counts
 * again from the next hit. An unconfigured site's id is accepted too (UNKNOWN_SITES=accept).
 */
adminRoute.delete("/api/sites/:site/data", async (c) => {
  await requireAdmin(c.req.header("authorization"), readSettings(c.env).STATS_TOKEN);
  const siteId = (c.req.param("site") ?? "").toLowerCase();
  if (!SITE_ID_IN_PATH.test(siteId)) throw new ApiError(404, "not_found", "No such site.");
  const site = siteDirectory().get(siteId);
  const shards = await new SiteShards(c.env, siteId, site?.shards ?? 1, (call) => storeCall(siteId, call)).erase();
  return c.json({ site: siteId, erased: true, shards } satisfies EraseAnswer);
});
