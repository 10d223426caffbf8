import { z } from "zod";
import type { DropReason } from "../domain/ingest/drop-policy";
import { ADDED_DIMENSIONS, MAIN_DIMENSIONS } from "../domain/reports/dimensions";
import { DROP_REASONS, type StatsReport } from "../domain/reports/report";
import { FILTER_FIELDS } from "../domain/reports/report-filter";
import type { FunnelStepReport, LiftRow, VariantsReport } from "../domain/reports/segment-reports";

/**
 * The JSON answers of the API, as zod schemas: the single description of each answer. The OpenAPI
 * document (schemas/openapi-document.ts) is generated from them, the routes type their answers
 * from them (`z.infer`), `satisfies z.ZodType<...>` checks each against the domain type that
 * builds it, and test/integration/openapi-answers.test.ts checks real answers against them.
 * Objects are strict: a field the schema does not name is a failing test, not silent drift.
 * Ids (`.meta({ id })`) name the components of the OpenAPI document.
 */

const count = z.int().min(0);
/** A share of visitors or visits; a ratio, 0 when its denominator is 0. */
const share = z.number().min(0);
const CURRENCY = /^[A-Z]{3}$/;

const revenue = z.record(z.string().regex(CURRENCY), z.number().min(0)).meta({
  id: "Revenue",
  description: "Revenue per ISO 4217 currency, in units of the currency; currencies without revenue are left out.",
});

const rate = z
  .strictObject({
    count: count.meta({ description: "conversions (hits)" }),
    visitors: count.meta({ description: "converting visitors" }),
    conversion_rate: share.meta({ description: "converting visitors over visitors" }),
  })
  .meta({ id: "Rate" });

const macroFigures = rate.extend({ revenue }).meta({ id: "MacroFigures" });

const goalClass = z.enum(["macro", "micro"]);
const microStage = z.enum(["milestone", "secondary"]);

export const rangeEchoSchema = z
  .strictObject({
    from: z.iso.date(),
    to: z.iso.date(),
    interval: z.enum(["hour", "day"]),
    timezone: z.string().meta({ description: "the site's IANA time zone; dates and hours are its local ones" }),
  })
  .meta({ id: "Range" });

const FILTER_KEYS = [...FILTER_FIELDS, ...ADDED_DIMENSIONS] as const;
const propertyKey = z.templateLiteral(["props.", z.string()]);

export const filtersEchoSchema = z
  .partialRecord(z.union([z.enum(FILTER_KEYS), propertyKey]), z.string())
  .meta({ id: "Filters", description: "The filters of the query, echoed." });

const reportContext = { site: z.string(), range: rangeEchoSchema, filters: filtersEchoSchema };

const breakdownRow = z
  .strictObject({
    value: z.string(),
    name: z.string().optional().meta({ description: "region rows: the region's name" }),
    visitors: count,
    pageviews: count,
    micro: rate,
    macro: macroFigures,
    visits: count
      .optional()
      .meta({ description: "added dimensions that describe visits (not properties): the visits filed under the value" }),
    bounce_rate: share.optional(),
    visit_duration_s: z.number().min(0).optional(),
  })
  .meta({ id: "BreakdownRow" });

const pageRow = breakdownRow
  .extend({
    scroll_depth: z
      .number()
      .min(0)
      .max(100)
      .nullable()
      .meta({ description: "average deepest scroll, percent, of the page views that reported it" }),
    engaged_s: z.number().min(0).nullable().meta({ description: "average engaged seconds of the page views that reported it" }),
  })
  .meta({ id: "PageRow" });

const exitPageRow = z.strictObject({ value: z.string(), visitors: count, visits: count }).meta({ id: "ExitPageRow" });

const DIMENSION_KEYS = [...MAIN_DIMENSIONS, ...ADDED_DIMENSIONS] as const;

const breakdowns = z
  .partialRecord(
    z.union([z.enum(DIMENSION_KEYS), propertyKey]),
    // Page rows carry scroll depth and engaged time, exit_page rows only visitors and visits.
    z.union([z.array(pageRow), z.array(breakdownRow), z.array(exitPageRow)]),
  )
  .meta({
    description:
      "The breakdowns asked for (`breakdowns=`), by default the six main ones exact under the filters: top `limit` rows by visitors. `page` rows are PageRows, `exit_page` rows ExitPageRows, the others BreakdownRows.",
  });

/** GET /api/stats/:site */
export const reportAnswerSchema = z
  .strictObject({
    ...reportContext,
    totals: z.strictObject({ visitors: count, pageviews: count, events: count }),
    conversions: z.strictObject({ macro: macroFigures, micro: rate }),
    goals: z.array(
      macroFigures.extend({
        name: z.string(),
        class: goalClass,
        stage: microStage.optional(),
      }),
    ),
    timeseries: z.array(
      z.strictObject({
        t: z.string().meta({ description: "local date `YYYY-MM-DD`, or local hour `YYYY-MM-DDTHH:00:00+HH:MM` with interval=hour" }),
        visitors: count,
        pageviews: count,
        micro: count,
        macro: count,
      }),
    ),
    breakdowns,
    engagement: z.strictObject({
      visits: count,
      pages_per_visit: z.number().min(0),
      visit_duration_s: z.number().min(0),
      bounce_rate: share,
    }),
    dropped: z.record(z.enum(DROP_REASONS), count).meta({ description: "dropped hits of the range by reason" }),
    other_hits: z.record(z.string(), count).meta({ description: "per capped dimension, hits counted under `(other)` past the day's cap" }),
  })
  .meta({ id: "Report" }) satisfies z.ZodType<StatsReport>;

const funnelStep = z.strictObject({
  name: z.string(),
  visitors: count,
  dropoff: z.int(),
  dropoff_rate: z.number(),
  conversion_rate: z.number(),
  step_conversion_rate: z.number(),
}) satisfies z.ZodType<FunnelStepReport>;

/** GET /api/stats/:site/funnels */
export const funnelsAnswerSchema = z
  .strictObject({ ...reportContext, funnels: z.array(z.strictObject({ name: z.string(), steps: z.array(funnelStep) })) })
  .meta({ id: "Funnels" });

const segmentRow = <K extends string>(key: K) =>
  z.strictObject({ [key]: z.string(), visitors: count, micro: rate, macro: macroFigures } as {
    [P in K]: z.ZodString;
  } & { visitors: typeof count; micro: typeof rate; macro: typeof macroFigures });

/** GET /api/stats/:site/channels (`by=channel`, the default; `by=source`; `by=campaign`) */
export const channelsAnswerSchema = z
  .union([
    z.strictObject({ ...reportContext, channels: z.array(segmentRow("channel")) }),
    z.strictObject({ ...reportContext, sources: z.array(segmentRow("source")) }),
    z.strictObject({ ...reportContext, campaigns: z.array(segmentRow("campaign")) }),
  ])
  .meta({ id: "Channels" });

/** GET /api/stats/:site/variants */
export const variantsAnswerSchema = z
  .strictObject({
    ...reportContext,
    variant_prop: z.string().meta({ description: "the prop that names a hit's variant" }),
    variants: z.array(
      z.strictObject({
        variant: z.string(),
        visitors: count,
        goals: z.array(
          z.strictObject({
            name: z.string(),
            class: goalClass,
            stage: microStage.optional(),
            conversions: count,
            visitors: count,
            conversion_rate: share,
          }),
        ),
      }),
    ),
    comparisons: z.array(
      z.strictObject({
        goal: z.string(),
        a: z.string(),
        b: z.string(),
        rate_a: share,
        rate_b: share,
        difference: z.number().meta({ description: "rate_b - rate_a" }),
        z: z.number(),
        p_value: z.number().min(0).max(1),
        significant: z.boolean().meta({ description: "p_value < 0.05" }),
      }),
    ),
  })
  .meta({ id: "Variants" }) satisfies z.ZodType<VariantsReport>;

const liftSide = z.strictObject({ visitors: z.int(), macro_visitors: z.int(), macro_rate: z.number() });

/** GET /api/stats/:site/lift */
export const liftAnswerSchema = z
  .strictObject({
    ...reportContext,
    lift: z.array(
      z.strictObject({
        goal: z.string(),
        stage: microStage,
        completed: liftSide,
        not_completed: liftSide,
        lift: z.number().nullable().meta({ description: "completed.macro_rate / not_completed.macro_rate; null when the latter is 0" }),
      }) satisfies z.ZodType<LiftRow>,
    ),
  })
  .meta({ id: "Lift" });

/** GET /api/stats/:site/realtime */
export const realtimeAnswerSchema = z
  .strictObject({ site: z.string(), visitors: count, window_s: z.int().positive() })
  .meta({ id: "Realtime" });

/** POST /api/event: 202 */
export const ingestAnswerSchema = z
  .strictObject({
    recorded: z.array(z.string()).meta({ description: "the sites that counted the hit" }),
    dropped: z.array(
      z.strictObject({
        site: z.string(),
        reason: z.enum([...DROP_REASONS, "unknown_site"] satisfies DropReason[]),
      }),
    ),
  })
  .meta({ id: "IngestAnswer" });

const goalCheck = z
  .strictObject({
    goal: z.string(),
    class: goalClass,
    stage: microStage.optional(),
    alert: z
      .enum(["stopped", "drop"])
      .nullable()
      .meta({ description: "stopped: none that day; drop: significantly fewer; null: within chance" }),
    today: z.strictObject({ converting_visitors: count, visitors: count }),
    baseline: z.strictObject({ weeks: count, converting_visitors: count, visitors: count }),
    expected: z.number().min(0).meta({ description: "the day's visitors times the baseline's conversion rate" }),
    p_value: z.number().min(0).max(1).meta({ description: "P(X <= the day's count) for X ~ Poisson(expected)" }),
  })
  .meta({ id: "GoalCheck" });

/** GET /api/stats/:site/alerts */
export const alertsAnswerSchema = z
  .strictObject({
    site: z.string(),
    date: z.string().meta({ description: "the local day checked, YYYY-MM-DD" }),
    method: z.strictObject({
      test: z.literal("poisson"),
      p_value_below: z.number(),
      min_expected: z.number(),
      baseline_weeks: count,
    }),
    alerts: z.array(goalCheck),
    goals: z.array(goalCheck),
  })
  .meta({ id: "Alerts" });

/**
 * What the daily alarm posts to a site's `alertWebhook` (docs/api.md, "Alert webhook"): a closed
 * day's alerts, as `GET /api/stats/:site/alerts?to=<date>` lists them. Sent only with at least one.
 */
export const alertWebhookBodySchema = z
  .strictObject({
    site: z.string(),
    date: z.string().meta({ description: "the closed local day checked, YYYY-MM-DD" }),
    timezone: z.string().meta({ description: "the site's time zone, whose midnights bound the day" }),
    alerts: z.array(goalCheck).min(1),
  })
  .meta({ id: "AlertWebhookBody" });

const umamiDrop = z.strictObject({ site: z.string(), reason: z.enum([...DROP_REASONS, "unknown_site"] satisfies DropReason[]) });

/** POST /api/send (Umami's collector) */
export const umamiSendAnswerSchema = z
  .strictObject({
    cache: z.string().meta({ description: "the same constant for every visitor; Umami's tracker echoes it in `x-umami-cache`" }),
    recorded: z.array(z.string()),
    dropped: z.array(umamiDrop),
  })
  .meta({ id: "UmamiSendAnswer" });

/** POST /api/batch (Umami's collector) */
export const umamiBatchAnswerSchema = z
  .strictObject({
    cache: z.string(),
    size: count,
    processed: count,
    errors: count,
    details: z.array(z.strictObject({ index: count, status: z.int(), response: z.unknown() })),
    dropped: z.array(umamiDrop.extend({ index: count })),
  })
  .meta({ id: "UmamiBatchAnswer" });

/** GET /api/health */
export const healthAnswerSchema = z
  .strictObject({ status: z.literal("ok"), sites: count.meta({ description: "configured sites" }) })
  .meta({ id: "Health" });

/** GET /api/sites (admin token) */
export const sitesAnswerSchema = z
  .strictObject({
    sites: z.array(
      z.strictObject({
        id: z.string(),
        timezone: z.string(),
        shards: z.int().positive(),
        goals: z.array(z.strictObject({ name: z.string(), class: goalClass, stage: microStage.optional() })),
        funnels: z.array(z.string()),
        properties: z.array(z.string()),
        variant_prop: z.string(),
        public: z.boolean().meta({ description: "its reports answer without a token (config `public`)" }),
      }),
    ),
  })
  .meta({ id: "Sites" });

/** DELETE /api/sites/:site/data (admin token) */
export const eraseAnswerSchema = z
  .strictObject({ site: z.string(), erased: z.literal(true), shards: z.int().positive().meta({ description: "shards erased" }) })
  .meta({ id: "Erased" });

/** GET /: a directory of the endpoints, `{ name: "stepwise", <what>: "<METHOD> <path>" }`. */
export const directoryAnswerSchema = z.record(z.string(), z.string()).meta({ id: "Directory" });

export type ReportAnswer = z.infer<typeof reportAnswerSchema>;
export type FunnelsAnswer = z.infer<typeof funnelsAnswerSchema>;
export type ChannelsAnswer = z.infer<typeof channelsAnswerSchema>;
export type VariantsAnswer = z.infer<typeof variantsAnswerSchema>;
export type LiftAnswer = z.infer<typeof liftAnswerSchema>;
export type RealtimeAnswer = z.infer<typeof realtimeAnswerSchema>;
export type IngestAnswer = z.infer<typeof ingestAnswerSchema>;
export type HealthAnswer = z.infer<typeof healthAnswerSchema>;
export type SitesAnswer = z.infer<typeof sitesAnswerSchema>;
export type EraseAnswer = z.infer<typeof eraseAnswerSchema>;
export type AlertsAnswer = z.infer<typeof alertsAnswerSchema>;
export type AlertWebhookBody = z.infer<typeof alertWebhookBodySchema>;
