import { z } from "zod";

/**
 * POST /api/event body: the Plausible Events API fields, long or short name, so Plausible's
 * tracker and server-side senders work unchanged. Caps (docs/api.md, "POST /api/event") follow Plausible's.
 */
export const EVENT_LIMITS = {
  nameLength: 120,
  urlLength: 2_000,
  referrerLength: 2_000,
  propsPairs: 30,
  propKeyLength: 300,
  propValueLength: 2_000,
  sitesPerHit: 10,
  maxAmount: 1e12,
  maxEngagedMs: 86_400_000,
} as const;

/** Long field name -> the short name Plausible's tracker sends. */
export const FIELD_ALIASES = {
  name: "n",
  url: "u",
  domain: "d",
  referrer: "r",
  props: "p",
  revenue: "$",
} as const;
export type LongFieldName = keyof typeof FIELD_ALIASES;

/** What a site id looks like: a lower-case domain such as shop.example. */
export const SITE_ID = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}

// workerd ships full ICU; the regex alone is the fallback if a runtime lacks the list.
const KNOWN_CURRENCIES: ReadonlySet<string> | null = (() => {
  try {
    return new Set(Intl.supportedValuesOf("currency"));
  } catch {
    return null;
  }
})();

const currency = z
  .string()
  .trim()
  .toUpperCase()
  // abort: an unreadable code needs one message, not a second "unknown code" one. (Upper-cased
  // above; the pattern says any case so that the OpenAPI document, made from it, does too.)
  .regex(/^[A-Za-z]{3}$/, { message: "currency must be a three-letter ISO 4217 code such as EUR", abort: true })
  .refine((code) => KNOWN_CURRENCIES === null || KNOWN_CURRENCIES.has(code), "currency is not an ISO 4217 code");

// Plausible's tracker sends amounts as numbers; server-side senders often send "12.50".
const amount = z
  .union([
    z.number(),
    z
      .string()
      .trim()
      .regex(/^\d+(\.\d+)?$/, "amount must be a number")
      .transform(Number),
  ])
  .pipe(z.number().finite().nonnegative("amount must not be negative").max(EVENT_LIMITS.maxAmount));

/** `{amount, currency}`: what a hit earns (Plausible's `revenue`; Umami's `data.revenue` and `data.currency`). */
export const revenueSchema = z.strictObject({ amount, currency }).meta({
  description: "revenue of a conversion: amount a number or numeric string >= 0 (at most 10^12), currency ISO 4217 in any case",
});

const propValue = z.union([z.string().max(EVENT_LIMITS.propValueLength), z.number().finite(), z.boolean(), z.null()], {
  error: `prop values must be a string (at most ${EVENT_LIMITS.propValueLength} characters), number, boolean or null; no nesting`,
});

/**
 * A hit's custom properties: a flat map of string, number, boolean or null values (no nesting),
 * as strings, null left out. Plausible's `props` and Umami's `data`.
 */
export const flatPropsSchema = z
  .record(z.string(), propValue)
  .refine((map) => Object.keys(map).length <= EVENT_LIMITS.propsPairs, `at most ${EVENT_LIMITS.propsPairs} props`)
  // Checked here rather than as a key schema: zod reports a bad key only as "Invalid key in record".
  .refine(
    (map) => Object.keys(map).every((key) => key.length > 0 && key.length <= EVENT_LIMITS.propKeyLength),
    `prop keys must be 1 to ${EVENT_LIMITS.propKeyLength} characters`,
  )
  .transform((map) => {
    const strings: Record<string, string> = {};
    for (const [key, value] of Object.entries(map)) if (value !== null) strings[key] = String(value);
    return strings;
  });

// Older trackers send props as a JSON-encoded string.
const props = z.preprocess((value) => {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}, flatPropsSchema);

const domainList = z
  .string()
  .max(2_000)
  .transform((list) => [
    ...new Set(
      list
        .split(",")
        .map((site) => site.trim().toLowerCase())
        .filter((site) => site !== ""),
    ),
  ])
  .pipe(
    z
      .array(z.string().max(253).regex(SITE_ID, "each domain must be a site id such as shop.example"))
      .min(1, "domain must name at least one site")
      .max(EVENT_LIMITS.sitesPerHit, `at most ${EVENT_LIMITS.sitesPerHit} sites per hit`),
  );

export const eventSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, "name must not be empty")
      .max(EVENT_LIMITS.nameLength)
      .meta({ description: "event name; `pageview` and `engagement` are special" }),
    url: z
      .string()
      .max(EVENT_LIMITS.urlLength)
      .refine(isHttpUrl, "url must be an absolute http(s) URL")
      .meta({ format: "uri", description: "absolute http(s) page URL" }),
    domain: domainList.meta({
      description: `site id; \`a.com,b.com\` records the hit once per site (${EVENT_LIMITS.sitesPerHit} at most)`,
    }),
    referrer: z.string().max(EVENT_LIMITS.referrerLength).nullish().meta({ description: "referring URL, or null" }),
    props: props.nullish().meta({
      description: `custom properties: a flat map of string, number, boolean or null (${EVENT_LIMITS.propsPairs} pairs, keys 1 to ${EVENT_LIMITS.propKeyLength} characters), or that map as a JSON string`,
    }),
    revenue: revenueSchema.nullish(),
    sd: z.number().int().min(0).max(100).optional().meta({ description: "engagement: deepest scroll, percent; required for engagement" }),
    e: z
      .number()
      .int()
      .min(0)
      .max(EVENT_LIMITS.maxEngagedMs)
      .optional()
      .meta({ description: "engagement: engaged milliseconds; required for engagement" }),
    id: z
      .string()
      .regex(/^[A-Za-z0-9_-]{8,64}$/, "id must be 8 to 64 letters, digits, _ or -")
      .optional()
      .meta({ description: "client event id: a retry with the same id within 24 h is recorded once" }),
    /**
     * When the hit happened, in milliseconds since the epoch: only a trusted server-side sender may
     * date a hit, at most 24 hours back (routes/ingest-route.ts checks who sent it).
     */
    ts: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .meta({ description: "trusted server-side senders only: when the hit happened, ms since the epoch, at most 24 h back" }),
    h: z
      .union([z.boolean(), z.literal(0), z.literal(1)])
      .optional()
      .meta({ description: "hash routing: the URL fragment is part of the page" }),
  })
  .superRefine((event, ctx) => {
    if (event.name.toLowerCase() !== "engagement") return;
    if (event.sd === undefined) ctx.addIssue({ code: "custom", path: ["sd"], message: "engagement events need sd (scroll depth 0-100)" });
    if (event.e === undefined) ctx.addIssue({ code: "custom", path: ["e"], message: "engagement events need e (engaged milliseconds)" });
  });

export type EventPayload = z.output<typeof eventSchema>;
