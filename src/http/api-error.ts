import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import type { ErrorCode, ErrorEnvelope, fieldIssueSchema } from "../schemas/error-schema";

/** One problem with a request, pointing at the field as the client spelled it. */
export type FieldIssue = z.infer<typeof fieldIssueSchema>;

/**
 * The one error envelope of the whole API:
 * `{ "error": { "code": "invalid_event", "message": "...", "issues": [{ "field", "message" }] } }`.
 * Codes are stable, listed with their status in schemas/error-schema.ts (so in the OpenAPI
 * document) and in docs/api.md, "Errors"; messages are for people.
 */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly issues?: readonly FieldIssue[],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  toJSON(): ErrorEnvelope {
    return { error: { code: this.code, message: this.message, ...(this.issues ? { issues: [...this.issues] } : {}) } };
  }
}
