import { Hono } from "hono";
import { readSettings } from "../config/settings";
import { siteDirectory } from "../config/sites";
import { buildReport, type ConfiguredGoal } from "../domain/report";
import { dayOf } from "../domain/utc-time";
import { ApiError } from "../http/api-error";
import { requireBearerToken } from "../http/bearer-token";
import { statsQuerySchema } from "../schemas/stats-query-schema";
import { siteStore } from "../storage/site-store-client";

export const statsRoute = new Hono<{ Bindings: Env }>();

const SITE_ID = /^[a-z0-9.-]{1,253}$/;
const notFound = () => new ApiError(404, "not_found", "No such site, or no data for it.");

/** GET /api/stats/:site: the conversion report (README.md, "Reporting"). */
statsRoute.get("/api/stats/:site", async (c) => {
  const settings = readSettings(c.env);
  await requireBearerToken(c.req.header("authorization"), settings.STATS_TOKEN);

  const siteId = c.req.param("site").toLowerCase();
  const parsed = statsQuerySchema(dayOf(Date.now())).safeParse(c.req.query());
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ field: issue.path.join(".") || "(query)", message: issue.message }));
    throw new ApiError(400, "invalid_query", "The query has invalid parameters.", issues);
  }
  if (!SITE_ID.test(siteId)) throw notFound();

  const site = siteDirectory().get(siteId);
  const store = siteStore(c.env, siteId);
  // An unconfigured site exists only once it has data, and only where unknown sites are accepted.
  if (site === undefined && (settings.UNKNOWN_SITES === "drop" || !(await store.hasData()))) throw notFound();

  const { range, limit } = parsed.data;
  const rows = await store.readReport(range, limit);
  const configuredGoals: ConfiguredGoal[] = (site?.goals ?? []).map(({ definition }) => ({
    name: definition.name,
    class: definition.class,
    ...(definition.stage ? { stage: definition.stage } : {}),
  }));
  return c.json(buildReport(siteId, range, rows, configuredGoals));
});
