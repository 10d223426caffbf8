/**
 * The cookieless visitor id: HMAC-SHA-256 keyed by a random daily salt over the site, IP and
 * User-Agent, cut to 64 bits. Without the salt (deleted after 48 h) the id cannot be recomputed
 * from an IP, so it links hits within a day and nothing beyond.
 */
export const SALT_BYTES = 32;

export function newSalt(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(SALT_BYTES));
}

export function importSaltKey(salt: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", salt, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

/** 16 hex characters: 64 bits keep collisions negligible at millions of visitors a day. */
export async function visitorHash(key: CryptoKey, siteId: string, ip: string, userAgent: string): Promise<string> {
  // Unit separators keep ("a", "bc") and ("ab", "c") apart.
  const message = new TextEncoder().encode(`${siteId}\u001f${ip}\u001f${userAgent}`);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, message));
  return Array.from(mac.subarray(0, 8), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
