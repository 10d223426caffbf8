import { z } from "zod";

/**
 * Every error code of the API, with its status and meaning (docs/api.md, "Errors"). ApiError takes
 * only these codes, so a new code is a type error until it is listed here, and then it is in the
 * OpenAPI document (schemas/openapi-document.ts).
 */
export const ERROR_CODES = {
  bad_request: { status: 400, meaning: "a request the framework itself refused" },
  malformed_json: { status: 400, meaning: "the body is not JSON" },
  invalid_event: { status: 400, meaning: "the event has invalid fields (listed in `issues`)" },
  invalid_encoding: { status: 400, meaning: "the body is not valid UTF-8" },
  invalid_query: { status: 400, meaning: "a stats query parameter is invalid or unknown" },
  unsupported_filter: { status: 400, meaning: "a filter, breakdown or interval this endpoint does not count exactly (`issues` says why)" },
  unauthorized: { status: 401, meaning: "missing or wrong bearer token" },
  reporting_disabled: { status: 403, meaning: "the deployment has no token at all, so reports are refused" },
  not_found: { status: 404, meaning: "no such endpoint, or a site this token may not read" },
  method_not_allowed: { status: 405, meaning: "/api/event with a method other than POST" },
  body_timeout: { status: 408, meaning: "the body did not arrive within 5 seconds" },
  body_too_large: { status: 413, meaning: "the body is over 32 KiB" },
  unsupported_media_type: { status: 415, meaning: "a Content-Type other than text/plain or application/json" },
  rate_limited: { status: 429, meaning: "over the hits a minute one client may send a site; Retry-After: 60" },
  internal_error: { status: 500, meaning: "a bug: logged, answered without details" },
  unavailable: { status: 503, meaning: "the site's store failed or was reset; Retry-After: 1" },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
export const errorCodes = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

/** One problem with a request, pointing at the field as the client spelled it. */
export const fieldIssueSchema = z.strictObject({
  field: z
    .string()
    .meta({ description: "the offending field as the client spelled it (`n`, `revenue.amount`, `from`), or `(body)`/`(query)`" }),
  message: z.string(),
});

/**
 * The one error envelope of the whole API, narrowed to `codes` (every code by default): what an
 * answer with a given status may carry.
 */
export function errorEnvelopeSchema(codes: readonly [ErrorCode, ...ErrorCode[]] = errorCodes) {
  return z.strictObject({
    error: z.strictObject({
      code: z.enum(codes).meta({ description: "stable; see the table in docs/api.md, Errors" }),
      message: z.string().meta({ description: "for people; may change" }),
      issues: z.array(fieldIssueSchema).optional().meta({ description: "for invalid input: each offending field" }),
    }),
  });
}

/** The envelope with every code: the `Error` component of the OpenAPI document. */
export const errorSchema = errorEnvelopeSchema().meta({ id: "Error" });

export type ErrorEnvelope = z.infer<ReturnType<typeof errorEnvelopeSchema>>;
