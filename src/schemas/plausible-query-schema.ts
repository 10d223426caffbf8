import { z } from "zod";

/**
 * The wire formats of Plausible's Stats API as stepwise speaks them (docs/plausible-api.md): the
 * v2 query body of POST /api/v2/query and the query string of the v1 GET endpoints. Every field is
 * bounded; what the fields mean is decided in domain/plausible/.
 */

/** Every metric Plausible documents; the ones stepwise does not keep are refused by the engine with a reason. */
export const PLAUSIBLE_METRICS = [
  "visitors",
  "visits",
  "pageviews",
  "events",
  "views_per_visit",
  "bounce_rate",
  "visit_duration",
  "scroll_depth",
  "percentage",
  "conversion_rate",
  "group_conversion_rate",
  "total_revenue",
  "average_revenue",
  "time_on_page",
  "exit_rate",
] as const;
export type PlausibleMetric = (typeof PLAUSIBLE_METRICS)[number];

export const FILTER_OPERATORS = ["is", "is_not", "contains", "contains_not", "matches", "matches_not"] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];
/** Operators the v1 filter syntax adds (`event:page==/blog/*`): a glob on the value. */
export const WILDCARD_OPERATORS = ["matches_wildcard", "matches_wildcard_not"] as const;
export type SimpleOperator = FilterOperator | (typeof WILDCARD_OPERATORS)[number];

/** How deep `and`/`or`/`not` may nest, and how many simple filters a query may hold. */
export const FILTER_LIMITS = { depth: 6, leaves: 40, clauses: 100, clauseLength: 2_000 } as const;

const metric = z.enum(PLAUSIBLE_METRICS, { error: (issue) => `Unknown metric '${String(issue.input)}'.` });

const dimensionName = z
  .string()
  .max(320)
  .regex(/^(time(:hour|:day|:week|:month|:minute)?|event:[a-z_]+|event:props:.+|visit:[a-z_]+)$/, {
    message: "is not a dimension: `event:...`, `visit:...`, `event:props:<name>` or a `time` dimension",
  });

const clause = z.union([z.string().max(FILTER_LIMITS.clauseLength), z.int()]);
const modifiers = z.strictObject({ case_sensitive: z.boolean().optional() });

export type SimpleFilter =
  | [SimpleOperator, string, (string | number)[]]
  | [SimpleOperator, string, (string | number)[], { case_sensitive?: boolean | undefined }];
export type FilterTree = SimpleFilter | ["and" | "or", FilterTree[]] | ["not" | "has_done" | "has_not_done", FilterTree];

const operator = z.enum([...FILTER_OPERATORS, ...WILDCARD_OPERATORS]);
const simpleFilter = z.union([
  z.tuple([operator, z.string().max(320), z.array(clause).max(FILTER_LIMITS.clauses)]),
  z.tuple([operator, z.string().max(320), z.array(clause).max(FILTER_LIMITS.clauses), modifiers]),
]);

/** A filter: a simple one (`[operator, dimension, clauses, modifiers?]`) or `and`/`or`/`not` of filters. */
export const filterTreeSchema: z.ZodType<FilterTree> = z
  .lazy(() =>
    z.union([
      simpleFilter,
      z.tuple([z.enum(["and", "or"]), z.array(filterTreeSchema).min(1).max(FILTER_LIMITS.leaves)]),
      z.tuple([z.enum(["not", "has_done", "has_not_done"]), filterTreeSchema]),
    ]),
  )
  .meta({ id: "PlausibleFilter" }) as z.ZodType<FilterTree>;

const dateRange = z.union([
  z
    .string()
    .max(16)
    .meta({ description: "`day`, `7d`, `28d`, `30d`, `91d` (any `<n>d`), `month`, `6mo`, `12mo` (any `<n>mo`), `year` or `all`" }),
  z.tuple([z.string().max(40), z.string().max(40)]).meta({
    description:
      "two ISO 8601 dates (`2031-04-01`), or two date-times with offset covering whole local days (`2031-04-01T00:00:00+02:00`, `2031-04-01T23:59:59+02:00`) or whole local hours (`2031-04-01T08:00:00+02:00`, `2031-04-01T13:59:59+02:00`)",
  }),
]);

/** POST /api/v2/query: Plausible's query object. */
export const plausibleQuerySchema = z
  .strictObject({
    site_id: z.string().min(1).max(253),
    metrics: z.array(metric).min(1).max(PLAUSIBLE_METRICS.length),
    date_range: dateRange,
    dimensions: z.array(dimensionName).max(4).optional(),
    filters: z.array(filterTreeSchema).max(FILTER_LIMITS.leaves).optional(),
    order_by: z
      .array(z.tuple([z.string().max(320), z.enum(["asc", "desc"])]))
      .max(8)
      .optional(),
    include: z
      .strictObject({
        time_labels: z.boolean().optional(),
        total_rows: z.boolean().optional(),
        imports: z.boolean().optional(),
        comparisons: z.unknown().optional(),
      })
      .optional(),
    pagination: z
      .strictObject({
        limit: z.int().min(1).max(10_000).optional(),
        offset: z.int().min(0).max(1_000_000).optional(),
      })
      .optional(),
  })
  .meta({ id: "PlausibleQuery", description: "Plausible's Stats API v2 query (docs/plausible-api.md)." });

export type PlausibleQueryBody = z.infer<typeof plausibleQuerySchema>;

/** The query string of GET /api/v1/stats/{aggregate,timeseries,breakdown}. */
export const plausibleV1QuerySchema = z.strictObject({
  site_id: z.string().min(1).max(253),
  period: z
    .string()
    .max(16)
    .optional()
    .meta({ description: "`day`, `7d`, `30d`, `month`, `6mo`, `12mo`, `year`, `all` or `custom`; default `30d`" }),
  date: z.string().max(40).optional().meta({ description: "the day the period is relative to (default today), or `from,to` for `custom`" }),
  metrics: z.string().max(400).optional().meta({ description: "comma-separated metrics; default `visitors`" }),
  property: z.string().max(320).optional().meta({ description: "breakdown only: the property to break down by" }),
  filters: z.string().max(4_000).optional().meta({ description: "v1 filter syntax: `event:page==/blog/**;visit:country==DE|FR`" }),
  interval: z.enum(["day", "month", "date"]).optional().meta({ description: "timeseries only: `day` or `month`" }),
  limit: z.coerce.number().int().min(1).max(1_000).optional().meta({ description: "breakdown only: rows per page, default 100" }),
  page: z.coerce.number().int().min(1).max(10_000).optional().meta({ description: "breakdown only: page number from 1" }),
  compare: z.string().max(40).optional().meta({ description: "refused: stepwise does not compare periods" }),
  with_imported: z.enum(["true", "false"]).optional().meta({ description: "`true` is refused: stepwise has no imported data" }),
  format: z.enum(["json", "csv"]).optional(),
});
export type PlausibleV1Query = z.infer<typeof plausibleV1QuerySchema>;

/** Formats the first problem zod found as Plausible words its schema errors: `#/path: message`. */
export function plausibleSchemaError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return "Invalid query.";
  const path = issue.path.map(String).join("/");
  return issue.message.endsWith(".") && issue.path[0] === "metrics" ? issue.message : `#/${path}: ${issue.message}`;
}
