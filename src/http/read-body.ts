import { ApiError } from "./api-error";

/** A whole body must arrive within this time; a slow or stalled one is cut off (408). */
export const BODY_READ_TIMEOUT_MS = 5_000;

/**
 * Reads a request body as UTF-8 text, refusing more than `maxBytes` before reading it all:
 * the Content-Length is checked first, and a chunked or lying body is cut off as soon as it
 * passes the cap, so an endless body costs at most `maxBytes` of memory. A body that is not
 * complete within BODY_READ_TIMEOUT_MS is cut off too.
 */
export async function readCappedText(request: Request, maxBytes: number): Promise<string> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (request.body === null) return "";

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), BODY_READ_TIMEOUT_MS);
  });
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), deadline]);
      if (next === "timeout") {
        // Not awaited: cancelling a stalled stream may itself wait on the stalled sender.
        reader.cancel().catch(() => undefined);
        throw new ApiError(408, "body_timeout", `The body did not arrive within ${BODY_READ_TIMEOUT_MS / 1_000} seconds.`);
      }
      const { done, value } = next;
      if (done) break;
      received += value.byteLength;
      if (received > maxBytes) {
        await reader.cancel();
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
  } finally {
    clearTimeout(timer);
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ApiError(400, "invalid_encoding", "The body is not valid UTF-8.");
  }
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, "body_too_large", `The body is larger than ${maxBytes} bytes.`);
}

/**
 * Accepts JSON sent as `text/plain` (what sendBeacon and no-preflight fetch send) or
 * `application/json`; a missing Content-Type is accepted for bare server-side senders.
 */
export function assertJsonOrText(request: Request): void {
  const contentType = request.headers.get("content-type");
  if (contentType === null) return;
  const mediaType = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  if (mediaType === "text/plain" || mediaType === "application/json") return;
  throw new ApiError(415, "unsupported_media_type", "Send the event as JSON with Content-Type text/plain or application/json.");
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, "malformed_json", "The body is not valid JSON.");
  }
}
