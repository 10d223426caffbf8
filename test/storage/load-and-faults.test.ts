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
 * From now until the next reset, about 5 % of the live instance's counter writes throw, half way
 * through a hit's writes: a storage failure injected into the real object, not a mock.
 */
async function injectStorageFailures(): Promise<void> {
  await runInDurableObject(store(), (instance: object) => {
    const holder = instance as { sql: SqlStorage };
    const sql = holder.sql;
    holder.sql = new Proxy(sql, {
      get(target, property) {
        if (property !== "exec") {
          const value: unknown = Reflect.get(target, property);
          return typeof value === "function" ? value.bind(target) : value;
        }
        return (query: string, ...bindings: SqlStorageValue[]) => {
          if (query.includes("INSERT INTO hourly_counters") && Math.random() < 0.05) throw new Error("injected storage failure");
          return target.exec(query, ...bindings);
        };
      },
    });
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
        "x-forwarded-for": `198.18.${visitor >> 8}.${visitor & 255}`,
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
      JSON.stringify({ record: "load and faults", hits: HITS, refused_by_injected_faults_then_retried: notAcknowledged, resets: 2 }),
    );
    // The injected failures really refused hits (about 5 % of four waves).
    expect(notAcknowledged).toBeGreaterThan(20);

    const dump = await dumpTables(env.SITE_STORE.getByName(SITE));
    const sum = (column: string) => (dump.hourly_counters ?? []).reduce((total, row) => total + Number(row[column]), 0);
    expect(sum("hits")).toBe(HITS);
    expect(dump.seen_events).toHaveLength(HITS);
    // Every purchase (each tenth hit) once: 1,000 conversions.
    expect((dump.hourly_counters ?? []).filter((row) => row.class === "macro").reduce((total, row) => total + Number(row.hits), 0)).toBe(
      HITS / 10,
    );
  }, 300_000);

  it("records a retried hit once, acknowledging the retry too", async () => {
    const first = await send(HITS + 1);
    const retry = await send(HITS + 1);
    expect([first.status, retry.status]).toEqual([202, 202]);
  });
});
