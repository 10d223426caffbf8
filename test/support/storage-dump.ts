import { listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { SiteStore } from "../../src/storage/site-store";

export type TableDump = Record<string, Record<string, SqlStorageValue>[]>;

/**
 * Every row of every table of one Durable Object, read from inside the object, after a checkpoint:
 * acknowledged hits still in the write log are folded into the tables first (an empty log then).
 */
export function dumpTables(stub: DurableObjectStub<SiteStore>): Promise<TableDump> {
  return runInDurableObject(stub, async (instance: SiteStore, state: DurableObjectState) => {
    await instance.checkpoint();
    const tables = state.storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
      )
      .toArray();
    const dump: TableDump = {};
    for (const { name } of tables)
      dump[name] = state.storage.sql.exec<Record<string, SqlStorageValue>>(`SELECT * FROM "${name}"`).toArray();
    return dump;
  });
}

/** Dumps of every SiteStore object created in this test file. */
export async function dumpAllSiteStores(): Promise<TableDump[]> {
  const ids = await listDurableObjectIds(env.SITE_STORE);
  return Promise.all(ids.map((id) => dumpTables(env.SITE_STORE.get(id))));
}

/**
 * All values of a dump as text; blobs as hex, so byte patterns are searched too (salts), and as
 * UTF-8 text, so strings inside them are (the dictionaries of closed days' columns).
 */
export function dumpText(dump: TableDump): string {
  const utf8 = new TextDecoder();
  return Object.values(dump)
    .flat()
    .flatMap((row) => Object.values(row))
    .map((value) =>
      value instanceof ArrayBuffer
        ? `${[...new Uint8Array(value)].map((b) => b.toString(16).padStart(2, "0")).join("")}\n${utf8.decode(value)}`
        : String(value),
    )
    .join("\n");
}

/**
 * Every stored salt of a dump, by day: rows of `salts`, and those of quiet days, which keep theirs
 * in their one `quiet_days` row (base64, src/storage/quiet-days.ts).
 */
export function saltsOf(dump: TableDump): { day: number; salt: ArrayBuffer }[] {
  const tables = (dump.salts ?? []).map((row) => ({ day: Number(row.day), salt: row.salt as ArrayBuffer }));
  const quiet = (dump.quiet_days ?? []).flatMap((row) => {
    const { salt } = JSON.parse(String(row.body)) as { salt?: string };
    return salt === undefined ? [] : [{ day: Number(row.day), salt: Uint8Array.from(atob(salt), (char) => char.charCodeAt(0)).buffer }];
  });
  return [...tables, ...quiet].sort((a, b) => a.day - b.day);
}
