import type { z } from "zod";
import { type EventPayload, eventSchema, FIELD_ALIASES, type LongFieldName } from "../schemas/event-schema";
import { ApiError, type FieldIssue } from "./api-error";
import { assertJsonOrText, parseJson, readCappedText } from "./read-body";

/** Largest accepted event body. Plausible's field caps fit well inside it for any real hit. */
export const MAX_EVENT_BYTES = 32 * 1024;

/**
 * Maps short field names to long ones, remembering which spelling the client used so that
 * errors name the field as it was sent. Sending both spellings of a field is an error.
 */
function unalias(body: Record<string, unknown>): { fields: Record<string, unknown>; spelling: Map<string, string>; issues: FieldIssue[] } {
  const fields: Record<string, unknown> = { ...body };
  const spelling = new Map<string, string>();
  const issues: FieldIssue[] = [];
  for (const [long, short] of Object.entries(FIELD_ALIASES) as [LongFieldName, string][]) {
    const hasLong = Object.hasOwn(body, long);
    const hasShort = Object.hasOwn(body, short);
    if (hasLong && hasShort) issues.push({ field: short, message: `send either ${long} or ${short}, not both` });
    if (!hasLong && hasShort) {
      fields[long] = body[short];
      spelling.set(long, short);
    }
    delete fields[short];
  }
  return { fields, spelling, issues };
}

/** Path segments are echoed back; a 300-character prop key is shortened so the error stays readable. */
const MAX_ECHOED_SEGMENT = 64;
const echo = (segment: PropertyKey) => {
  const text = String(segment);
  return text.length > MAX_ECHOED_SEGMENT ? `${text.slice(0, MAX_ECHOED_SEGMENT)}…` : text;
};

/** zod's issues as the envelope's `issues`, each naming its field as the client spelled it (`payload.url`, `n`). */
export function toFieldIssues(issues: readonly z.core.$ZodIssue[], spelling: ReadonlyMap<string, string> = new Map()): FieldIssue[] {
  return issues.map((issue) => {
    const [head, ...rest] = issue.path.map(echo);
    const field = [spelling.get(head ?? "") ?? head ?? "(body)", ...rest].join(".");
    return { field, message: issue.message };
  });
}

/** Reads, caps, parses and validates an event; throws ApiError (400/413/415) naming each bad field. */
export async function readEvent(request: Request): Promise<EventPayload> {
  assertJsonOrText(request);
  const body = parseJson(await readCappedText(request, MAX_EVENT_BYTES));
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new ApiError(400, "invalid_event", "The body must be a JSON object.", [{ field: "(body)", message: "expected a JSON object" }]);
  }
  const { fields, spelling, issues } = unalias(body as Record<string, unknown>);
  const parsed = eventSchema.safeParse(fields);
  const allIssues = [...issues, ...(parsed.success ? [] : toFieldIssues(parsed.error.issues, spelling))];
  if (!parsed.success || allIssues.length > 0) {
    throw new ApiError(400, "invalid_event", "The event has invalid fields.", allIssues);
  }
  return parsed.data;
}
