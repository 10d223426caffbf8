import type { IncomingHit } from "../../src/domain/ingest/recorded-hit";

/** A validated hit as the ingest route hands it on: no referrer, props or revenue unless given. */
export const incomingHit = (name: string, url: string, extra: Partial<IncomingHit> = {}): IncomingHit => ({
  name,
  url: new URL(url),
  referrer: undefined,
  props: {},
  revenue: null,
  scrollDepth: 0,
  engagedMs: 0,
  hashRouting: false,
  ...extra,
});
