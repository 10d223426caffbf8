import { redactValue } from "./redact";

/** Where a hit came from, at the precision Cloudflare's request geolocation gives; never the IP. */
export interface Geolocation {
  /** ISO 3166-1 alpha-2, or UNKNOWN_PLACE. */
  country: string;
  /** ISO 3166-2 subdivision code (`US-CA`, `DE-BY`), or UNKNOWN_PLACE. */
  region: string;
  /** The subdivision's name as Cloudflare gives it (`California`), "" when unknown. */
  regionName: string;
  /** City name, or UNKNOWN_PLACE. */
  city: string;
}

export const UNKNOWN_PLACE = "(unknown)";

export const UNKNOWN_GEOLOCATION: Geolocation = { country: UNKNOWN_PLACE, region: UNKNOWN_PLACE, regionName: "", city: UNKNOWN_PLACE };

/** The fields of `request.cf` read here (IncomingRequestCfProperties), all optional. */
export interface RequestGeolocation {
  country?: unknown;
  regionCode?: unknown;
  region?: unknown;
  city?: unknown;
}

const MAX_NAME_LENGTH = 100;

/** A place name as stored: redacted like every stored string (it comes from Cloudflare, but still), then cut. */
const placeName = (value: unknown): string =>
  typeof value === "string" && value.trim() !== "" ? redactValue(value.trim()).slice(0, MAX_NAME_LENGTH) : "";

/**
 * Reads Cloudflare's geolocation of a request. "XX" is unknown and "T1" is Tor in Cloudflare's
 * country codes; neither is a country, and neither has regions or cities.
 */
export function readGeolocation(cf: RequestGeolocation | undefined): Geolocation {
  const country = typeof cf?.country === "string" && /^[A-Z]{2}$/.test(cf.country) && cf.country !== "XX" ? cf.country : null;
  if (country === null) return UNKNOWN_GEOLOCATION;
  const code = typeof cf?.regionCode === "string" && /^[A-Z0-9]{1,3}$/i.test(cf.regionCode) ? cf.regionCode.toUpperCase() : null;
  return {
    country,
    region: code === null ? UNKNOWN_PLACE : `${country}-${code}`,
    regionName: code === null ? "" : placeName(cf?.region),
    city: placeName(cf?.city) || UNKNOWN_PLACE,
  };
}
