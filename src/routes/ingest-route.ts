import { Hono } from "hono";
import { readSettings } from "../config/settings";
import { siteDirectory } from "../config/sites";
import { deviceClass } from "../domain/ingest/device";
import { type DropReason, dropReasonFor } from "../domain/ingest/drop-policy";
import { type RequestGeolocation, readGeolocation, UNKNOWN_GEOLOCATION } from "../domain/ingest/geolocation";
import { hitTimeProblem } from "../domain/ingest/hit-time";
import { RATE_LIMIT_PER_MINUTE, SENDER_RATE_LIMIT_PER_MINUTE } from "../domain/ingest/rate-limit";
import { buildRecordedHit, type IncomingHit, type RequestContext } from "../domain/ingest/recorded-hit";
import { userAgentNames } from "../domain/ingest/user-agent";
import { unconfiguredSite } from "../domain/site/site";
import { localHourOf } from "../domain/time/site-time";
import { shardFor } from "../domain/visitors/shard-routing";
import { ApiError } from "../http/api-error";
import { readEvent } from "../http/event-body";
import { badHitTime, readHitSender, trustedFor, visitorIp } from "../http/hit-sender";
import { storeCall } from "../http/store-call";
import type { IngestAnswer } from "../schemas/answer-schemas";
import { siteStore } from "../storage/site-store-client";

/** Response header naming why hits were dropped, e.g. `bot` or `shop.example=bot, b.example=unknown_site`. */
export const DROP_HEADER = "Stepwise-Dropped";

export const ingestRoute = new Hono<{ Bindings: Env }>();

/**
 * POST /api/event: validates the hit, then for each site it names either counts it or counts
 * why it was dropped, and answers 202 only after every site's store has made it durable.
 */
ingestRoute.post("/api/event", async (c) => {
  const now = Date.now();
  const event = await readEvent(c.req.raw);
  const settings = readSettings(c.env);
  const userAgent = c.req.header("user-agent") ?? "";
  const sender = await readHitSender(c.req.raw.headers, settings.STATS_TOKEN);
  const sites = event.domain.map((siteId) => ({
    siteId,
    site: siteDirectory().get(siteId) ?? (settings.UNKNOWN_SITES === "accept" ? unconfiguredSite(siteId) : undefined),
  }));
  // Who the client is, per site (http/hit-sender.ts); a token not valid for a site is a 401 here.
  const trusted = new Map(sites.map(({ siteId, site }) => [siteId, site !== undefined && trustedFor(sender, site)]));
  // Only a trusted sender may date a hit; it is then counted when it happened.
  let timestamp = now;
  if (event.ts !== undefined) {
    if (![...trusted.values()].every(Boolean))
      throw badHitTime("only a trusted server-side sender may date a hit (docs/api.md, Server-side senders)");
    for (const { site } of sites) {
      const problem = site === undefined ? null : hitTimeProblem(event.ts, now, site.timeZone);
      if (problem !== null) throw badHitTime(problem);
    }
    timestamp = Math.min(event.ts, now);
  }
  const url = new URL(event.url);
  const incoming: IncomingHit = {
    name: event.name,
    url,
    referrer: event.referrer ?? undefined,
    props: event.props ?? {},
    revenue: event.revenue ?? null,
    scrollDepth: event.sd ?? 0,
    engagedMs: event.e ?? 0,
    hashRouting: event.h === true || event.h === 1,
    ...(event.id ? { eventId: event.id } : {}),
  };
  const context: RequestContext = {
    timestamp,
    ...(settings.GEOLOCATION === "request" ? readGeolocation(c.req.raw.cf as RequestGeolocation | undefined) : UNKNOWN_GEOLOCATION),
    device: deviceClass(userAgent),
    ...userAgentNames(userAgent),
  };

  const outcomes = await Promise.all(
    sites.map(async ({ siteId, site }): Promise<{ site: string; dropped: DropReason | null }> => {
      const fromSender = trusted.get(siteId) === true;
      const ip = visitorIp(sender, fromSender);
      const reason = dropReasonFor({
        site,
        userAgent,
        pageHostname: url.hostname,
        allowLocalhost: settings.ALLOW_LOCALHOST,
        globalPrivacyControl: c.req.header("sec-gpc") === "1",
        doNotTrack: c.req.header("dnt") === "1",
      });
      if (site === undefined || reason === "unknown_site") {
        // No object is created for a site nobody configured; the log line is the record.
        console.log(JSON.stringify({ message: "hit dropped", reason: "unknown_site", site: siteId }));
        return { site: siteId, dropped: "unknown_site" };
      }
      // A visitor always lands on the same shard of a site (domain/shard-routing.ts).
      const store = siteStore(c.env, siteId, shardFor(siteId, ip, userAgent, site.shards));
      if (reason !== null) {
        await storeCall(siteId, () => store.recordDrop(reason, localHourOf(timestamp, site.timeZone)));
        return { site: siteId, dropped: reason };
      }
      const rateLimit = fromSender
        ? { client: `sender ${sender.connectingIp}`, perMinute: SENDER_RATE_LIMIT_PER_MINUTE }
        : { client: ip, perMinute: RATE_LIMIT_PER_MINUTE };
      const outcome = await storeCall(siteId, () => store.record(buildRecordedHit(site, incoming, context), { ip, userAgent, rateLimit }));
      return { site: siteId, dropped: outcome.rateLimited ? "rate_limited" : null };
    }),
  );

  const dropped = outcomes.flatMap((outcome) => (outcome.dropped === null ? [] : [{ site: outcome.site, reason: outcome.dropped }]));
  if (dropped.length > 0 && dropped.every((drop) => drop.reason === "rate_limited")) {
    // The one drop a client should act on: slow down. (It is counted in the site's report too.)
    throw new ApiError(
      429,
      "rate_limited",
      `Too many hits a minute from one client (${RATE_LIMIT_PER_MINUTE} from a visitor, ${SENDER_RATE_LIMIT_PER_MINUTE} from a trusted sender); try again in a minute.`,
      undefined,
      {
        "Retry-After": "60",
      },
    );
  }
  if (dropped.length > 0) {
    c.header(
      DROP_HEADER,
      outcomes.length === 1 ? dropped.map((d) => d.reason).join() : dropped.map((d) => `${d.site}=${d.reason}`).join(", "),
    );
  }
  return c.json({ recorded: outcomes.filter((o) => o.dropped === null).map((o) => o.site), dropped } satisfies IngestAnswer, 202);
});

ingestRoute.all("/api/event", () => {
  throw new ApiError(405, "method_not_allowed", "Send events with POST.");
});
