import { z } from "zod";
import type { Money } from "../domain/ingest/money";
import { canonicalEventName, ENGAGEMENT_EVENT } from "../domain/site/event-name";
import { EVENT_LIMITS, flatPropsSchema, revenueSchema, SITE_ID } from "./event-schema";

/**
 * POST /api/send body (and each item of POST /api/batch): Umami's collector payload, as Umami's
 * tracker (`umami` 2.10 on npm) and `@umami/node` send it, with the fields Umami v3 documents.
 * `{ type: "event" | "identify", payload: { website, hostname, url, referrer, title, screen,
 * language, name, data, tag, id, timestamp } }`. Unknown fields are ignored; every field is
 * bounded. How each one is used: docs/api.md, "Umami's collector".
 */
export const UMAMI_LIMITS = {
  websiteLength: 253,
  hostnameLength: 253,
  titleLength: 2_000,
  screenLength: 50,
  languageLength: 50,
  tagLength: 100,
  distinctIdLength: 500,
  /** Items in one POST /api/batch. */
  batchItems: 50,
} as const;

/** An Umami website id as Umami writes it: a UUID, compared in lower case. */
export const UMAMI_WEBSITE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `host` or `host:port`, nothing else: no scheme, path, user or spaces. */
function isHost(text: string): boolean {
  try {
    return new URL(`https://${text}`).host === text.toLowerCase();
  } catch {
    return false;
  }
}

// Umami's tracker sends the current time in seconds; servers sometimes send it as a string.
const timestamp = z
  .union([z.number(), z.string().trim().regex(/^\d+$/, "timestamp must be whole seconds since the epoch").transform(Number)])
  .pipe(z.number().int("timestamp must be whole seconds since the epoch").nonnegative().max(1e11));

const payloadSchema = z
  .object({
    /** The site: a UUID a site lists in `umamiWebsiteIds`, or a site id. */
    website: z
      .string()
      .trim()
      .toLowerCase()
      .max(UMAMI_LIMITS.websiteLength)
      .refine(
        (website) => UMAMI_WEBSITE_ID.test(website) || SITE_ID.test(website),
        "website must be an Umami website id (a UUID) a site lists in umamiWebsiteIds, or a site id such as shop.example",
      ),
    /** The page's host (`location.hostname`); default: the site's. */
    hostname: z
      .string()
      .trim()
      .max(UMAMI_LIMITS.hostnameLength)
      .refine(isHost, "hostname must be a host name such as shop.example")
      .nullish(),
    /** The page: a path on `hostname` (query string included), or an absolute http(s) URL; default `/`. */
    url: z.string().max(EVENT_LIMITS.urlLength).nullish(),
    referrer: z.string().max(EVENT_LIMITS.referrerLength).nullish(),
    /** Read for its bounds only: a page title may name a person, and is never kept. */
    title: z.string().max(UMAMI_LIMITS.titleLength).nullish(),
    screen: z.string().max(UMAMI_LIMITS.screenLength).nullish(),
    language: z.string().max(UMAMI_LIMITS.languageLength).nullish(),
    /** The event name; none (or "") is a pageview. */
    name: z.string().trim().max(EVENT_LIMITS.nameLength).nullish(),
    /** The event's properties, flat: nested objects and arrays are refused, as in Plausible's `props`. */
    data: flatPropsSchema.nullish(),
    /** Umami's tag (A/B tests, campaigns): the hit's variant unless `data` names one. */
    tag: z.string().trim().max(UMAMI_LIMITS.tagLength).nullish(),
    /** A person's distinct id: bounded so a huge one is refused, and otherwise never read. */
    id: z.string().max(UMAMI_LIMITS.distinctIdLength).nullish(),
    /** When the hit happened, in seconds: honoured from trusted senders only (routes/hit-pipeline.ts). */
    timestamp: timestamp.nullish(),
  })
  .transform((payload, ctx) => {
    // Umami counts revenue from event data `revenue` and `currency`; both, or neither is revenue.
    const { revenue: amount, currency } = payload.data ?? {};
    let revenue: Money | null = null;
    if (amount !== undefined && currency !== undefined) {
      const parsed = revenueSchema.safeParse({ amount, currency });
      if (parsed.success) revenue = parsed.data;
      for (const issue of parsed.error?.issues ?? []) {
        const field = issue.path[0] === "amount" ? "revenue" : "currency";
        ctx.addIssue({ code: "custom", path: ["data", field], message: issue.message.replace(/^amount/, "revenue") });
      }
    }
    return { ...payload, revenue };
  });

/** One collection, as `{type, payload}`. */
export const umamiCollectionSchema = z
  .object({
    type: z.enum(["event", "identify"], { error: 'type must be "event" or "identify"' }),
    payload: payloadSchema,
  })
  .superRefine((collection, ctx) => {
    const name = collection.payload.name ?? "";
    // stepwise's engagement event carries scroll depth and engaged time, which Umami's payload cannot.
    if (collection.type === "event" && canonicalEventName(name) === ENGAGEMENT_EVENT) {
      ctx.addIssue({
        code: "custom",
        path: ["payload", "name"],
        message: `"${ENGAGEMENT_EVENT}" is reserved for stepwise's engagement signal (POST /api/event); name the event otherwise`,
      });
    }
  });

export type UmamiCollection = z.output<typeof umamiCollectionSchema>;
export type UmamiPayload = UmamiCollection["payload"];
