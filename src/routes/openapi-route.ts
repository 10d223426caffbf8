import { Hono } from "hono";
import { version } from "../../package.json";
import { buildOpenApiDocument } from "../schemas/openapi-document";

export const openapiRoute = new Hono<{ Bindings: Env }>();

/** Built on the first request and kept for the isolate's life: it depends on the code alone. */
let documentText: string | undefined;

/**
 * GET /api/openapi.json: the OpenAPI 3.1 document of every endpoint (schemas/openapi-document.ts),
 * generated from the zod schemas. No token: it describes the API, not any site's data.
 */
openapiRoute.get("/api/openapi.json", (c) => {
  documentText ??= JSON.stringify(buildOpenApiDocument(version));
  return c.body(documentText, 200, { "Content-Type": "application/json; charset=UTF-8", "Cache-Control": "public, max-age=3600" });
});
