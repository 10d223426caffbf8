import { UMAMI_LIMITS, type UmamiCollection, umamiCollectionSchema } from "../schemas/umami-schema";
import { ApiError } from "./api-error";
import { MAX_EVENT_BYTES, toFieldIssues } from "./event-body";
import { assertJsonOrText, parseJson, readCappedText } from "./read-body";

/** Largest accepted POST /api/batch body: room for a full batch of ordinary hits. */
export const MAX_BATCH_BYTES = 256 * 1024;

/** Validates one Umami collection `{type, payload}`; throws ApiError 400 naming each bad field (`payload.url`). */
export function parseUmamiCollection(body: unknown): UmamiCollection {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new ApiError(400, "invalid_event", "The body must be a JSON object.", [{ field: "(body)", message: "expected a JSON object" }]);
  }
  const parsed = umamiCollectionSchema.safeParse(body);
  if (!parsed.success) throw new ApiError(400, "invalid_event", "The event has invalid fields.", toFieldIssues(parsed.error.issues));
  return parsed.data;
}

/** Reads, caps (as POST /api/event: 32 KiB, 5 s), parses and validates POST /api/send's body. */
export async function readUmamiCollection(request: Request): Promise<UmamiCollection> {
  assertJsonOrText(request);
  return parseUmamiCollection(parseJson(await readCappedText(request, MAX_EVENT_BYTES)));
}

/**
 * Reads, caps and parses POST /api/batch's body: a JSON array of at most
 * UMAMI_LIMITS.batchItems collections, each still to be validated on its own.
 */
export async function readUmamiBatch(request: Request): Promise<unknown[]> {
  assertJsonOrText(request);
  const body = parseJson(await readCappedText(request, MAX_BATCH_BYTES));
  if (!Array.isArray(body)) {
    throw new ApiError(400, "invalid_event", "The body must be a JSON array of collections.", [
      { field: "(body)", message: "expected a JSON array of {type, payload} objects" },
    ]);
  }
  const max = UMAMI_LIMITS.batchItems;
  if (body.length > max) {
    throw new ApiError(400, "invalid_event", `A batch holds at most ${max} collections.`, [
      { field: "(body)", message: `at most ${max} items, got ${body.length}` },
    ]);
  }
  return body;
}
