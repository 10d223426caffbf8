import { Hono } from "hono";
import { readSettings } from "../config/settings";
import type { IncomingHit } from "../domain/ingest/recorded-hit";
import { ApiError } from "../http/api-error";
import { readEvent } from "../http/event-body";
import { readHitSender } from "../http/hit-sender";
import type { IngestAnswer } from "../schemas/answer-schemas";
import { DROP_HEADER, ingestHit, namedSite, settleHit } from "./hit-pipeline";

export { DROP_HEADER } from "./hit-pipeline";

export const ingestRoute = new Hono<{ Bindings: Env }>();

/**
 * POST /api/event: validates the hit, then for each site it names either counts it or counts
 * why it was dropped (routes/hit-pipeline.ts), and answers 202 only after every site's store has
 * made it durable.
 */
ingestRoute.post("/api/event", async (c) => {
  const event = await readEvent(c.req.raw);
  const settings = readSettings(c.env);
  const sender = await readHitSender(c.req.raw.headers, settings.STATS_TOKEN);
  const incoming: IncomingHit = {
    name: event.name,
    url: new URL(event.url),
    referrer: event.referrer ?? undefined,
    props: event.props ?? {},
    revenue: event.revenue ?? null,
    scrollDepth: event.sd ?? 0,
    engagedMs: event.e ?? 0,
    hashRouting: event.h === true || event.h === 1,
    ...(event.id ? { eventId: event.id } : {}),
  };
  const outcomes = await ingestHit(c.req.raw, c.env, settings, sender, {
    sites: event.domain.map((siteId) => namedSite(siteId, settings)),
    incoming,
    datedAt: event.ts,
    dateField: "ts",
  });
  const { recorded, dropped, dropHeader } = settleHit(outcomes);
  if (dropHeader !== null) c.header(DROP_HEADER, dropHeader);
  const answer: IngestAnswer = { recorded, dropped };
  return c.json(answer, 202);
});

ingestRoute.all("/api/event", () => {
  throw new ApiError(405, "method_not_allowed", "Send events with POST.");
});
