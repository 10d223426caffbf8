import { ApiError } from "./api-error";

/**
 * Every call into a site's store goes through here: a store that fails (reset, overloaded,
 * unreachable, a storage error) becomes the documented 503 with Retry-After, never a 500. Nothing
 * was acknowledged, so the client may retry; with an event id, a hit stored after all is counted
 * once. The log line names the site and the error, nothing of the request.
 */
export async function storeCall<T>(siteId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    console.error(
      JSON.stringify({ message: "store unavailable", site: siteId, error: error instanceof Error ? error.message : String(error) }),
    );
    throw new ApiError(503, "unavailable", "The site's store is briefly unavailable; try again.", undefined, { "Retry-After": "1" });
  }
}
