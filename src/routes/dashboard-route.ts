import { Hono } from "hono";
import { siteDirectory } from "../config/sites";
import { SITE_ID_IN_PATH } from "../domain/site/site";
import { DASHBOARD_ASSETS, DASHBOARD_SCRIPT, DASHBOARD_STYLE } from "../generated/dashboard-assets";
import { ApiError } from "../http/api-error";

/**
 * The dashboard (src/dashboard/, built by scripts/build-dashboard.mjs and embedded in the bundle):
 * /dashboard/ signs in and lists the sites, /dashboard/:site shows one. The page is a shell; the
 * data comes from the same JSON API as every other client, with the token the page holds
 * (docs/dashboard.md).
 */
export const dashboardRoute = new Hono<{ Bindings: Env }>();

/**
 * Only the dashboard's own files: no inline script or style, no other origin, no framing. The API
 * is `'self'`, so a token the page holds can only be sent back here.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const ASSETS_PATH = "/dashboard/assets/";
const ICON = "icon.svg";
const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1d4ed8"/><path d="M6 24h6v-6h6v-6h8" fill="none" stroke="#fff" stroke-width="3" stroke-linejoin="round"/></svg>';

/**
 * The page: the built style sheet and script by their hashed names, and a place to draw into. A
 * public site's page says so, so that it opens without a token; any other path gets the same page
 * (whether a site exists is for the API to say, to a token).
 */
const shell = (access: "public" | "token") => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<meta name="stepwise-access" content="${access}">
<title>stepwise dashboard</title>
<link rel="icon" href="${ASSETS_PATH}${ICON}" type="image/svg+xml">
<link rel="stylesheet" href="${ASSETS_PATH}${DASHBOARD_STYLE}">
<script defer src="${ASSETS_PATH}${DASHBOARD_SCRIPT}"></script>
</head>
<body>
<div id="app"><p class="boot">Loading the dashboard…</p></div>
<noscript><p class="boot">The dashboard needs JavaScript. The same figures are in the JSON API (docs/api.md).</p></noscript>
</body>
</html>
`;

dashboardRoute.use("/dashboard/*", async (c, next) => {
  await next();
  c.header("Content-Security-Policy", DASHBOARD_CSP);
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "no-referrer");
});

// The page names the current build's files, so it is revalidated; the files themselves are immutable.
const NO_CACHE = { "Cache-Control": "no-cache" };

dashboardRoute.get("/dashboard", (c) => c.redirect("/dashboard/", 301));
dashboardRoute.get("/dashboard/", (c) => c.html(shell("token"), 200, NO_CACHE));
dashboardRoute.get("/dashboard/:site", (c) => {
  const siteId = c.req.param("site");
  if (!SITE_ID_IN_PATH.test(siteId)) throw new ApiError(404, "not_found", "No such endpoint.");
  return c.html(shell(siteDirectory().get(siteId)?.public === true ? "public" : "token"), 200, NO_CACHE);
});
dashboardRoute.get(`${ASSETS_PATH}:file`, (c) => {
  const file = c.req.param("file");
  const immutable = { "Cache-Control": "public, max-age=31536000, immutable" };
  if (file === ICON) return c.body(ICON_SVG, 200, { "Content-Type": "image/svg+xml", "Cache-Control": "public, max-age=86400" });
  const asset = Object.hasOwn(DASHBOARD_ASSETS, file) ? DASHBOARD_ASSETS[file] : undefined;
  if (asset === undefined) throw new ApiError(404, "not_found", "No such file.");
  return c.body(asset.body, 200, { "Content-Type": asset.type, ...immutable });
});
