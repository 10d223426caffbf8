import type { CountedDropReason, DropRow } from "../domain/reports/report";

/**
 * The `dropped_hits` table: hits dropped on purpose (bots, privacy signals, rate limit...),
 * counted per hour and reason so the owner sees what was filtered and why. Counts only.
 */
export class DropCounter {
  constructor(private readonly sql: SqlStorage) {}

  /** Counts one drop in the site's local hour `localHour` (domain/time/site-time.ts). */
  count(reason: CountedDropReason, localHour: number): void {
    this.sql.exec(
      `INSERT INTO dropped_hits (hour, reason, hits) VALUES (?, ?, 1)
       ON CONFLICT DO UPDATE SET hits = hits + 1`,
      localHour,
      reason,
    );
  }

  /** Drops per reason over an hour range (drops carry no dimension, so no filter applies). */
  read(fromHour: number, toHour: number): DropRow[] {
    return this.sql
      .exec<{ reason: string; hits: number }>(
        "SELECT reason, SUM(hits) AS hits FROM dropped_hits WHERE hour BETWEEN ? AND ? GROUP BY reason",
        fromHour,
        toHour,
      )
      .toArray()
      .map((row) => ({ reason: row.reason, hits: row.hits }));
  }

  /** Whether any hit was ever dropped. */
  any(): boolean {
    return this.sql.exec("SELECT 1 FROM dropped_hits LIMIT 1").toArray().length > 0;
  }
}
