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
  const bytes = declared !== null ? await readFramed(request, maxBytes) : await readStream(request.body, maxBytes);
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new ApiError(400, "invalid_encoding", "The body is not valid UTF-8.");
  }
}

/** Reused: decoding without `stream` keeps no state between calls. */
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Resolves to "timeout" after BODY_READ_TIMEOUT_MS; `stop` clears the timer. */
function bodyDeadline(): { deadline: Promise<"timeout">; stop: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), BODY_READ_TIMEOUT_MS);
  });
  return { deadline, stop: () => clearTimeout(timer) };
}

const bodyTimeout = () => new ApiError(408, "body_timeout", `The body did not arrive within ${BODY_READ_TIMEOUT_MS / 1_000} seconds.`);

/**
 * A body framed by a Content-Length already checked against the cap: HTTP framing delivers no
 * more than that, so it is read in one call (every beacon: sendBeacon and fetch declare it). The
 * chunk-by-chunk read took about a tenth of ingest's CPU in `npm run bench`'s profile.
 */
async function readFramed(request: Request, maxBytes: number): Promise<Uint8Array> {
  const { deadline, stop } = bodyDeadline();
  try {
    const read = await Promise.race([request.arrayBuffer(), deadline]);
    if (read === "timeout") throw bodyTimeout();
    // A request built in a worker (not framed by HTTP) can carry more than it declares.
    if (read.byteLength > maxBytes) throw tooLarge(maxBytes);
    return new Uint8Array(read);
  } finally {
    stop();
  }
}

/** A body without a Content-Length (chunked), cut off as soon as it passes the cap. */
async function readStream(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  const { deadline, stop } = bodyDeadline();
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), deadline]);
      if (next === "timeout") {
        // Not awaited: cancelling a stalled stream may itself wait on the stalled sender.
        reader.cancel().catch(() => undefined);
        throw bodyTimeout();
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
    stop();
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
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
