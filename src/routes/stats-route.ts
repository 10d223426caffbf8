import { type Context, Hono } from "hono";
import { readSettings } from "../config/settings";
import { siteDirectory } from "../config/sites";
import { ALERT_METHOD, checkDay } from "../domain/reports/breakage-alerts";
import { buildReport, configuredGoalsOf, echoRange } from "../domain/reports/report";
import {
  breakdownProblem,
  defaultBreakdowns,
  filterProblem,
  type Inexact,
  type StatsEndpoint,
  siteDimensions,
} from "../domain/reports/report-exactness";
import type { ReportFilters } from "../domain/reports/report-filter";
import {
  buildFunnelsReport,
  buildLiftReport,
  buildSegmentReport,
  buildVariantsReport,
  liftInputsInsidePage,
} from "../domain/reports/segment-reports";
import { type CompiledSite, SITE_ID_IN_PATH } from "../domain/site/site";
import { DEFAULT_TIME_ZONE, localDayOf } from "../domain/time/site-time";
import type { SegmentFilter } from "../domain/visitors/segment-rollup";
import { ApiError } from "../http/api-error";
import { requireReportAccess } from "../http/bearer-token";
import { toCsv, wantsCsv } from "../http/csv";
import { storeCall } from "../http/store-call";
import type { AlertsAnswer, FunnelsAnswer, LiftAnswer, RealtimeAnswer, ReportAnswer, VariantsAnswer } from "../schemas/answer-schemas";
import { type StatsQuery, statsQuerySchema } from "../schemas/stats-query-schema";
import { RECENT_WINDOW_MS } from "../storage/recent-visitors";
import { SiteShards } from "../storage/site-store-client";

export const statsRoute = new Hono<{ Bindings: Env }>();

const notFound = () => new ApiError(404, "not_found", "No such site, or no data for it.");
const notExact = (problem: Inexact) =>
  new ApiError(400, "unsupported_filter", "stepwise does not count this combination, so it cannot answer it exactly.", [problem]);

interface ReportRequest extends StatsQuery {
  siteId: string;
  site: CompiledSite | undefined;
  timeZone: string;
  store: SiteShards;
}

/**
 * What every stats endpoint does first: the token (before anything looks at the site's data, so a
 * wrong token learns nothing), the query, then the site.
 */
async function openReport(c: Context<{ Bindings: Env }>, endpoint: StatsEndpoint): Promise<ReportRequest> {
  const settings = readSettings(c.env);
  const siteId = (c.req.param("site") ?? "").toLowerCase();
  await requireReportAccess(c.req.header("authorization"), settings.STATS_TOKEN, siteDirectory(), siteId);

  const site = siteDirectory().get(siteId);
  const timeZone = site?.timeZone ?? DEFAULT_TIME_ZONE;
  // Dates are the site's local dates; "today" is its local today.
  const parsed = statsQuerySchema(localDayOf(Date.now(), timeZone), {
    by: endpoint === "channels",
    properties: site?.properties ?? [],
  }).safeParse(c.req.query());
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ field: issue.path.join(".") || "(query)", message: issue.message }));
    throw new ApiError(400, "invalid_query", "The query has invalid parameters.", issues);
  }
  if (parsed.data.breakdowns !== null && endpoint !== "report") {
    throw new ApiError(400, "invalid_query", "The query has invalid parameters.", [
      { field: "breakdowns", message: "only GET /api/stats/:site has breakdowns" },
    ]);
  }
  // Exact figures or none (domain/reports/report-exactness.ts, docs/api.md "Exact figures").
  const problem = filterProblem(endpoint, parsed.data.filters, parsed.data.range.interval);
  if (problem !== null) throw notExact(problem);
  if (!SITE_ID_IN_PATH.test(siteId)) throw notFound();

  const store = new SiteShards(c.env, siteId, site?.shards ?? 1, (call) => storeCall(siteId, call));
  // An unconfigured site exists only once it has data, and only where unknown sites are accepted.
  if (site === undefined && (settings.UNKNOWN_SITES === "drop" || !(await store.hasData()))) throw notFound();
  return { ...parsed.data, siteId, site, timeZone, store };
}

/**
 * Funnels and lift inside a page or goal filter come from the visitor-days that had a hit on the
 * page or reached the goal (domain/segment-rollup.ts); one such membership at a time.
 */
function membershipOf(filters: ReportFilters, endpoint: string): { filter: SegmentFilter; value: string } | null {
  if (filters.page !== undefined && filters.goal !== undefined) {
    throw new ApiError(400, "unsupported_filter", `${endpoint} take a page filter or a goal filter, not both at once.`, [
      { field: "goal", message: "combine it with channel, source, country, device or variant instead" },
    ]);
  }
  if (filters.page !== undefined) return { filter: "page", value: filters.page };
  if (filters.goal !== undefined) return { filter: "goal", value: filters.goal };
  return null;
}

/**
 * The answer as JSON, or as CSV when asked (`?format=csv` or `Accept: text/csv`): one of the
 * answer's tables (`?table=`, the first listed by default), flattened by http/csv.ts.
 */
function answer(
  c: Context<{ Bindings: Env }>,
  request: ReportRequest,
  endpoint: string,
  body: object,
  tables: Record<string, () => object[]>,
) {
  if (!wantsCsv(request.format, c.req.header("accept"))) return c.json(body);
  const names = Object.keys(tables);
  const name = request.table ?? names[0] ?? "";
  const rows = tables[name];
  if (rows === undefined) {
    throw new ApiError(400, "invalid_query", "The query has invalid parameters.", [
      { field: "table", message: `this answer's tables are ${names.join(", ")}` },
    ]);
  }
  const range = echoRange(request.range, request.timeZone);
  const file = `${request.siteId}-${endpoint}${name === names[0] ? "" : `-${name}`}-${range.from}-${range.to}.csv`.replace(
    /[^A-Za-z0-9._-]/g,
    "_",
  );
  return c.body(toCsv(rows()), 200, {
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": `attachment; filename="${file}"`,
  });
}

const context = (request: ReportRequest) => ({
  site: request.siteId,
  range: echoRange(request.range, request.timeZone),
  filters: request.filters,
});

/** GET /api/stats/:site: totals, conversions, goals, timeseries, breakdowns, engagement, drops. */
statsRoute.get("/api/stats/:site", async (c) => {
  const request = await openReport(c, "report");
  // A CSV of one breakdown reads that breakdown, asked for or not.
  const tableDimension = siteDimensions(request.site?.properties ?? []).find((dimension) => dimension === request.table);
  const asked = request.breakdowns ?? [...new Set([...defaultBreakdowns(request.filters), ...(tableDimension ? [tableDimension] : [])])];
  for (const dimension of asked) {
    const problem = breakdownProblem(dimension, request.filters);
    if (problem !== null) throw notExact(problem);
  }
  const rows = await request.store.readReport(request.range, request.filters, request.limit, asked);
  const report = buildReport(request.siteId, request.range, rows, configuredGoalsOf(request.site), request.timeZone);
  return answer(c, request, "report", { ...report, filters: request.filters } satisfies ReportAnswer, {
    timeseries: () => report.timeseries,
    goals: () => report.goals,
    ...Object.fromEntries(Object.entries(report.breakdowns).map(([dimension, breakdown]) => [dimension, () => breakdown ?? []])),
  });
});

/** GET /api/stats/:site/funnels: visitors per step of each configured funnel. */
statsRoute.get("/api/stats/:site/funnels", async (c) => {
  const request = await openReport(c, "funnels");
  const membership = membershipOf(request.filters, "funnels");
  const { page: _page, goal: _goal, ...visitorFilters } = request.filters;
  const rows = membership
    ? (await request.store.readSegmentCounts(request.range, visitorFilters, membership))
        .filter((count) => count.kind === "funnel")
        .map((count) => ({ funnel: count.key, step: count.step, visitors: count.visitors }))
    : await request.store.readFunnels(request.range, request.filters);
  const funnels = (request.site?.funnels ?? []).map((funnel) => ({ name: funnel.name, steps: funnel.steps }));
  const report = buildFunnelsReport(funnels, rows);
  return answer(c, request, "funnels", { ...context(request), ...report } satisfies FunnelsAnswer, {
    steps: () => report.funnels.flatMap((funnel) => funnel.steps.map((step, index) => ({ funnel: funnel.name, step: index + 1, ...step }))),
  });
});

/** GET /api/stats/:site/channels?by=channel|source|campaign: conversion by traffic segment. */
statsRoute.get("/api/stats/:site/channels", async (c) => {
  const request = await openReport(c, "channels");
  // Every channel is listed, so that they add up to the total; sources and campaigns are top-`limit`.
  const limit = request.by === "channel" ? Number.MAX_SAFE_INTEGER : request.limit;
  const rows = await request.store.readSegments(request.range, request.filters, request.by, limit);
  const report = buildSegmentReport(request.by, rows);
  return answer(
    c,
    request,
    "channels",
    { ...context(request), ...report },
    {
      [request.by]: () => (Object.values(report)[0] ?? []) as object[],
    },
  );
});

/** GET /api/stats/:site/variants: A/B variants, per goal, with z-tests between variants. */
statsRoute.get("/api/stats/:site/variants", async (c) => {
  const request = await openReport(c, "variants");
  const { visitors, goals } = await request.store.readVariants(request.range, request.filters);
  const report = buildVariantsReport(new Map(visitors.map((row) => [row.variant, row.visitors])), goals, configuredGoalsOf(request.site));
  return answer(
    c,
    request,
    "variants",
    { ...context(request), variant_prop: request.site?.variantProp ?? "variant", ...report } satisfies VariantsAnswer,
    {
      goals: () => report.variants.flatMap(({ goals: variantGoals, ...variant }) => variantGoals.map((goal) => ({ ...variant, goal }))),
      comparisons: () => report.comparisons,
    },
  );
});

/** GET /api/stats/:site/lift: which micro goals go together with macro conversions. */
statsRoute.get("/api/stats/:site/lift", async (c) => {
  const request = await openReport(c, "lift");
  // A goal filter picks the micro goal's row; the counts behind the rates stay unfiltered by it.
  const { goal, page, ...visitorFilters } = request.filters;
  const lift = await request.store.readLift(request.range, visitorFilters);
  // Inside a page filter: the visitor-days with a hit on the page, from the segment counts.
  const { totals, goals, pairs } =
    page === undefined
      ? { ...lift, pairs: new Map(lift.pairs.map((pair) => [pair.goal, pair.visitors])) }
      : liftInputsInsidePage(
          await request.store.readSegmentCounts(request.range, visitorFilters, { filter: "page", value: page }),
          lift.goals,
        );
  const report = buildLiftReport(totals, goals, pairs, configuredGoalsOf(request.site));
  const rows = goal === undefined ? report.lift : report.lift.filter((row) => row.goal === goal);
  return answer(c, request, "lift", { ...context(request), lift: rows } satisfies LiftAnswer, { lift: () => rows });
});

/** GET /api/stats/:site/realtime: visitors in the last five minutes (from the objects' memory). */
statsRoute.get("/api/stats/:site/realtime", async (c) => {
  const request = await openReport(c, "report");
  c.header("Cache-Control", "no-store");
  return c.json({
    site: request.siteId,
    visitors: await request.store.readRealtime(),
    window_s: RECENT_WINDOW_MS / 1_000,
  } satisfies RealtimeAnswer);
});

/**
 * GET /api/stats/:site/alerts: goals that broke on a day (`to`, today by default) against the same
 * weekday of the last four weeks (domain/reports/breakage-alerts.ts). About the whole site, so no
 * filter.
 */
statsRoute.get("/api/stats/:site/alerts", async (c) => {
  const request = await openReport(c, "report");
  const [filtered] = Object.keys(request.filters);
  if (filtered !== undefined) {
    throw notExact({ field: filtered, message: "alerts compare the whole site's days; ask without filters" });
  }
  const checks = await checkDay(request.range.toDay, configuredGoalsOf(request.site), (day) =>
    request.store.readReport({ fromDay: day, toDay: day, interval: "day" }, {}, 1, []),
  );
  return answer(
    c,
    request,
    "alerts",
    {
      site: request.siteId,
      date: echoRange(request.range, request.timeZone).to,
      method: ALERT_METHOD,
      alerts: checks.filter((check) => check.alert !== null),
      goals: checks,
    } satisfies AlertsAnswer,
    { alerts: () => checks.filter((check) => check.alert !== null), goals: () => checks },
  );
});
