import { z } from "zod";

/**
 * Deployment settings from wrangler.toml [vars] and secrets (local dev: .dev.vars). Parsed, not
 * cast, so a typo in a var fails loudly with the var's name instead of silently defaulting.
 */
const settingsSchema = z.object({
  UNKNOWN_SITES: z.enum(["accept", "drop"]).default("drop"),
  ALLOW_LOCALHOST: z
    .enum(["true", "false"])
    .default("false")
    .transform((flag) => flag === "true"),
  STATS_TOKEN: z.string().min(1).optional(),
  DEMO_SHOP: z
    .enum(["true", "false"])
    .default("false")
    .transform((flag) => flag === "true"),
  GEOLOCATION: z.enum(["request", "off"]).default("request"),
  HOURLY_DETAIL_DAYS: z.coerce.number().int().min(1).max(3_650).default(31),
});

export type Settings = z.output<typeof settingsSchema>;

const cache = new WeakMap<object, Settings>();

export function readSettings(env: Env): Settings {
  const cached = cache.get(env);
  if (cached) return cached;
  const settings = settingsSchema.parse({
    UNKNOWN_SITES: env.UNKNOWN_SITES,
    ALLOW_LOCALHOST: env.ALLOW_LOCALHOST,
    STATS_TOKEN: env.STATS_TOKEN === "" ? undefined : env.STATS_TOKEN,
    DEMO_SHOP: env.DEMO_SHOP,
    GEOLOCATION: env.GEOLOCATION,
    HOURLY_DETAIL_DAYS: env.HOURLY_DETAIL_DAYS,
  });
  cache.set(env, settings);
  return settings;
}
