import type { SiteDirectory } from "../config/site-directory";
import { ApiError } from "./api-error";

/** Tokens are compared as SHA-256 digests, so a comparison never depends on their lengths. */
export async function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

/** The token of `Authorization: Bearer <token>`, undefined when absent or malformed. */
export const bearerToken = (authorization: string | undefined): string | undefined => /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];

/** Whether a token's digest is one of the config's SHA-256 hex digests; every comparison is made, in constant time. */
export function digestIsOneOf(digest: ArrayBuffer, hexDigests: readonly string[]): boolean {
  let found = false;
  for (const hash of hexDigests) if (crypto.subtle.timingSafeEqual(digest, hexBytes(hash))) found = true;
  return found;
}

/** Whether `digest` is the admin token's (STATS_TOKEN), compared in constant time. */
export async function isAdminToken(digest: ArrayBuffer, adminToken: string | undefined): Promise<boolean> {
  return adminToken !== undefined && crypto.subtle.timingSafeEqual(digest, await sha256(adminToken));
}

export const unauthorized = () =>
  new ApiError(401, "unauthorized", "Send a valid token as `Authorization: Bearer <token>`.", undefined, {
    "WWW-Authenticate": 'Bearer realm="stepwise"',
  });

/**
 * Checks `Authorization: Bearer <token>` for a report on `siteId`: the admin token (STATS_TOKEN)
 * reads every site, a site's read token (its SHA-256 in the config) only that site. Every
 * comparison is constant-time and all of them are made, whatever matches. Runs before anything
 * looks at the site; a wrong token gets the same 401 for any site, and a site token used for
 * another site the same 404 as an unknown site, so neither learns which sites exist. Tokens are
 * never logged. A site marked `public` in the config answers without a token (docs/api.md).
 */
export async function requireReportAccess(
  authorization: string | undefined,
  adminToken: string | undefined,
  directory: SiteDirectory,
  siteId: string,
): Promise<void> {
  // The one exception to "no token, no report": a site its config marks public answers anyone,
  // read-only (these are read endpoints) and for itself only. Whatever token comes along is not
  // looked at, so a public site's answers never depend on it.
  if (directory.get(siteId)?.public === true) return;
  if (adminToken === undefined && directory.sitesWithReadTokens.length === 0) {
    throw new ApiError(
      403,
      "reporting_disabled",
      "This deployment has no STATS_TOKEN and no site read tokens, so it serves no reports. Set one with `wrangler secret put STATS_TOKEN`.",
    );
  }
  const presented = bearerToken(authorization);
  if (presented === undefined) throw unauthorized();
  const digest = await sha256(presented);
  const admin = await isAdminToken(digest, adminToken);
  let readsSite = false;
  let readsAnySite = false;
  for (const site of directory.sitesWithReadTokens) {
    if (digestIsOneOf(digest, site.readTokenSha256)) {
      readsAnySite = true;
      if (site.id === siteId) readsSite = true;
    }
  }
  if (admin || readsSite) return;
  if (readsAnySite) throw new ApiError(404, "not_found", "No such site, or no data for it.");
  throw unauthorized();
}

/** Checks `Authorization: Bearer <token>` for the admin token alone (STATS_TOKEN): operations on every site. */
export async function requireAdmin(authorization: string | undefined, adminToken: string | undefined): Promise<void> {
  if (adminToken === undefined) {
    throw new ApiError(
      403,
      "reporting_disabled",
      "This deployment has no STATS_TOKEN, so it has no admin. Set one with `wrangler secret put STATS_TOKEN`.",
    );
  }
  const presented = bearerToken(authorization);
  if (presented === undefined || !(await isAdminToken(await sha256(presented), adminToken))) throw unauthorized();
}
