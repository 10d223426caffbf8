import type { z } from "zod";
import { type CompiledSite, compileSite } from "../domain/site/site";
import { siteConfigSchema } from "../schemas/site-config-schema";

/** Raised when stepwise.config.json is invalid; the message names each bad entry. */
export class SiteConfigError extends Error {
  override readonly name = "SiteConfigError";
}

/** The configured sites, by id. */
export interface SiteDirectory {
  get(siteId: string): CompiledSite | undefined;
  /** The site listing this Umami website id (a lower-case UUID) in `umamiWebsiteIds`. */
  byUmamiWebsiteId(websiteId: string): CompiledSite | undefined;
  readonly siteIds: readonly string[];
  /** Every site that has read tokens, for checking a presented token against all of them. */
  readonly sitesWithReadTokens: readonly CompiledSite[];
  /** Every site with an `alertWebhook`, for the daily alarm to find its own (storage/alert-webhook.ts). */
  readonly sitesWithAlertWebhook: readonly CompiledSite[];
}

/** `sites[2] "shop.example" > goals[0] "Purchase" > stage` style location of an issue. */
function describeLocation(raw: unknown, path: readonly PropertyKey[]): string {
  const parts: string[] = [];
  let node: unknown = raw;
  for (let i = 0; i < path.length; i++) {
    const key = path[i];
    const next = node !== null && typeof node === "object" ? (node as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined;
    if (typeof key === "number") {
      const label =
        next !== null && typeof next === "object"
          ? ((next as Record<string, unknown>).id ?? (next as Record<string, unknown>).name)
          : undefined;
      parts[parts.length - 1] = `${parts[parts.length - 1] ?? ""}[${key}]${typeof label === "string" ? ` "${label}"` : ""}`;
    } else {
      parts.push(String(key));
    }
    node = next;
  }
  return parts.join(" > ") || "(top level)";
}

export function formatConfigIssues(raw: unknown, issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${describeLocation(raw, issue.path)}: ${issue.message}`).join("\n");
}

/** Validates and compiles the config file's contents, or throws SiteConfigError naming each bad entry. */
export function loadSiteDirectory(raw: unknown): SiteDirectory {
  const parsed = siteConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new SiteConfigError(`stepwise.config.json is invalid:\n${formatConfigIssues(raw, parsed.error.issues)}`);
  }
  const sites = new Map(parsed.data.sites.map((settings) => [settings.id, compileSite(settings)]));
  // Unique across sites (the schema refuses a website id listed by two).
  const byUmamiId = new Map([...sites.values()].flatMap((site) => site.umamiWebsiteIds.map((websiteId) => [websiteId, site] as const)));
  return {
    get: (siteId) => sites.get(siteId),
    byUmamiWebsiteId: (websiteId) => byUmamiId.get(websiteId),
    siteIds: [...sites.keys()],
    sitesWithReadTokens: [...sites.values()].filter((site) => site.readTokenSha256.length > 0),
    sitesWithAlertWebhook: [...sites.values()].filter((site) => site.alertWebhook !== null),
  };
}
