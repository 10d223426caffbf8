import type { ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { ApiError } from "./api-error";

/**
 * The one place errors become responses. Known errors keep their status and code; anything
 * else is logged as structured JSON and answered with a generic 500, never a stack trace.
 */
export const handleError: ErrorHandler = (error, c) => {
  if (error instanceof ApiError) return c.json(error.toJSON(), error.status, { ...error.headers });
  if (error instanceof HTTPException && error.status < 500) {
    return c.json(new ApiError(error.status, "bad_request", error.message || "Bad request.").toJSON(), error.status);
  }
  console.error(
    JSON.stringify({
      message: "unhandled error",
      error: error instanceof Error ? error.message : String(error),
      path: new URL(c.req.url).pathname,
    }),
  );
  return c.json(new ApiError(500, "internal_error", "Something went wrong on our side.").toJSON(), 500);
};
