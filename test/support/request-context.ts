import type { RequestContext } from "../../src/domain/ingest/recorded-hit";
import type { Attribution } from "../../src/domain/visitors/visit-tracker";

/** What the ingest route knows of a request, with neutral values for what a test does not set. */
export const requestContext = (timestamp: number, extra: Partial<Omit<RequestContext, "timestamp">> = {}): RequestContext => ({
  timestamp,
  country: "(unknown)",
  region: "(unknown)",
  regionName: "",
  city: "(unknown)",
  device: "desktop",
  browser: "Firefox",
  os: "Linux",
  ...extra,
});

/** A visitor-day's attribution: the given traffic source and place, neutral values for the rest. */
export const attribution = (
  main: Pick<Attribution, "source" | "channel" | "campaign" | "country" | "device">,
  extra: Partial<Attribution> = {},
): Attribution => ({
  medium: "(none)",
  content: "(none)",
  term: "(none)",
  region: "(unknown)",
  regionName: "",
  city: "(unknown)",
  browser: "Firefox",
  os: "Linux",
  ...main,
  ...extra,
});
