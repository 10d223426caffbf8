import { z } from "zod";
import type { QueryAnswer } from "../domain/plausible/query-engine";
import { filterTreeSchema } from "./plausible-query-schema";

/**
 * The answers of Plausible's Stats API v2 and v1 as stepwise gives them (docs/plausible-api.md),
 * as zod schemas: the OpenAPI document is generated from them and the tests check real answers
 * against them. Errors of these endpoints keep Plausible's shape, `{"error": "..."}`.
 */

const money = z
  .strictObject({
    value: z.number().meta({ description: "in units of the currency" }),
    currency: z.string().regex(/^[A-Z]{3}$/),
    short: z.string().meta({ description: "e.g. `€70`" }),
    long: z.string().meta({ description: "e.g. `€70.00`" }),
  })
  .meta({ id: "PlausibleMoney", description: "A revenue metric: one currency, as Plausible answers it." });

const metricValue = z.union([z.number(), money, z.null()]).meta({ description: "a number, money for revenue metrics, or null" });

const warning = z.strictObject({ code: z.string(), warning: z.string() });

export const plausibleQueryAnswerSchema = z
  .strictObject({
    results: z.array(
      z.strictObject({
        dimensions: z.array(z.string()).meta({ description: "one value per queried dimension, in order" }),
        metrics: z.array(metricValue).meta({ description: "one value per queried metric, in order" }),
      }),
    ),
    meta: z.strictObject({
      time_labels: z.array(z.string()).optional().meta({ description: "every time bucket of the range (`include.time_labels`)" }),
      total_rows: z.int().min(0).optional().meta({ description: "rows before pagination (`include.total_rows`)" }),
      metric_warnings: z
        .record(z.string(), warning)
        .optional()
        .meta({ description: "per metric: revenue that could not be summed, or `estimated_upper_bound`" }),
      estimated: z
        .array(z.string())
        .optional()
        .meta({ description: "metrics that are upper bounds (visitors summed over several pages, goals or properties), not exact counts" }),
    }),
    query: z
      .strictObject({
        site_id: z.string(),
        metrics: z.array(z.string()),
        date_range: z
          .tuple([z.string(), z.string()])
          .meta({ description: "the local days queried, as date-times with the site's offsets" }),
        filters: z.array(filterTreeSchema),
        dimensions: z.array(z.string()),
        order_by: z.array(z.tuple([z.string(), z.enum(["asc", "desc"])])),
        include: z.record(z.string(), z.unknown()),
        pagination: z.strictObject({ offset: z.int().min(0), limit: z.int().min(1) }),
      })
      .meta({ description: "the query as run: date_range resolved, order_by and pagination filled in" }),
  })
  .meta({ id: "PlausibleQueryAnswer" }) satisfies z.ZodType<QueryAnswer>;

export const plausibleErrorSchema = z
  .strictObject({ error: z.string().meta({ description: "why, in a sentence" }) })
  .meta({ id: "PlausibleError", description: "Plausible's error shape, kept by its API's endpoints (not the native envelope)." });

const v1Warning = z.string().optional().meta({ description: "set when a figure is an upper bound (see `meta.estimated` in v2)" });

export const plausibleRealtimeAnswerSchema = z
  .int()
  .min(0)
  .meta({ id: "PlausibleRealtimeVisitors", description: "visitors in the last five minutes" });

export const plausibleAggregateAnswerSchema = z
  .strictObject({ results: z.record(z.string(), z.strictObject({ value: metricValue })), warning: v1Warning })
  .meta({ id: "PlausibleAggregate" });

const v1Row = z.record(z.string(), z.union([z.string(), metricValue]));

export const plausibleTimeseriesAnswerSchema = z
  .strictObject({ results: z.array(v1Row).meta({ description: "`{date, <metric>...}` per bucket, zeros included" }), warning: v1Warning })
  .meta({ id: "PlausibleTimeseries" });

export const plausibleBreakdownAnswerSchema = z
  .strictObject({ results: z.array(v1Row).meta({ description: "`{<property>, <metric>...}` per value" }), warning: v1Warning })
  .meta({ id: "PlausibleBreakdown" });
