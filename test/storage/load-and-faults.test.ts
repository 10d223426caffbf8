import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { SiteStore } from "../../src/storage/site-store";
import { USER_AGENTS } from "../support/collector";
import { dumpTables } from "../support/storage-dump";

/**
 * 10,000 hits at high concurrency, with faults injected into the site's real Durable Object:
 * storage writes failing at each point of the write path (the first batch's write of its day's
 * quiet-day row; the write-log insert of a batch; the visitor and event id bucket write, counter
 * upsert and log delete of a checkpoint), and resets of
 * the instance (ctx.abort(), as a crash would): while acknowledged hits are pending in the log,
 * and in the middle of a checkpoint. A client retries each hit that was not acknowledged (202),
 * with the same event id. Every hit must be counted exactly once: none acknowledged and lost,
 * none counted twice.
 */
const SITE = "faults.test";
const HITS = 10_000;
const WAVE = 500;

const store = () => env.SITE_STORE.getByName(SITE);

/** The statements faults are injected into, by the text that starts them. */
const STATEMENTS = {
  "quiet day row": "INSERT INTO quiet_days",
  "log insert": "INSERT INTO write_log",
  "visitor and event id buckets": "INSERT INTO day_buckets",
  "counter upsert": "INSERT INTO hourly_counters_parts",
  "log delete": "DELETE FROM write_log",
} as const;
type Statement = keyof typeof STATEMENTS;
type Fault = Statement | "reset in a checkpoint";

/** How often each fault was injected: every injection point must be reached. */
const reached: Record<Fault, number> = {
  "quiet day row": 0,
  "log insert": 0,
  "visitor and event id buckets": 0,
  "counter upsert": 0,
  "log delete": 0,
  "reset in a checkpoint": 0,
};
/** The next statement of this kind fails (or, for a reset, aborts the object), once. */
let armed: Fault | null = null;
/** While faults are injected, every this many write-log inserts (batches) one fails (0: none). */
let logInsertFailureEvery = 0;
let logInserts = 0;

/**
 * Until the next reset, the live instance's SQL statements go through the injector: a storage
 * failure injected into the real object (its one SqlStorage, shared by every table module), not a mock.
 */
async function injectFaults(): Promise<void> {
  await runInDurableObject(store(), (instance: object, state: DurableObjectState) => {
    const sql = (instance as { sql: SqlStorage }).sql;
    const exec = sql.exec.bind(sql);
    const injected = (query: string, ...bindings: SqlStorageValue[]) => {
      const statement = (Object.keys(STATEMENTS) as Statement[]).find((kind) => query.trimStart().startsWith(STATEMENTS[kind]));
      if (statement === "log delete" && armed === "reset in a checkpoint") {
        armed = null;
        reached["reset in a checkpoint"] += 1;
        state.abort("injected reset in a checkpoint");
      }
      if (
        statement !== undefined &&
        (armed === statement || (statement === "log insert" && logInsertFailureEvery > 0 && ++logInserts % logInsertFailureEvery === 0))
      ) {
        if (armed === statement) armed = null;
        reached[statement] += 1;
        throw new Error(`injected storage failure: ${statement}`);
      }
      return exec(query, ...bindings);
    };
    sql.exec = injected as SqlStorage["exec"];
  });
}

/** Fails the next statement of one kind, then runs a checkpoint (as a read would) and expects it to fail. */
async function failCheckpointAt(fault: Fault): Promise<void> {
  armed = fault;
  const before = reached[fault];
  // Called inside the object, so the failure is caught where it happens.
  const outcome = await runInDurableObject(store(), async (instance: SiteStore) => {
    try {
      await instance.checkpoint();
      return "committed";
    } catch {
      return "failed";
    }
  }).catch(() => "reset");
  expect(outcome).toBe(fault === "reset in a checkpoint" ? "reset" : "failed");
  expect(reached[fault]).toBe(before + 1);
  armed = null;
}

/**
 * Resets the object (ctx.abort(), as a crash or a deploy would): its memory is gone, its storage
 * is not. Returns what the log held then: rows pending, and how far their counters were folded.
 */
async function reset(): Promise<{ logRows: number; countersFoldedThrough: number }> {
  const logged = await runInDurableObject(store(), (_instance: unknown, state: DurableObjectState) => ({
    logRows: state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM write_log").one().n,
    countersFoldedThrough:
      state.storage.sql.exec<{ seq: number }>("SELECT seq FROM write_log_folded WHERE part = 'counters'").toArray()[0]?.seq ?? 0,
  }));
  await runInDurableObject(store(), (_instance: unknown, state: DurableObjectState) => state.abort("injected reset")).catch(
    () => undefined,
  );
  return logged;
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
  // About 13 s idle; give it room with both cores busy.
  it("counts 10,000 concurrent hits exactly once through storage failures at every write, and resets of the Durable Object", async () => {
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
    const pendingAtReset: { logRows: number; countersFoldedThrough: number }[] = [];
    const checkpointFaults: Fault[] = ["visitor and event id buckets", "counter upsert", "log delete"];
    // The very first hit, alone on a quiet site, writes its day's quiet-day row (salt,
    // visitor-day, counters): that write fails, so the hit is refused (and sent again with its
    // wave), and the day's salt must survive it.
    armed = "quiet day row";
    await injectFaults();
    await attempt([0]);
    expect(acknowledged.has(0)).toBe(false);
    for (let wave = 0; wave < HITS / WAVE; wave++) {
      const indexes = Array.from({ length: WAVE }, (_, i) => wave * WAVE + i);
      const resetAfter = wave === 8 || wave === 14;
      if (resetAfter) {
        // Half the wave, a read (as a dashboard polls: it folds the pending counters alone, ahead
        // of the rest), then the other half: the log holds rows with counters folded and rows without.
        await attempt(indexes.slice(0, WAVE / 2));
        expect(await store().hasData()).toBe(true);
        await attempt(indexes.slice(WAVE / 2));
      } else await attempt(indexes);
      if (wave === 3 || wave === 11) {
        // A stretch of batches whose log insert fails now and then: their hits are refused (503).
        logInsertFailureEvery = 8;
        await injectFaults();
      }
      // Checkpoints (as a read before a report would run one) failing at each of their statements.
      const fault = checkpointFaults[wave - 4];
      if (fault !== undefined) await failCheckpointAt(fault);
      // Resets while acknowledged hits are pending in the log (between a batch and its checkpoint).
      // Resets while acknowledged hits are pending in the log (between a batch and its
      // checkpoint), some with their counters folded: the restart must count each exactly once.
      if (resetAfter) pendingAtReset.push(await reset());
      if (wave === 9) {
        // A reset in the middle of a checkpoint: its transaction is rolled back.
        logInsertFailureEvery = 0;
        await injectFaults();
        await failCheckpointAt("reset in a checkpoint");
      }
    }
    logInsertFailureEvery = 0;
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
        injected: reached,
        log_rows_pending_at_resets: pendingAtReset,
      }),
    );
    // Every injection point was reached; the failing log inserts really refused hits.
    for (const fault of Object.keys(reached) as Fault[]) expect(reached[fault], fault).toBeGreaterThan(0);
    expect(notAcknowledged).toBeGreaterThan(0);
    // At least one reset lost the object's memory while acknowledged hits were only in the log,
    // some of them with their counters folded and some not.
    expect(pendingAtReset.some(({ logRows, countersFoldedThrough }) => logRows > 0 && countersFoldedThrough > 0)).toBe(true);

    const dump = await dumpTables(env.SITE_STORE.getByName(SITE));
    expect(dump.write_log).toHaveLength(0);
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
