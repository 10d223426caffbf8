import { z } from "zod";
import { ADDED_DIMENSIONS } from "../domain/reports/dimensions";
import { FILTER_FIELDS } from "../domain/reports/report-filter";
import { SITE_ID_IN_PATH } from "../domain/site/site";
import {
  CHANNELS_EXAMPLE,
  ERASE_EXAMPLE,
  ERROR_EXAMPLES,
  EVENT_EXAMPLES,
  FUNNELS_EXAMPLE,
  HEALTH_EXAMPLE,
  INGEST_EXAMPLES,
  LIFT_EXAMPLE,
  PLAUSIBLE_QUERY_EXAMPLE,
  REALTIME_EXAMPLE,
  REPORT_EXAMPLE,
  SITES_EXAMPLE,
  VARIANTS_EXAMPLE,
} from "./answer-examples";
import {
  alertsAnswerSchema,
  channelsAnswerSchema,
  directoryAnswerSchema,
  eraseAnswerSchema,
  funnelsAnswerSchema,
  healthAnswerSchema,
  ingestAnswerSchema,
  liftAnswerSchema,
  realtimeAnswerSchema,
  reportAnswerSchema,
  sitesAnswerSchema,
  umamiBatchAnswerSchema,
  umamiSendAnswerSchema,
  variantsAnswerSchema,
} from "./answer-schemas";
import { ERROR_CODES, type ErrorCode, errorEnvelopeSchema } from "./error-schema";
import { eventSchema, FIELD_ALIASES } from "./event-schema";
import {
  plausibleAggregateAnswerSchema,
  plausibleBreakdownAnswerSchema,
  plausibleErrorSchema,
  plausibleQueryAnswerSchema,
  plausibleRealtimeAnswerSchema,
  plausibleTimeseriesAnswerSchema,
} from "./plausible-answer-schemas";
import { plausibleQuerySchema, plausibleV1QuerySchema } from "./plausible-query-schema";
import { statsQuerySchema } from "./stats-query-schema";

/**
 * The OpenAPI 3.1 document of the API (GET /api/openapi.json), generated from the zod schemas:
 * the request schemas that validate requests (the event body, the stats query) and the answer
 * schemas the routes are typed from (schemas/answer-schemas.ts), converted by zod's own
 * `z.toJSONSchema` (JSON Schema 2020-12, the dialect of OpenAPI 3.1). Only the prose is written here.
 */

type Json = Record<string, unknown>;
export type OpenApiDocument = Json & {
  openapi: string;
  paths: Record<string, Record<string, Json>>;
  webhooks: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json> };
};

/** Who may call an operation. */
type Access = "public" | "sender" | "report" | "admin";

/** A successful answer of an operation. */
interface Answer {
  status: number;
  description: string;
  schema: z.ZodType | "javascript" | "document";
  headers?: Record<string, Json>;
  examples?: Record<string, { summary: string; value: unknown }>;
}

/** One operation: the table the document is generated from, and tests look answers up in. */
export interface OperationSpec {
  method: "get" | "post" | "delete";
  /** The path as OpenAPI writes it (`/api/stats/{site}`). */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  /** The stats endpoint whose query the operation takes. */
  query?: "report" | "funnels" | "channels" | "variants" | "lift";
  eventBody?: true;
  /** A JSON request body, described by the zod schema that validates it. */
  jsonBody?: z.ZodType;
  /** Query parameters from the zod object schema that validates them (Plausible's v1 endpoints). */
  queryParameters?: z.ZodObject;
  answers: Answer[];
  errors: ErrorCode[];
  /** Plausible's API: the statuses whose errors keep Plausible's shape `{"error": "..."}` instead of the envelope. */
  plausibleErrors?: number[];
}

const noStore = { "Cache-Control": { description: "`no-store`", schema: { type: "string" } } };
const STATS_ERRORS: ErrorCode[] = [
  "invalid_query",
  "unsupported_filter",
  "unauthorized",
  "reporting_disabled",
  "not_found",
  "unavailable",
  "internal_error",
];
const ADMIN_ERRORS: ErrorCode[] = ["unauthorized", "reporting_disabled", "internal_error"];
const example = (summary: string, value: unknown) => ({ example: { summary, value } });
const PLAUSIBLE_ERRORS = [400, 401, 403, 404, 413, 500, 503];
const PLAUSIBLE_V1 =
  "Plausible's Stats API v1, on the same engine as `POST /api/v2/query` (docs/plausible-api.md). The admin token or the site's read token.";

export const OPERATIONS: readonly OperationSpec[] = [
  {
    method: "post",
    path: "/api/event",
    operationId: "ingestEvent",
    summary: "Ingest one hit",
    description:
      "The Plausible Events API: each field has a long and a short name (send one of them). JSON sent as `text/plain` (what `sendBeacon` sends; no CORS preflight), `application/json`, or with no Content-Type. At most 32 KiB, within 5 seconds. A dropped hit is answered 202 too, naming the reason in `dropped` and the `Stepwise-Dropped` header. A bearer token (the admin token or one of the site's ingest tokens) makes a trusted server-side sender: its `X-Forwarded-For` and `ts` are used. Other methods on this path answer 405 `method_not_allowed`.",
    tag: "ingest",
    access: "sender",
    eventBody: true,
    answers: [
      {
        status: 202,
        description: "Recorded (durable) or dropped, per site.",
        schema: ingestAnswerSchema,
        headers: {
          "Stepwise-Dropped": {
            description: "why the hit was dropped: `bot`, or `site=reason, …` for a hit sent to several sites",
            schema: { type: "string" },
          },
        },
        examples: INGEST_EXAMPLES,
      },
    ],
    errors: [
      "malformed_json",
      "invalid_event",
      "invalid_encoding",
      "unauthorized",
      "body_timeout",
      "body_too_large",
      "unsupported_media_type",
      "rate_limited",
      "unavailable",
      "internal_error",
    ],
  },
  {
    method: "get",
    path: "/api/stats/{site}",
    operationId: "getReport",
    summary: "The report",
    description: "Totals, conversions, goals, timeseries, breakdowns, engagement and drops over a range of the site's local days.",
    tag: "reports",
    access: "report",
    query: "report",
    answers: [
      {
        status: 200,
        description: "The report.",
        schema: reportAnswerSchema,
        examples: example("two days of shop.example", REPORT_EXAMPLE),
      },
    ],
    errors: STATS_ERRORS,
  },
  {
    method: "get",
    path: "/api/stats/{site}/funnels",
    operationId: "getFunnels",
    summary: "Visitors per funnel step",
    description: "The site's configured funnels. `page` and `goal` filters are one at a time (both: 400 `unsupported_filter`).",
    tag: "reports",
    access: "report",
    query: "funnels",
    answers: [
      {
        status: 200,
        description: "Each funnel's steps.",
        schema: funnelsAnswerSchema,
        examples: example("a checkout funnel", FUNNELS_EXAMPLE),
      },
    ],
    errors: STATS_ERRORS,
  },
  {
    method: "get",
    path: "/api/stats/{site}/channels",
    operationId: "getChannels",
    summary: "Conversion by channel, source or campaign",
    description:
      "A visitor-day belongs to the segment of its first hit. `by=channel` lists every channel (`channels`); `by=source` (`sources`) and `by=campaign` (`campaigns`) the top `limit`.",
    tag: "reports",
    access: "report",
    query: "channels",
    answers: [
      { status: 200, description: "One row per segment.", schema: channelsAnswerSchema, examples: example("by channel", CHANNELS_EXAMPLE) },
    ],
    errors: STATS_ERRORS,
  },
  {
    method: "get",
    path: "/api/stats/{site}/variants",
    operationId: "getVariants",
    summary: "A/B variants with z-tests",
    description: "A visitor's variant for the day is the first it is shown; its conversions after that count for it.",
    tag: "reports",
    access: "report",
    query: "variants",
    answers: [
      {
        status: 200,
        description: "Variants and comparisons.",
        schema: variantsAnswerSchema,
        examples: example("two variants", VARIANTS_EXAMPLE),
      },
    ],
    errors: STATS_ERRORS,
  },
  {
    method: "get",
    path: "/api/stats/{site}/lift",
    operationId: "getLift",
    summary: "Micro-to-macro lift",
    description: "One row per micro goal, strongest lift first.",
    tag: "reports",
    access: "report",
    query: "lift",
    answers: [
      { status: 200, description: "Lift per micro goal.", schema: liftAnswerSchema, examples: example("two micro goals", LIFT_EXAMPLE) },
    ],
    errors: STATS_ERRORS,
  },
  {
    method: "get",
    path: "/api/stats/{site}/realtime",
    operationId: "getRealtime",
    summary: "Visitors in the last five minutes",
    description: "The query parameters of the report are validated (400 for invalid ones) but do not change the answer.",
    tag: "reports",
    access: "report",
    answers: [
      {
        status: 200,
        description: "Current visitors.",
        schema: realtimeAnswerSchema,
        headers: noStore,
        examples: example("now", REALTIME_EXAMPLE),
      },
    ],
    errors: STATS_ERRORS,
  },
  {
    method: "get",
    path: "/api/stats/{site}/alerts",
    operationId: "getAlerts",
    summary: "Breakage alerts",
    description:
      "Each goal's converting visitors on the day `to` (today by default, so far) against the same weekday of the last four weeks, scaled to the day's visitors: a Poisson p-value; `stopped` or `drop` below 0.001 with at least 5 expected. Any filter is a 400.",
    tag: "reports",
    access: "report",
    query: "report",
    answers: [{ status: 200, description: "Every goal checked, and the alerts among them.", schema: alertsAnswerSchema }],
    errors: STATS_ERRORS,
  },
  {
    method: "post",
    path: "/api/v2/query",
    operationId: "plausibleQuery",
    summary: "Plausible's Stats API v2",
    description:
      "Plausible's query (`site_id`, `metrics`, `date_range`, `dimensions`, `filters`, `order_by`, `include`, `pagination`) answered as Plausible does, `{results, meta, query}`, or as CSV (`Accept: text/csv` or `?format=csv`). Figures are exact, or upper bounds flagged in `meta.estimated` and `meta.metric_warnings`; what stepwise does not keep is a 400 `{error}` saying why. docs/plausible-api.md.",
    tag: "plausible",
    access: "report",
    jsonBody: plausibleQuerySchema,
    answers: [
      {
        status: 200,
        description: "The results, meta and the query as run.",
        schema: plausibleQueryAnswerSchema,
        examples: example("visitors and events over 7 days", PLAUSIBLE_QUERY_EXAMPLE),
      },
    ],
    errors: [],
    plausibleErrors: PLAUSIBLE_ERRORS,
  },
  {
    method: "get",
    path: "/api/v1/stats/realtime/visitors",
    operationId: "plausibleRealtimeVisitors",
    summary: "Plausible v1: visitors in the last five minutes",
    description: PLAUSIBLE_V1,
    tag: "plausible",
    access: "report",
    queryParameters: plausibleV1QuerySchema.pick({ site_id: true }),
    answers: [{ status: 200, description: "A bare number.", schema: plausibleRealtimeAnswerSchema, headers: noStore }],
    errors: [],
    plausibleErrors: PLAUSIBLE_ERRORS,
  },
  {
    method: "get",
    path: "/api/v1/stats/aggregate",
    operationId: "plausibleAggregate",
    summary: "Plausible v1: metrics over a period",
    description: PLAUSIBLE_V1,
    tag: "plausible",
    access: "report",
    queryParameters: plausibleV1QuerySchema.omit({ property: true, interval: true, limit: true, page: true, format: true }),
    answers: [{ status: 200, description: "`{results: {<metric>: {value}}}`.", schema: plausibleAggregateAnswerSchema }],
    errors: [],
    plausibleErrors: PLAUSIBLE_ERRORS,
  },
  {
    method: "get",
    path: "/api/v1/stats/timeseries",
    operationId: "plausibleTimeseries",
    summary: "Plausible v1: metrics per day, month or hour",
    description: `${PLAUSIBLE_V1} CSV with \`format=csv\`.`,
    tag: "plausible",
    access: "report",
    queryParameters: plausibleV1QuerySchema.omit({ property: true, limit: true, page: true }),
    answers: [{ status: 200, description: "`{results: [{date, <metric>...}]}`.", schema: plausibleTimeseriesAnswerSchema }],
    errors: [],
    plausibleErrors: PLAUSIBLE_ERRORS,
  },
  {
    method: "get",
    path: "/api/v1/stats/breakdown",
    operationId: "plausibleBreakdown",
    summary: "Plausible v1: metrics per value of a property",
    description: `${PLAUSIBLE_V1} CSV with \`format=csv\`.`,
    tag: "plausible",
    access: "report",
    queryParameters: plausibleV1QuerySchema.omit({ interval: true }),
    answers: [{ status: 200, description: "`{results: [{<property>, <metric>...}]}`.", schema: plausibleBreakdownAnswerSchema }],
    errors: [],
    plausibleErrors: PLAUSIBLE_ERRORS,
  },
  {
    method: "post",
    path: "/api/send",
    operationId: "umamiSend",
    summary: "Umami's collector: one collection",
    description:
      "As Umami's tracker and @umami/node send it: `{type, payload: {website, hostname, url, referrer, title, screen, language, name, data, tag?, id?, timestamp?}}` as JSON. `website` is a site id or a UUID the site lists in `umamiWebsiteIds`; an `event` without `name` is a pageview; `data` holds properties; `identify` counts nothing; `id` is never used; `timestamp` only from a trusted sender. Answered 200 once the hit is durable. docs/api.md, Umami's collector.",
    tag: "ingest",
    access: "sender",
    answers: [{ status: 200, description: "Recorded (durable) or dropped.", schema: umamiSendAnswerSchema }],
    errors: [
      "malformed_json",
      "invalid_event",
      "invalid_encoding",
      "unauthorized",
      "body_timeout",
      "body_too_large",
      "unsupported_media_type",
      "rate_limited",
      "unavailable",
      "internal_error",
    ],
  },
  {
    method: "post",
    path: "/api/batch",
    operationId: "umamiBatch",
    summary: "Umami's collector: several collections",
    description:
      "A JSON array of what /api/send takes (at most 50), each taken in order; refused items are listed in `details` with their error envelope.",
    tag: "ingest",
    access: "sender",
    answers: [{ status: 200, description: "What was processed, refused and dropped.", schema: umamiBatchAnswerSchema }],
    errors: [
      "malformed_json",
      "invalid_event",
      "invalid_encoding",
      "unauthorized",
      "body_timeout",
      "body_too_large",
      "unsupported_media_type",
      "unavailable",
      "internal_error",
    ],
  },
  {
    method: "get",
    path: "/api/health",
    operationId: "getHealth",
    summary: "Uptime check",
    description: "Answers without a token and without touching any site's store: the Worker is deployed and its config loads.",
    tag: "operations",
    access: "public",
    answers: [{ status: 200, description: "Up.", schema: healthAnswerSchema, headers: noStore, examples: example("up", HEALTH_EXAMPLE) }],
    errors: ["internal_error"],
  },
  {
    method: "get",
    path: "/api/sites",
    operationId: "listSites",
    summary: "The configured sites (admin token)",
    description: "Sites accepted unconfigured (`UNKNOWN_SITES=accept`) are not listed.",
    tag: "operations",
    access: "admin",
    answers: [{ status: 200, description: "The sites.", schema: sitesAnswerSchema, examples: example("one site", SITES_EXAMPLE) }],
    errors: ADMIN_ERRORS,
  },
  {
    method: "delete",
    path: "/api/sites/{site}/data",
    operationId: "eraseSiteData",
    summary: "Erase everything stored for a site (admin token)",
    description:
      "Every shard: counters, visitor rows, salts, the write log, the alarm. The site counts again from its next hit. Cannot be undone.",
    tag: "operations",
    access: "admin",
    answers: [{ status: 200, description: "Erased.", schema: eraseAnswerSchema, examples: example("erased", ERASE_EXAMPLE) }],
    errors: [...ADMIN_ERRORS, "not_found", "unavailable"],
  },
  {
    method: "get",
    path: "/api/openapi.json",
    operationId: "getOpenApiDocument",
    summary: "This document",
    tag: "operations",
    access: "public",
    answers: [{ status: 200, description: "The OpenAPI 3.1 document.", schema: "document" }],
    errors: ["internal_error"],
  },
  {
    method: "get",
    path: "/",
    operationId: "getDirectory",
    summary: "A directory of the endpoints",
    tag: "operations",
    access: "public",
    answers: [{ status: 200, description: '`{ name, <what>: "<METHOD> <path>" }`', schema: directoryAnswerSchema }],
    errors: [],
  },
  {
    method: "get",
    path: "/t.js",
    operationId: "getTracker",
    summary: "The browser tracker",
    description: "Served with `Cache-Control: public, max-age=3600`. What it sends: docs/tracker.md.",
    tag: "tracker",
    access: "public",
    answers: [{ status: 200, description: "The tracker script.", schema: "javascript" }],
    errors: [],
  },
];

// ---------------------------------------------------------------------------------------------
// Generation

const JSON_SCHEMA = {
  target: "draft-2020-12",
  unrepresentable: "any",
  // zod bounds every integer to the safe range; said on every count, it is noise.
  override: ({ jsonSchema }: { jsonSchema: { minimum?: unknown; maximum?: unknown } }) => {
    if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
    if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
  },
} as const;
const COMPONENTS = "#/components/schemas/";

/** A JSON Schema as embedded in the document: without `$schema` (the document's dialect applies). */
function embedded(schema: Json): Json {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

/** A schema, as a reference to its component when it has an id, inline otherwise. */
function schemaOf(schema: z.ZodType): Json {
  const id = z.globalRegistry.get(schema)?.id;
  return id === undefined ? embedded(z.toJSONSchema(schema, { ...JSON_SCHEMA, io: "output" })) : { $ref: `${COMPONENTS}${id}` };
}

/**
 * The event body, from the schema that validates it, plus the short name of each field
 * (http/event-body.ts maps them before validating): either spelling, not both.
 */
function eventBodySchema(): Json {
  const { properties: longNames, required: longRequired, ...json } = embedded(z.toJSONSchema(eventSchema, { ...JSON_SCHEMA, io: "input" }));
  const properties = { ...(longNames as Record<string, Json>) };
  const required = new Set(longRequired as string[]);
  const either: Json[] = [];
  for (const [long, short] of Object.entries(FIELD_ALIASES)) {
    const described = properties[long] ?? {};
    properties[short] = { ...described, description: `short for \`${long}\`` };
    if (required.delete(long)) either.push({ oneOf: [{ required: [long] }, { required: [short] }] });
    else either.push({ not: { required: [long, short] } });
  }
  return {
    ...json,
    description: `A hit. Unknown fields are ignored. Engagement events (\`name: engagement\`) need \`sd\` and \`e\`. The whole body is at most 32 KiB.`,
    properties,
    ...(required.size > 0 ? { required: [...required] } : {}),
    allOf: either,
  };
}

const PROPERTY_PLACEHOLDER = "<name>";

function filterDescription(field: string): string {
  if ((FILTER_FIELDS as readonly string[]).includes(field))
    return `main filter: exact value of \`${field}\`; combines with the other main filters`;
  return `added-dimension filter: exact value of \`${field}\`; one at a time, with \`goal\` at most, and by day (docs/api.md, Exact figures)`;
}

/**
 * The query parameters of a stats endpoint, from `statsQuerySchema`, the schema that validates
 * them, built as for a site with one property: its `props.<name>` filter becomes a parameter of
 * free-form `props.*` keys (OpenAPI's form-exploded object). Keyed by parameter name.
 */
function queryParameters(endpoint: NonNullable<OperationSpec["query"]>): Map<string, Json> {
  const schema = statsQuerySchema(0, { by: endpoint === "channels", properties: [PROPERTY_PLACEHOLDER] });
  const json = z.toJSONSchema(schema, { ...JSON_SCHEMA, io: "input" });
  const parameters = new Map<string, Json>();
  for (const [name, property] of Object.entries(json.properties ?? {}) as [string, Json][]) {
    // Only the report has breakdowns (routes/stats-route.ts answers 400 elsewhere).
    if (name === "breakdowns" && endpoint !== "report") continue;
    const { description, ...valueSchema } = property;
    if (name === `props.${PROPERTY_PLACEHOLDER}`) {
      parameters.set("props", {
        name: "props",
        in: "query",
        description:
          "added-dimension filters on custom properties: `props.<name>=<value>` for a property the site lists in `properties`; one at a time like the other added filters",
        style: "form",
        explode: true,
        schema: { type: "object", propertyNames: { pattern: "^props\\..+$" }, additionalProperties: valueSchema },
      });
      continue;
    }
    const isFilter = [...FILTER_FIELDS, ...ADDED_DIMENSIONS].includes(name as never);
    parameters.set(name, {
      name,
      in: "query",
      required: false,
      description: isFilter ? filterDescription(name) : description,
      schema: valueSchema,
    });
  }
  return parameters;
}

const SITE_PARAMETER = {
  name: "site",
  in: "path",
  required: true,
  description: "the site id, e.g. `shop.example` (lower-cased before use)",
  schema: { type: "string", pattern: SITE_ID_IN_PATH.source },
};

/** The error answers of an operation: one per status, its `code` narrowed to the codes it may carry. */
export function errorAnswers(codes: readonly ErrorCode[]): Map<number, [ErrorCode, ...ErrorCode[]]> {
  const byStatus = new Map<number, [ErrorCode, ...ErrorCode[]]>();
  for (const code of codes) {
    const status = ERROR_CODES[code].status;
    const known = byStatus.get(status);
    if (known) known.push(code);
    else byStatus.set(status, [code]);
  }
  return byStatus;
}

const ERROR_HEADERS: Partial<Record<number, Record<string, Json>>> = {
  401: { "WWW-Authenticate": { description: '`Bearer realm="stepwise"`', schema: { type: "string" } } },
  429: { "Retry-After": { description: "seconds: `60`", schema: { type: "string" } } },
  503: { "Retry-After": { description: "seconds: `1`", schema: { type: "string" } } },
};

/** The `Error` component, its `code` narrowed to the codes an answer may carry (`errorEnvelopeSchema(codes)`). */
const narrowedError = (codes: readonly ErrorCode[]): Json => ({
  $ref: `${COMPONENTS}Error`,
  properties: { error: { properties: { code: { enum: codes } } } },
});

function answerContent(answer: Answer): Json {
  if (answer.schema === "javascript") return { "application/javascript": { schema: { type: "string" } } };
  if (answer.schema === "document") return { "application/json": { schema: { type: "object", description: "an OpenAPI 3.1 document" } } };
  return { "application/json": { schema: schemaOf(answer.schema), ...(answer.examples ? { examples: answer.examples } : {}) } };
}

function operationObject(spec: OperationSpec): Json {
  const responses: Record<string, Json> = {};
  for (const answer of spec.answers) {
    responses[String(answer.status)] = {
      description: answer.description,
      ...(answer.headers ? { headers: answer.headers } : {}),
      content: answerContent(answer),
    };
  }
  for (const [status, codes] of errorAnswers(spec.errors)) {
    const examples = Object.fromEntries(Object.entries(ERROR_EXAMPLES).filter(([, { value }]) => codes.includes(value.error.code)));
    responses[String(status)] = {
      description: codes.map((code) => `\`${code}\`: ${ERROR_CODES[code].meaning}`).join("; "),
      ...(ERROR_HEADERS[status] ? { headers: ERROR_HEADERS[status] } : {}),
      content: { "application/json": { schema: narrowedError(codes), ...(Object.keys(examples).length > 0 ? { examples } : {}) } },
    };
  }
  for (const status of spec.plausibleErrors ?? []) {
    responses[String(status)] = {
      description: PLAUSIBLE_ERROR_MEANINGS[status] ?? "an error",
      ...(ERROR_HEADERS[status] ? { headers: ERROR_HEADERS[status] } : {}),
      content: { "application/json": { schema: schemaOf(plausibleErrorSchema) } },
    };
  }
  const names = [...(spec.path.includes("{site}") ? ["site"] : []), ...(spec.query ? queryParameters(spec.query).keys() : [])];
  const parameters: Json[] = [
    ...names.map((name) => ({ $ref: `#/components/parameters/${name}` })),
    ...(spec.queryParameters ? inlineParameters(spec.queryParameters) : []),
  ];
  const security = { public: [], sender: [{}, { bearerToken: [] }], report: [{ bearerToken: [] }], admin: [{ bearerToken: [] }] }[
    spec.access
  ];
  return {
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: [spec.tag],
    security,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(spec.eventBody
      ? {
          requestBody: {
            required: true,
            content: {
              "text/plain": {
                schema: { type: "string", contentMediaType: "application/json", contentSchema: { $ref: `${COMPONENTS}Event` } },
              },
              "application/json": { schema: { $ref: `${COMPONENTS}Event` }, examples: EVENT_EXAMPLES },
            },
          },
        }
      : {}),
    ...(spec.jsonBody ? { requestBody: { required: true, content: { "application/json": { schema: schemaOf(spec.jsonBody) } } } } : {}),
    responses,
  };
}

/** What a Plausible-shaped error means at each status. */
const PLAUSIBLE_ERROR_MEANINGS: Record<number, string> = {
  400: "the query is invalid, or asks for what stepwise does not keep: `error` says why",
  401: "missing or wrong bearer token",
  403: "the deployment has no token at all, so reports are refused",
  404: "no such site, or one this token may not read",
  413: "the body is over 64 KiB",
  500: "a bug: logged, answered without details",
  503: "the site's store failed or was reset; Retry-After: 1",
};

/** Query parameters from a zod object schema, inline (Plausible's v1 endpoints). */
function inlineParameters(schema: z.ZodObject): Json[] {
  const json = z.toJSONSchema(schema, { ...JSON_SCHEMA, io: "input" });
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...valueSchema } = property as Json;
    return { name, in: "query", required: required.has(name), ...(description ? { description } : {}), schema: valueSchema };
  });
}

/** The OpenAPI 3.1 document of every endpoint. Pure; the route builds it once per isolate. */
export function buildOpenApiDocument(version: string): OpenApiDocument {
  // Every answer schema with an id (`.meta({ id })`), and the error envelope, as components.
  const { schemas } = z.toJSONSchema(z.globalRegistry, { ...JSON_SCHEMA, io: "output", uri: (id) => `${COMPONENTS}${id}` });
  const components: Record<string, Json> = { Event: eventBodySchema() };
  for (const [id, schema] of Object.entries(schemas)) {
    // The uri is a reference into this document, not an identifier of its own.
    const { $id: _uri, ...rest } = embedded(schema as Json);
    components[id] = rest;
  }
  // Every stats endpoint's parameters: the report's, and the channels' `by`.
  const parameters: Record<string, Json> = {
    site: SITE_PARAMETER,
    ...Object.fromEntries(queryParameters("report")),
    ...Object.fromEntries(queryParameters("channels")),
  };

  const paths: Record<string, Record<string, Json>> = {};
  for (const spec of OPERATIONS) paths[spec.path] = { ...paths[spec.path], [spec.method]: operationObject(spec) };

  return {
    openapi: "3.1.1",
    info: {
      title: "stepwise",
      version,
      description:
        "Privacy-friendly micro and macro conversion analytics. Every error has one envelope, `{ error: { code, message, issues? } }` (the Error schema lists every code). Reports need `Authorization: Bearer <token>`: the admin token reads every site, a site read token that site. CORS on `/api/*` allows any origin. Reference and definitions: docs/api.md and docs/definitions.md.",
    },
    tags: [
      { name: "ingest", description: "Hits from the tracker and from server-side senders" },
      { name: "reports", description: "Reports of a site; every one takes the same query and echoes `site`, `range` and `filters`" },
      { name: "operations", description: "Uptime, sites, erasure and this document" },
      { name: "tracker", description: "The browser tracker" },
      {
        name: "plausible",
        description:
          "Plausible's Stats API v2 and v1 for clients built for Plausible; errors in Plausible's shape `{error}` (docs/plausible-api.md)",
      },
    ],
    paths,
    // What stepwise itself sends: the daily alarm's post to a site's alertWebhook (storage/alert-webhook.ts).
    webhooks: {
      breakageAlerts: {
        post: {
          operationId: "breakageAlertsWebhook",
          summary: "A closed day's breakage alerts, posted to the site's alertWebhook",
          description:
            "Sent by the daily alarm just after the site's local midnight, only when the day that closed has at least one alert (as `GET /api/stats/{site}/alerts?to=<date>` lists them). A network error, no answer within 5 s or any status but 2xx (redirects are not followed) is retried by the next nights' alarms for 7 days. At least once: key on `site` and `date`.",
          tags: ["reports"],
          requestBody: {
            required: true,
            content: { "application/json": { schema: { $ref: `${COMPONENTS}AlertWebhookBody` } } },
          },
          responses: { "2XX": { description: "Delivered." } },
        },
      },
    },
    components: {
      schemas: components,
      parameters,
      securitySchemes: {
        bearerToken: {
          type: "http",
          scheme: "bearer",
          description:
            "The admin token (STATS_TOKEN) or, for reports, a site read token; for ingest, a site's ingest token marks a trusted sender.",
        },
      },
    },
  } as OpenApiDocument;
}

/** For tests: the zod schema of an operation's answer with this status, if the document describes one. */
export function answerSchemaOf(spec: OperationSpec, status: number): z.ZodType | undefined {
  const answer = spec.answers.find((candidate) => candidate.status === status);
  if (answer) return typeof answer.schema === "string" ? undefined : answer.schema;
  if (spec.plausibleErrors?.includes(status)) return plausibleErrorSchema;
  const codes = errorAnswers(spec.errors).get(status);
  return codes ? errorEnvelopeSchema(codes) : undefined;
}
