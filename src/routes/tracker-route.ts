import { Hono } from "hono";
import { TRACKER_SCRIPT } from "../generated/tracker-script";

export const trackerRoute = new Hono<{ Bindings: Env }>();

/** GET /t.js: the tracker (src/tracker/tracker.ts, built by scripts/build-tracker.mjs). */
trackerRoute.get("/t.js", (c) =>
  c.body(TRACKER_SCRIPT, 200, {
    "Content-Type": "application/javascript; charset=utf-8",
    // An hour: a fixed tracker reaches every visitor within the hour, and browsers revalidate cheaply.
    "Cache-Control": "public, max-age=3600",
  }),
);
