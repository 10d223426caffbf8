import type { Settings } from "../config/settings";
import { siteDirectory } from "../config/sites";
import { deviceClass } from "../domain/ingest/device";
import { type DropReason, dropReasonFor } from "../domain/ingest/drop-policy";
import { type RequestGeolocation, readGeolocation, UNKNOWN_GEOLOCATION } from "../domain/ingest/geolocation";
import { hitTimeProblem } from "../domain/ingest/hit-time";
import { RATE_LIMIT_PER_MINUTE, SENDER_RATE_LIMIT_PER_MINUTE } from "../domain/ingest/rate-limit";
import { buildRecordedHit, type IncomingHit, type RequestContext } from "../domain/ingest/recorded-hit";
import { userAgentNames } from "../domain/ingest/user-agent";
import { type CompiledSite, unconfiguredSite } from "../domain/site/site";
import { localHourOf } from "../domain/time/site-time";
import { shardFor } from "../domain/visitors/shard-routing";
import { ApiError } from "../http/api-error";
import { badHitTime, type HitSender, trustedFor, visitorIp } from "../http/hit-sender";
import { storeCall } from "../http/store-call";
import { siteStore } from "../storage/site-store-client";

/** Response header naming why hits were dropped, e.g. `bot` or `shop.example=bot, b.example=unknown_site`. */
export const DROP_HEADER = "Stepwise-Dropped";

/** A site a hit names: the id as sent, and its settings, or undefined when it is unknown and dropped. */
export interface NamedSite {
  siteId: string;
  site: CompiledSite | undefined;
}

/** The site `siteId` names: a configured one, an unconfigured one when UNKNOWN_SITES=accept, else none. */
export function namedSite(siteId: string, settings: Settings): NamedSite {
  return { siteId, site: siteDirectory().get(siteId) ?? (settings.UNKNOWN_SITES === "accept" ? unconfiguredSite(siteId) : undefined) };
}

/** One validated hit, whichever wire format it came in (Plausible's POST /api/event, Umami's /api/send). */
export interface PipelineHit {
  sites: readonly NamedSite[];
  incoming: IncomingHit;
  /** When the hit happened (ms since the epoch) as its sender dated it; only a trusted sender may. */
  datedAt: number | undefined;
  /** The field that carried the date, as the client spelled it, for the 400 naming it. */
  dateField: string;
}

/** What became of a hit for one site: recorded (dropped null) or dropped, and why. */
export interface HitOutcome {
  site: string;
  dropped: DropReason | null;
}

/**
 * The ingest pipeline every collector endpoint shares. Who the sender is per site (a token not
 * valid for a site is a 401); whether it may date the hit (a trusted sender only, within the
 * site's two kept days, else a 400 naming `dateField`); then per site the drop checks (unknown
 * site, bot, hostname, privacy signals), the rate limit, and the hit as stored (buildRecordedHit:
 * cleaned, redacted, classified). Resolves only once every site's store has made its part
 * durable; a failing store is a 503 (http/store-call.ts).
 */
export async function ingestHit(
  request: Request,
  env: Env,
  settings: Settings,
  sender: HitSender,
  hit: PipelineHit,
): Promise<HitOutcome[]> {
  const now = Date.now();
  const { sites, incoming } = hit;
  const userAgent = request.headers.get("user-agent") ?? "";
  // Who the client is, per site (http/hit-sender.ts); a token not valid for a site is a 401 here.
  const trusted = new Map(sites.map(({ siteId, site }) => [siteId, site !== undefined && trustedFor(sender, site)]));
  // Only a trusted sender may date a hit; it is then counted when it happened.
  let timestamp = now;
  if (hit.datedAt !== undefined) {
    if (![...trusted.values()].every(Boolean))
      throw badHitTime("only a trusted server-side sender may date a hit (docs/api.md, Server-side senders)", hit.dateField);
    for (const { site } of sites) {
      const problem = site === undefined ? null : hitTimeProblem(hit.datedAt, now, site.timeZone);
      if (problem !== null) throw badHitTime(problem, hit.dateField);
    }
    timestamp = Math.min(hit.datedAt, now);
  }
  const context: RequestContext = {
    timestamp,
    ...(settings.GEOLOCATION === "request" ? readGeolocation(request.cf as RequestGeolocation | undefined) : UNKNOWN_GEOLOCATION),
    device: deviceClass(userAgent),
    ...userAgentNames(userAgent),
  };

  return Promise.all(
    sites.map(async ({ siteId, site }): Promise<HitOutcome> => {
      const fromSender = trusted.get(siteId) === true;
      const ip = visitorIp(sender, fromSender);
      const reason = dropReasonFor({
        site,
        userAgent,
        pageHostname: incoming.url.hostname,
        allowLocalhost: settings.ALLOW_LOCALHOST,
        globalPrivacyControl: request.headers.get("sec-gpc") === "1",
        doNotTrack: request.headers.get("dnt") === "1",
      });
      if (site === undefined || reason === "unknown_site") {
        // No object is created for a site nobody configured; the log line is the record.
        console.log(JSON.stringify({ message: "hit dropped", reason: "unknown_site", site: siteId }));
        return { site: siteId, dropped: "unknown_site" };
      }
      // A visitor always lands on the same shard of a site (domain/shard-routing.ts).
      const store = siteStore(env, siteId, shardFor(siteId, ip, userAgent, site.shards));
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
}

/** What a client is told about a hit: the sites that recorded it, the drops, and the drop header. */
export interface SettledHit {
  recorded: string[];
  dropped: { site: string; reason: DropReason }[];
  /** The value of DROP_HEADER, or null when nothing was dropped. */
  dropHeader: string | null;
}

/**
 * Sorts the outcomes for the answer. A hit dropped only for its rate limit is the one drop a
 * client should act on (slow down): that is a 429 with Retry-After, thrown here. (It is counted
 * in the site's report too.) Any other drop is answered as accepted, since a tracker has nothing
 * to retry, and named in DROP_HEADER.
 */
export function settleHit(outcomes: readonly HitOutcome[]): SettledHit {
  const dropped = outcomes.flatMap((outcome) => (outcome.dropped === null ? [] : [{ site: outcome.site, reason: outcome.dropped }]));
  if (dropped.length > 0 && dropped.every((drop) => drop.reason === "rate_limited")) {
    throw new ApiError(
      429,
      "rate_limited",
      `Too many hits a minute from one client (${RATE_LIMIT_PER_MINUTE} from a visitor, ${SENDER_RATE_LIMIT_PER_MINUTE} from a trusted sender); try again in a minute.`,
      undefined,
      { "Retry-After": "60" },
    );
  }
  const dropHeader =
    dropped.length === 0
      ? null
      : outcomes.length === 1
        ? dropped.map((d) => d.reason).join()
        : dropped.map((d) => `${d.site}=${d.reason}`).join(", ");
  return { recorded: outcomes.filter((o) => o.dropped === null).map((o) => o.site), dropped, dropHeader };
}
