import { Hono } from "hono";
import { readSettings, type Settings } from "../config/settings";
import { siteDirectory } from "../config/sites";
import type { IncomingHit } from "../domain/ingest/recorded-hit";
import { PAGEVIEW_EVENT } from "../domain/site/event-name";
import type { CompiledSite } from "../domain/site/site";
import { ApiError } from "../http/api-error";
import { type HitSender, readHitSender } from "../http/hit-sender";
import { parseUmamiCollection, readUmamiBatch, readUmamiCollection } from "../http/umami-body";
import { UMAMI_WEBSITE_ID, type UmamiCollection, type UmamiPayload } from "../schemas/umami-schema";
import { DROP_HEADER, ingestHit, type NamedSite, namedSite, type SettledHit, settleHit } from "./hit-pipeline";

/**
 * Umami's collector (docs/api.md, "Umami's collector"): POST /api/send and POST /api/batch take
 * what Umami's tracker and `@umami/node` send, and put each hit through the same pipeline as
 * POST /api/event (routes/hit-pipeline.ts): the same sender rules, drops, rate limits, redaction
 * and durability.
 */
export const umamiRoute = new Hono<{ Bindings: Env }>();

/**
 * The `cache` of every answer. Umami's tracker sends the answer back in `x-umami-cache`, where
 * Umami keeps a signed session; stepwise keeps none: it is this constant for every visitor and
 * every answer, so it identifies no one, and the header is never read.
 */
export const UMAMI_CACHE = "stepwise";

/** The site `website` names: the one listing that UUID in `umamiWebsiteIds` (else unknown), or a site id. */
function umamiSite(website: string, settings: Settings): NamedSite {
  if (!UMAMI_WEBSITE_ID.test(website)) return namedSite(website, settings);
  // A UUID no site lists is unknown whatever UNKNOWN_SITES says: it is no site id to accept.
  const site = siteDirectory().byUmamiWebsiteId(website);
  return { siteId: site?.id ?? website, site };
}

/** The host a page is on when the sender names none (`@umami/node` often does not): the site's own. */
const defaultHost = (site: CompiledSite | undefined): string =>
  site === undefined ? "unknown.invalid" : (site.hostnames?.find((host) => !host.startsWith("*.")) ?? site.id);

/** The page: `url` (a path, or an absolute URL) on `hostname`; no url is the home page. */
function pageUrl(payload: UmamiPayload, site: CompiledSite | undefined): URL {
  let url: URL | null;
  try {
    url = new URL(payload.url || "/", `https://${payload.hostname || defaultHost(site)}`);
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new ApiError(400, "invalid_event", "The event has invalid fields.", [
      { field: "payload.url", message: "url must be a path such as /pricing, or an absolute http(s) URL" },
    ]);
  }
  return url;
}

/** Umami's tracker sends the previous path as referrer after in-page navigation: resolved on the page, it is navigation. */
function referrerOf(referrer: string | null | undefined, page: URL): string | undefined {
  if (!referrer) return undefined;
  try {
    return new URL(referrer, page).href;
  } catch {
    return referrer;
  }
}

/** One collection through the pipeline. `identify` (a person's traits) is neither counted nor kept. */
async function collect(
  request: Request,
  env: Env,
  settings: Settings,
  sender: HitSender,
  collection: UmamiCollection,
): Promise<SettledHit> {
  if (collection.type === "identify") return { recorded: [], dropped: [], dropHeader: null };
  const { payload } = collection;
  const named = umamiSite(payload.website, settings);
  const url = pageUrl(payload, named.site);
  const props: Record<string, string> = { ...payload.data };
  const variantProp = named.site?.variantProp;
  if (payload.tag && variantProp !== undefined && props[variantProp] === undefined) props[variantProp] = payload.tag;
  const incoming: IncomingHit = {
    name: payload.name || PAGEVIEW_EVENT,
    url,
    referrer: referrerOf(payload.referrer, url),
    props,
    revenue: payload.revenue,
    scrollDepth: 0,
    engagedMs: 0,
    hashRouting: false,
    // No eventId: Umami's `id` is a person's distinct id, not an event's, and is never read.
  };
  const outcomes = await ingestHit(request, env, settings, sender, {
    sites: [named],
    incoming,
    datedAt: payload.timestamp == null ? undefined : payload.timestamp * 1_000,
    dateField: "payload.timestamp",
  });
  return settleHit(outcomes);
}

/** POST /api/send: one collection; answered 200 `{cache, recorded, dropped}` once the hit is durable. */
umamiRoute.post("/api/send", async (c) => {
  const collection = await readUmamiCollection(c.req.raw);
  const settings = readSettings(c.env);
  const sender = await readHitSender(c.req.raw.headers, settings.STATS_TOKEN);
  const { recorded, dropped, dropHeader } = await collect(c.req.raw, c.env, settings, sender, collection);
  if (dropHeader !== null) c.header(DROP_HEADER, dropHeader);
  return c.json({ cache: UMAMI_CACHE, recorded, dropped }, 200);
});

/**
 * POST /api/batch: an array of collections, each taken as POST /api/send takes it, in order (a
 * visitor's steps reach funnels in the order sent). Umami's answer: `size`, `processed`, `errors`
 * and `details` (`{index, status, response}` for each refused item, `response` the error
 * envelope); plus the drops by index. Answered once every accepted item is durable.
 */
umamiRoute.post("/api/batch", async (c) => {
  const items = await readUmamiBatch(c.req.raw);
  const settings = readSettings(c.env);
  const sender = await readHitSender(c.req.raw.headers, settings.STATS_TOKEN);
  const details: { index: number; status: number; response: ReturnType<ApiError["toJSON"]> }[] = [];
  const dropped: ({ index: number } & SettledHit["dropped"][number])[] = [];
  for (const [index, item] of items.entries()) {
    try {
      const settled = await collect(c.req.raw, c.env, settings, sender, parseUmamiCollection(item));
      for (const drop of settled.dropped) dropped.push({ index, ...drop });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      details.push({ index, status: error.status, response: error.toJSON() });
    }
  }
  return c.json(
    { cache: UMAMI_CACHE, size: items.length, processed: items.length - details.length, errors: details.length, details, dropped },
    200,
  );
});

for (const path of ["/api/send", "/api/batch"]) {
  umamiRoute.all(path, () => {
    throw new ApiError(405, "method_not_allowed", "Send collections with POST.");
  });
}
