import { DurableObject } from "cloudflare:workers";

/**
 * The benchmark's floor (`npm run bench`): one SQLite-backed Durable Object that does nothing
 * but one counter upsert per request. Ingest is measured as a ratio to it. Reached only through
 * /__bench/ routes of the bench worker (bench/wrangler.toml), never deployed.
 */
export class BenchCounter extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
  }

  /** Adds one and returns the new count; durable before the reply, like a recorded hit. */
  async increment(): Promise<number> {
    return this.ctx.storage.sql
      .exec<{ n: number }>("INSERT INTO counter (id, n) VALUES (1, 1) ON CONFLICT DO UPDATE SET n = n + 1 RETURNING n")
      .one().n;
  }
}
