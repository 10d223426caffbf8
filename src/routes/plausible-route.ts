import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { readSettings } from "../config/settings";
import { siteDirectory } from "../config/sites";
import { todayIn } from "../domain/plausible/plausible-dates";
import { siteHostname } from "../domain/plausible/plausible-dimensions";
import {
  type EngineContext,
  type EngineSite,
  type MetricValue,
  parseQuery,
  type QueryAnswer,
  runQuery,
} from "../domain/plausible/query-engine";
import { PlausibleQueryError, refuse } from "../domain/plausible/query-error";
import { parseV1Filters, parseV1Metrics, v1DateRange, v1PropertyKey } from "../domain/plausible/v1-query";
import { SITE_ID_IN_PATH } from "../domain/site/site";
import { DEFAULT_TIME_ZONE } from "../domain/time/site-time";
import { ApiError } from "../http/api-error";
import { requireReportAccess } from "../http/bearer-token";
import { toCsv, wantsCsv } from "../http/csv";
import { parseJson, readCappedText } from "../http/read-body";
import { storeCall } from "../http/store-call";
import type {
  plausibleAggregateAnswerSchema,
  plausibleBreakdownAnswerSchema,
  plausibleQueryAnswerSchema,
  plausibleRealtimeAnswerSchema,
  plausibleTimeseriesAnswerSchema,
} from "../schemas/plausible-answer-schemas";
import {
  type PlausibleQueryBody,
  type PlausibleV1Query,
  plausibleQuerySchema,
  plausibleSchemaError,
  plausibleV1QuerySchema,
} from "../schemas/plausible-query-schema";
import { SiteShards } from "../storage/site-store-client";

/**
 * Plausible's Stats API, v2 (POST /api/v2/query) and v1 (GET /api/v1/stats/...), on the query
 * engine (domain/plausible/query-engine.ts). Same tokens as the native stats endpoints. Errors
 * keep Plausible's shape, `{"error": "..."}`, not the native envelope, so Plausible's clients
 * read them (docs/plausible-api.md).
 */
export const plausibleRoute = new Hono<{ Bindings: Env }>();

type PlausibleContext = Context<{ Bindings: Env }>;

/** The v2 body is small: a query, at most 64 KiB. */
const MAX_QUERY_BYTES = 65_536;

/** Runs `handler`, answering any refusal or known error in Plausible's shape. */
async function plausibleErrors(c: PlausibleContext, handler: () => Promise<Response>): Promise<Response> {
  try {
    return await handler();
  } catch (error) {
    if (error instanceof PlausibleQueryError) return c.json({ error: error.message }, 400);
    if (error instanceof ApiError) return c.json({ error: error.message }, error.status as ContentfulStatusCode, { ...error.headers });
    console.error(
      JSON.stringify({
        message: "unhandled error",
        error: error instanceof Error ? error.message : String(error),
        path: new URL(c.req.url).pathname,
      }),
    );
    return c.json({ error: "Something went wrong on our side." }, 500);
  }
}

interface OpenSite {
  site: EngineSite;
  context: EngineContext;
  store: SiteShards;
}

/** The token first (a wrong one learns nothing about the site), then the site, as the native stats endpoints. */
async function openSite(c: PlausibleContext, rawSiteId: string): Promise<OpenSite> {
  const settings = readSettings(c.env);
  const siteId = rawSiteId.toLowerCase();
  await requireReportAccess(c.req.header("authorization"), settings.STATS_TOKEN, siteDirectory(), siteId);
  if (!SITE_ID_IN_PATH.test(siteId)) throw new ApiError(404, "not_found", `Site '${rawSiteId}' not found.`);
  const configured = siteDirectory().get(siteId);
  const store = new SiteShards(c.env, siteId, configured?.shards ?? 1, (call) => storeCall(siteId, call));
  if (configured === undefined && (settings.UNKNOWN_SITES === "drop" || !(await store.hasData()))) {
    throw new ApiError(404, "not_found", `Site '${rawSiteId}' not found.`);
  }
  const timeZone = configured?.timeZone ?? DEFAULT_TIME_ZONE;
  const today = todayIn(Date.now(), timeZone);
  return {
    site: {
      id: siteId,
      timeZone,
      properties: configured?.properties ?? [],
      goals: (configured?.goals ?? []).map(({ definition }) => ({
        name: definition.name,
        class: definition.class,
        ...(definition.stage ? { stage: definition.stage } : {}),
      })),
      hostname: siteHostname(siteId, configured?.hostnames ?? null, settings.ALLOW_LOCALHOST),
    },
    context: { today, hourlyFromDay: today - settings.HOURLY_DETAIL_DAYS },
    store,
  };
}

async function query(open: OpenSite, body: PlausibleQueryBody): Promise<QueryAnswer> {
  const parsed = parseQuery(body, open.site, open.context.today);
  return runQuery(parsed, open.site, open.store, open.context);
}

/** v2 results as CSV: one column per dimension and metric (money as `<metric>_value`, `_currency`...). */
function v2Csv(c: PlausibleContext, body: PlausibleQueryBody, answer: QueryAnswer): Response {
  const dimensions = body.dimensions ?? [];
  const rows = answer.results.map((row) => ({
    ...Object.fromEntries(dimensions.map((name, index) => [name, row.dimensions[index] ?? ""])),
    ...Object.fromEntries(body.metrics.map((name, index) => [name, row.metrics[index] ?? null])),
  }));
  const file = `${body.site_id}-query.csv`.replace(/[^A-Za-z0-9._-]/g, "_");
  return c.body(toCsv(rows.length > 0 ? rows : [Object.fromEntries([...dimensions, ...body.metrics].map((name) => [name, null]))]), 200, {
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": `attachment; filename="${file}"`,
  });
}

/** POST /api/v2/query: Plausible's Stats API v2. */
plausibleRoute.post("/api/v2/query", (c) =>
  plausibleErrors(c, async () => {
    const text = await readCappedText(c.req.raw, MAX_QUERY_BYTES);
    const raw = parseJson(text);
    const siteId = typeof raw === "object" && raw !== null && "site_id" in raw && typeof raw.site_id === "string" ? raw.site_id : "";
    // The token is checked before the query is looked at, for the site the body names.
    const open = await openSite(c, siteId);
    const parsed = plausibleQuerySchema.safeParse(raw);
    if (!parsed.success) refuse(plausibleSchemaError(parsed.error));
    const body = parsed.data as PlausibleQueryBody;
    const answer = await query(open, body);
    if (wantsCsv(c.req.query("format"), c.req.header("accept"))) return v2Csv(c, body, answer);
    return c.json(answer satisfies z.infer<typeof plausibleQueryAnswerSchema>);
  }),
);

function v1Params(c: PlausibleContext): PlausibleV1Query {
  const parsed = plausibleV1QuerySchema.safeParse(c.req.query());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") ?? "";
    return refuse(
      issue?.code === "unrecognized_keys"
        ? `Unknown parameter: ${issue.keys.join(", ")}.`
        : `Invalid parameter ${field}: ${issue?.message ?? ""}`,
    );
  }
  if (parsed.data.compare !== undefined) refuse("The `compare` parameter is not supported: ask for each period on its own.");
  if (parsed.data.with_imported === "true") refuse("Imported stats are not supported: stepwise has no imported data (with_imported=true).");
  return parsed.data;
}

/** The v2 query a v1 request means. */
function v1Body(params: PlausibleV1Query, today: number, extra: Partial<PlausibleQueryBody>): PlausibleQueryBody {
  const range = v1DateRange(params.period ?? "30d", params.date, today);
  return {
    site_id: params.site_id,
    metrics: parseV1Metrics(params.metrics),
    date_range: range === "all" ? "all" : range,
    filters: parseV1Filters(params.filters),
    ...extra,
  };
}

/** v1 answers carry a `warning` where v2 flags an estimate in `meta`. */
const v1Warning = (answer: QueryAnswer) =>
  answer.meta.estimated === undefined
    ? {}
    : {
        warning: `Estimated (an upper bound): ${answer.meta.estimated.join(", ")}; visitors were summed over several pages, goals or properties.`,
      };

const v1Value = (value: MetricValue | undefined) => (value === undefined ? null : value);

/** GET /api/v1/stats/realtime/visitors: visitors in the last five minutes, a bare number. */
plausibleRoute.get("/api/v1/stats/realtime/visitors", (c) =>
  plausibleErrors(c, async () => {
    const siteId = c.req.query("site_id");
    if (siteId === undefined || siteId === "") refuse("Missing site ID. Please provide the required site_id parameter with your request.");
    const open = await openSite(c, siteId ?? "");
    c.header("Cache-Control", "no-store");
    return c.json((await open.store.readRealtime()) satisfies z.infer<typeof plausibleRealtimeAnswerSchema>);
  }),
);

/** GET /api/v1/stats/aggregate: `{results: {metric: {value}}}`. */
plausibleRoute.get("/api/v1/stats/aggregate", (c) =>
  plausibleErrors(c, async () => {
    const siteId = c.req.query("site_id") ?? "";
    const open = await openSite(c, siteId);
    const params = v1Params(c);
    const body = v1Body(params, open.context.today, {});
    const answer = await query(open, body);
    const values = answer.results[0]?.metrics ?? [];
    return c.json({
      results: Object.fromEntries(body.metrics.map((metric, index) => [metric, { value: v1Value(values[index]) }])),
      ...v1Warning(answer),
    } satisfies z.infer<typeof plausibleAggregateAnswerSchema>);
  }),
);

/** GET /api/v1/stats/timeseries: `{results: [{date, metric...}]}`, every bucket of the period (zeros included). */
plausibleRoute.get("/api/v1/stats/timeseries", (c) =>
  plausibleErrors(c, async () => {
    const siteId = c.req.query("site_id") ?? "";
    const open = await openSite(c, siteId);
    const params = v1Params(c);
    const period = params.period ?? "30d";
    const interval =
      params.interval === "month" || (params.interval === undefined && (period === "6mo" || period === "12mo")) ? "month" : "day";
    const dimension = period === "day" && params.interval === undefined ? "time:hour" : interval === "month" ? "time:month" : "time:day";
    const body = v1Body(params, open.context.today, { dimensions: [dimension], include: { time_labels: true } });
    const answer = await query(open, body);
    const byLabel = new Map(answer.results.map((row) => [row.dimensions[0] ?? "", row.metrics]));
    const labels = answer.meta.time_labels ?? [];
    const results = labels.map((label) => {
      const values = byLabel.get(label);
      return {
        date: label,
        ...Object.fromEntries(body.metrics.map((metric, index) => [metric, values ? v1Value(values[index]) : 0])),
      };
    });
    if (wantsCsv(params.format, c.req.header("accept"))) {
      return c.body(toCsv(results), 200, { "Content-Type": "text/csv; charset=utf-8" });
    }
    return c.json({ results, ...v1Warning(answer) } satisfies z.infer<typeof plausibleTimeseriesAnswerSchema>);
  }),
);

/** GET /api/v1/stats/breakdown: `{results: [{<property>, metric...}]}`, `limit` rows of page `page`. */
plausibleRoute.get("/api/v1/stats/breakdown", (c) =>
  plausibleErrors(c, async () => {
    const siteId = c.req.query("site_id") ?? "";
    const open = await openSite(c, siteId);
    const params = v1Params(c);
    if (params.property === undefined) refuse("The `property` parameter is required for breakdown.");
    const property = params.property ?? "";
    const limit = params.limit ?? 100;
    const page = params.page ?? 1;
    const body = v1Body(params, open.context.today, {
      dimensions: [property],
      pagination: { limit, offset: (page - 1) * limit },
    });
    const answer = await query(open, body);
    const key = v1PropertyKey(property);
    const results = answer.results.map((row) => ({
      [key]: row.dimensions[0] ?? "",
      ...Object.fromEntries(body.metrics.map((metric, index) => [metric, v1Value(row.metrics[index])])),
    }));
    if (wantsCsv(params.format, c.req.header("accept"))) {
      return c.body(toCsv(results), 200, { "Content-Type": "text/csv; charset=utf-8" });
    }
    return c.json({ results, ...v1Warning(answer) } satisfies z.infer<typeof plausibleBreakdownAnswerSchema>);
  }),
);
