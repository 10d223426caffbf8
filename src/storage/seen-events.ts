import type { DayBuckets } from "./day-buckets";

/**
 * Client event ids of recorded hits by local day, in the day buckets (day-buckets.ts), kept two
 * days (deleted with the day's visitor-days), so a retried hit is recorded once.
 */
export class SeenEvents {
  constructor(private readonly buckets: DayBuckets) {}

  /** Whether the id was recorded on `day` or the day before (a retry may cross midnight). */
  has(id: string, day: number): boolean {
    return this.buckets.get("event", day, id) !== undefined || this.buckets.get("event", day - 1, id) !== undefined;
  }

  /** Stages an id, written by the buckets' next flush (in the caller's transaction). */
  insert(id: string, day: number): void {
    this.buckets.put("event", day, id, 1);
  }
}
