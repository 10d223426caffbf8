import { Hono } from "hono";
import { cors } from "hono/cors";
import { ApiError } from "./http/api-error";
import { handleError } from "./http/handle-error";
import { adminRoute } from "./routes/admin-route";
import { dashboardRoute } from "./routes/dashboard-route";
import { demoRoute } from "./routes/demo-route";
import { DROP_HEADER, ingestRoute } from "./routes/ingest-route";
import { openapiRoute } from "./routes/openapi-route";
import { plausibleRoute } from "./routes/plausible-route";
import { statsRoute } from "./routes/stats-route";
import { trackerRoute } from "./routes/tracker-route";
import { umamiRoute } from "./routes/umami-route";

/**
 * stepwise collector: POST /api/event ingests hits, GET /api/stats/:site reports, GET /t.js is
 * the tracker, /dashboard/ the dashboard, /demo/ the demo shop in local development (README.md; reference in docs/api.md).
 */
const app = new Hono<{ Bindings: Env }>();

// Any site may send hits, and reports carry a bearer token rather than cookies, so `*` is safe.
app.use(
  "/api/*",
  cors({
    origin: "*",
    allowMethods: ["GET", "POST", "DELETE", "OPTIONS"],
    // x-umami-cache: Umami's tracker sends it back on every hit (routes/umami-route.ts; never read).
    allowHeaders: ["Content-Type", "Authorization", "x-umami-cache"],
    exposeHeaders: [DROP_HEADER],
    maxAge: 86_400,
  }),
);
app.get("/", (c) =>
  c.json({
    name: "stepwise",
    ingest: "POST /api/event",
    reports: "GET /api/stats/:site",
    tracker: "GET /t.js",
    health: "GET /api/health",
    openapi: "GET /api/openapi.json",
    plausible: "POST /api/v2/query, GET /api/v1/stats/*",
    dashboard: "GET /dashboard/",
  }),
);
app.route("/", ingestRoute);
app.route("/", umamiRoute);
app.route("/", adminRoute);
app.route("/", statsRoute);
app.route("/", plausibleRoute);
app.route("/", trackerRoute);
app.route("/", openapiRoute);
app.route("/", demoRoute);
app.route("/", dashboardRoute);
app.notFound(() => {
  throw new ApiError(404, "not_found", "No such endpoint.");
});
app.onError(handleError);

export default app;
export { SiteStore } from "./storage/site-store";
