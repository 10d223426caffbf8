import { ApiError } from "./api-error";

async function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
}

/**
 * Compares a presented token with the expected one in constant time. Both are hashed first so
 * the comparison never depends on where they differ, nor on their lengths.
 */
export async function tokensMatch(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(presented), sha256(expected)]);
  return crypto.subtle.timingSafeEqual(a, b);
}

/**
 * Checks `Authorization: Bearer <token>`. Runs before anything looks at the site, so a wrong
 * token learns nothing about which sites exist. Tokens are never logged.
 */
export async function requireBearerToken(authorization: string | undefined, expected: string | undefined): Promise<void> {
  if (expected === undefined) {
    throw new ApiError(403, "reporting_disabled", "This deployment has no STATS_TOKEN, so it serves no reports. Set one with `wrangler secret put STATS_TOKEN`.");
  }
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
  if (presented === undefined || !(await tokensMatch(presented, expected))) {
    throw new ApiError(401, "unauthorized", "Send a valid token as `Authorization: Bearer <token>`.", undefined, {
      "WWW-Authenticate": 'Bearer realm="stepwise"',
    });
  }
}
