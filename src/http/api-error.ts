import type { ContentfulStatusCode } from "hono/utils/http-status";

/** One problem with a request, pointing at the field as the client spelled it. */
export interface FieldIssue {
  field: string;
  message: string;
}

/**
 * The one error envelope of the whole API:
 * `{ "error": { "code": "invalid_event", "message": "...", "issues": [{ "field", "message" }] } }`.
 * Codes are stable and documented in docs/api.md, "Errors"; messages are for people.
 */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly issues?: readonly FieldIssue[],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  toJSON(): { error: { code: string; message: string; issues?: readonly FieldIssue[] } } {
    return { error: { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) } };
  }
}
