import type { VisitorDay } from "../domain/visitors/visit-tracker";
import { CounterBatch } from "./counter-batch";
import type { DayValue } from "./day-values";

/**
 * What one or more batches of hits change in the tables, computed in memory: merged counter
 * increments, the latest state of each visitor-day they touched, their event ids and the day
 * values they admitted. A batch's effects go to the write log (write-log.ts) and are merged into
 * the pending state; a checkpoint writes the pending state into the tables (hit-writer.ts).
 */
export class BatchEffects {
  /** Replaced by an empty batch once folded ahead of the rest (see HitWriter.foldCounters). */
  counters = new CounterBatch();
  /** The latest state of each visitor-day, by vid: a later batch's state replaces an earlier one's. */
  readonly visitors = new Map<string, VisitorDay>();
  /** Event ids with their local day. */
  readonly events = new Map<string, number>();
  readonly dayValues: DayValue[] = [];

  /** Adds a later batch's effects to these. */
  merge(later: BatchEffects): void {
    this.counters.merge(later.counters);
    for (const [vid, visitor] of later.visitors) this.visitors.set(vid, visitor);
    for (const [id, day] of later.events) this.events.set(id, day);
    this.dayValues.push(...later.dayValues);
  }

  /** True when there is nothing to write. */
  isEmpty(): boolean {
    return this.counters.isEmpty() && this.visitors.size === 0 && this.events.size === 0 && this.dayValues.length === 0;
  }
}
