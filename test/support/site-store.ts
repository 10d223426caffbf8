import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { vi } from "vitest";

/** A site's store object (one shard). */
export const siteStore = (site: string) => env.SITE_STORE.getByName(site);

export const DAY_MS = 86_400_000;
/** A local day number as YYYY-MM-DD (days since the epoch; UTC sites). */
export const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The daily alarm of `site`'s object, as if it ran at `iso`. */
export async function alarmAt(site: string, iso: string): Promise<void> {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date(iso));
  try {
    await runInDurableObject(siteStore(site), (instance) => instance.alarm());
  } finally {
    vi.useRealTimers();
  }
}

/** Rows of a SQL query inside `site`'s object, after a checkpoint (acknowledged hits in the tables). */
export const sqlRows = (site: string, query: string) =>
  runInDurableObject(siteStore(site), async (instance, state) => {
    await instance.checkpoint();
    return state.storage.sql.exec<Record<string, SqlStorageValue>>(query).toArray();
  });

/**
 * Keeps every day of `site`'s object in the tables from its first hit, instead of in a quiet
 * day's one row until it outgrows it (src/storage/quiet-days.ts): for tests of the layouts a
 * busy day has (aggregates, blocks, columns, folding) on a small designed stream. Call before
 * the site's first hit.
 */
export const keepDaysInTables = (site: string) =>
  runInDurableObject(siteStore(site), (_instance, state) => {
    state.storage.sql.exec("INSERT OR REPLACE INTO site_settings (key, value) VALUES ('quiet_days', 'off')");
  });
