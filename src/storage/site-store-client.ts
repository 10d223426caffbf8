import type { SiteStore } from "./site-store";

/**
 * The Durable Object of one site, addressed by the site id: every hit and report of a site goes
 * to the same object, and different sites never share one.
 */
export function siteStore(env: Env, siteId: string): DurableObjectStub<SiteStore> {
  return env.SITE_STORE.getByName(siteId);
}
