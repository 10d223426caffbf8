import { inRange, parseAddress } from "../domain/ingest/ip-address";
import type { CompiledSite } from "../domain/site/site";
import { ApiError } from "./api-error";
import { bearerToken, digestIsOneOf, isAdminToken, sha256, unauthorized } from "./bearer-token";

/**
 * Who sent a hit (docs/api.md, "Server-side senders"). A browser is its connecting address
 * (CF-Connecting-IP), always. A server-side sender forwarding its visitors' hits is trusted for a
 * site when it presents the admin token or one of the site's ingest tokens, or connects from a
 * range the site lists; only then are X-Forwarded-For (the visitor's IP) and `ts` honoured.
 */
export interface HitSender {
  connectingIp: string;
  /** The first X-Forwarded-For entry, when it is an address. */
  forwardedIp: string | null;
  tokenDigest: ArrayBuffer | null;
  admin: boolean;
}

export async function readHitSender(headers: { get(name: string): string | null }, adminToken: string | undefined): Promise<HitSender> {
  const authorization = headers.get("authorization") ?? undefined;
  const token = bearerToken(authorization);
  // A malformed Authorization header is a mistake worth hearing about, not a browser.
  if (authorization !== undefined && token === undefined) throw unauthorized();
  const tokenDigest = token === undefined ? null : await sha256(token);
  const forwarded = headers.get("x-forwarded-for")?.split(",")[0]?.trim() ?? "";
  return {
    connectingIp: headers.get("cf-connecting-ip") ?? "",
    forwardedIp: parseAddress(forwarded) === null ? null : forwarded,
    tokenDigest,
    admin: tokenDigest !== null && (await isAdminToken(tokenDigest, adminToken)),
  };
}

/** Whether the sender is trusted to forward hits for `site`. A token that is not valid for it is a 401. */
export function trustedFor(sender: HitSender, site: CompiledSite): boolean {
  if (sender.tokenDigest !== null) {
    if (sender.admin || digestIsOneOf(sender.tokenDigest, site.ingestTokenSha256)) return true;
    throw unauthorized();
  }
  const address = parseAddress(sender.connectingIp);
  return address !== null && site.trustedSenders.some((range) => inRange(address, range));
}

/** The visitor's address: the forwarded one from a trusted sender, else the connecting one. */
export const visitorIp = (sender: HitSender, trusted: boolean): string =>
  trusted && sender.forwardedIp !== null ? sender.forwardedIp : sender.connectingIp;

/** A 400 about the hit's date (`ts`, or Umami's `payload.timestamp`), in the envelope every bad field gets. */
export const badHitTime = (message: string, field = "ts") =>
  new ApiError(400, "invalid_event", "The event has invalid fields.", [{ field, message }]);
