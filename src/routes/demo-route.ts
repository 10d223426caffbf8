import { Hono } from "hono";
import { readSettings } from "../config/settings";
import { DEMO_CATALOG_PDF, DEMO_SHELL, DEMO_THANK_YOU } from "../demo/demo-pages";
import { ApiError } from "../http/api-error";

/** The demo shop, only where DEMO_SHOP=true (local development); elsewhere /demo/ does not exist. */
export const demoRoute = new Hono<{ Bindings: Env }>();

demoRoute.use("/demo/*", async (c, next) => {
  if (!readSettings(c.env).DEMO_SHOP) throw new ApiError(404, "not_found", "No such endpoint.");
  await next();
});
demoRoute.get("/demo", (c) => c.redirect("/demo/"));
demoRoute.get("/demo/thank-you", (c) => c.html(DEMO_THANK_YOU));
demoRoute.get("/demo/files/catalog.pdf", (c) =>
  c.body(DEMO_CATALOG_PDF, 200, { "Content-Type": "application/pdf", "Content-Disposition": 'attachment; filename="catalog.pdf"' }),
);
// Every other /demo/ path is a view of the single-page shop.
demoRoute.get("/demo/*", (c) => c.html(DEMO_SHELL));
