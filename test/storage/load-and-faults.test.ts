import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { USER_AGENTS } from "../support/collector";
import { dumpTables } from "../support/storage-dump";

/**
 * 10,000 hits at high concurrency, with faults injected into the site's real Durable Object:
 * storage writes failing half way through hits for a stretch of the load, and resets of the
 * instance (ctx.abort(), as a crash would). A client
 * retries each hit that was not acknowledged (202), with the same event id. Every hit must be
 * counted exactly once: none acknowledged and lost, none counted twice.
 */
const SITE = "faults.test";
const HITS = 10_000;
const WAVE = 500;

const store = () => env.SITE_STORE.getByName(SITE);

/**
 * The tables a hit writes, each a write point the injected failures must reach: the event id
 * (seen_events), the visitor row (visitors) and the counters (hourly_counters).
 */
const WRITE_POINTS = ["seen_events", "visitors", "hourly_counters"];

/** The table an INSERT, UPDATE, DELETE or REPLACE writes; undefined for a read. */
function tableWritten(query: string): string | undefined {
  return /^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+"?(\w+)"?/i.exec(query)?.[1];
}

/** While failures are injected: writes attempted and failures injected, per table written. */
const attempted = new Map<string, number>();
const injected = new Map<string, number>();
const bump = (counts: Map<string, number>, table: string) => counts.set(table, (counts.get(table) ?? 0) + 1);

/** An injected failure comes at one of the first this many writes to its write point. */
const FAIL_WITHIN = 20;

/**
 * From now until the next reset, writes fail in turn at each write point: one of the next 20
 * writes to the first table throws, then one of the next 20 to the second, and so on round the
 * tables, so every table a hit writes sees failures, part way through a batch's writes. A storage
 * failure injected into the real object, not a mock: the object's shared SqlStorage
 * (ctx.storage.sql) has its `exec` wrapped, so every module of the object that writes through it
 * meets the failures.
 */
async function injectStorageFailures(): Promise<void> {
  await runInDurableObject(store(), (_instance: unknown, state: DurableObjectState) => {
    const sql = state.storage.sql;
    const exec = sql.exec;
    let turn = 0;
    let writesLeft = 1 + Math.floor(Math.random() * FAIL_WITHIN);
    sql.exec = function (this: SqlStorage, query: string, ...bindings: SqlStorageValue[]) {
      const table = tableWritten(query);
      if (table !== undefined) {
        bump(attempted, table);
        if (table === WRITE_POINTS[turn % WRITE_POINTS.length] && --writesLeft === 0) {
          bump(injected, table);
          turn += 1;
          writesLeft = 1 + Math.floor(Math.random() * FAIL_WITHIN);
          throw new Error(`injected storage failure (${table})`);
        }
      }
      return exec.call(this, query, ...bindings);
    } as SqlStorage["exec"];
    // Assigning works: the object's code now calls the wrapper.
    expect(state.storage.sql.exec).not.toBe(exec);
  });
}

function send(index: number): Promise<Response> {
  const visitor = index % 800;
  return exports.default.fetch(
    new Request("https://collector.test/api/event", {
      method: "POST",
      headers: {
        "content-type": "text/plain",
        "user-agent": USER_AGENTS.windowsChrome,
        // Header values only (the documentation range 198.18.0.0/15): nothing is sent anywhere.
        "cf-connecting-ip": `198.18.${visitor >> 8}.${visitor & 255}`,
      },
      body: JSON.stringify({
        n: index % 10 === 0 ? "purchase" : "pageview",
        u: `https://${SITE}/p/${index % 50}`,
        d: SITE,
        id: `hit-${String(index).padStart(8, "0")}`,
      }),
    }),
  );
}

describe("load and faults", () => {
  // 13 to 18 s idle; 42 to 54 s with both cores busy.
  it("counts 10,000 concurrent hits exactly once through storage failures and resets of the Durable Object", async () => {
    let notAcknowledged = 0;
    const acknowledged = new Set<number>();
    const attempt = async (indexes: number[]) => {
      const responses = await Promise.all(indexes.map(async (index) => ({ index, status: (await send(index)).status })));
      for (const { index, status } of responses) {
        if (status === 202) acknowledged.add(index);
        else {
          expect(status).toBe(503);
          notAcknowledged += 1;
        }
      }
    };
    for (let start = 0; start < HITS; start += WAVE) {
      const wave = Array.from({ length: WAVE }, (_, i) => start + i);
      const faulty = start === 8 * WAVE || start === 14 * WAVE;
      const running = attempt(wave);
      await running;
      if (faulty) {
        // Then the instance is reset (ctx.abort(), as a crash or a deploy would): its memory
        // (salt keys, rate counts, the failing storage below) is gone, its storage is not.
        await runInDurableObject(store(), (_instance: unknown, state: DurableObjectState) => state.abort("injected reset")).catch(
          () => undefined,
        );
      }
      if (start === 4 * WAVE) await injectStorageFailures();
    }
    // The client retries what was not acknowledged, with the same event ids.
    for (let round = 0; round < 10 && acknowledged.size < HITS; round++) {
      await attempt(Array.from({ length: HITS }, (_, i) => i).filter((index) => !acknowledged.has(index)));
    }
    expect(acknowledged.size).toBe(HITS);
    console.log(
      JSON.stringify({
        record: "load and faults",
        hits: HITS,
        refused_by_injected_faults_then_retried: notAcknowledged,
        resets: 2,
        writes_while_injecting: Object.fromEntries(attempted),
        injected_failures: Object.fromEntries(injected),
      }),
    );
    // The injected failures really refused hits (whole batches of the four waves they ran through).
    expect(notAcknowledged).toBeGreaterThan(20);
    // ... and reached every write point: writes to each table a hit writes were attempted and
    // failed, and no table was written past the injection (the day's salt may be created too, and
    // the day's first hits of each of the 50 pages add them to day_values, the daily caps' table).
    for (const table of WRITE_POINTS) {
      expect(attempted.get(table) ?? 0, `writes to ${table} while failures were injected`).toBeGreaterThan(0);
      expect(injected.get(table) ?? 0, `failures injected into writes to ${table}`).toBeGreaterThan(0);
    }
    const unreached = [...attempted.keys()].filter((table) => !WRITE_POINTS.includes(table) && table !== "salts" && table !== "day_values");
    expect(unreached, "tables written while failures were injected, not in WRITE_POINTS").toEqual([]);

    const dump = await dumpTables(env.SITE_STORE.getByName(SITE));
    const sum = (column: string) => (dump.hourly_counters ?? []).reduce((total, row) => total + Number(row[column]), 0);
    expect(sum("hits")).toBe(HITS);
    expect(dump.seen_events).toHaveLength(HITS);
    // Every purchase (each tenth hit) once: 1,000 conversions.
    expect((dump.hourly_counters ?? []).filter((row) => row.class === "macro").reduce((total, row) => total + Number(row.hits), 0)).toBe(
      HITS / 10,
    );
  }, 600_000);

  it("records a retried hit once, acknowledging the retry too", async () => {
    const first = await send(HITS + 1);
    const retry = await send(HITS + 1);
    expect([first.status, retry.status]).toEqual([202, 202]);
  });
});
