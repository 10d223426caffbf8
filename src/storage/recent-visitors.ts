import type { VisitorDay } from "../domain/visitors/visit-tracker";

/** "Right now": a visitor whose last hit is at most this old (Plausible's realtime window too). */
export const RECENT_WINDOW_MS = 5 * 60_000;

/**
 * Visitors seen in the last five minutes, in memory only: the last hit time of each visitor-day
 * a batch changed, by visitor-day id (the day's hash; never stored here, gone with the object).
 * A visit crossing midnight has a row under each day's id, so for the five minutes after
 * midnight such a visitor may count twice.
 */
export class RecentVisitors {
  private readonly lastSeen = new Map<string, number>();
  /** Whether the stored visitor-days were read once since the object started (see SiteStore.readRealtime). */
  warm = false;

  saw(visitors: Iterable<VisitorDay>): void {
    for (const visitor of visitors) {
      const known = this.lastSeen.get(visitor.vid) ?? 0;
      if (visitor.lastSeen > known) this.lastSeen.set(visitor.vid, visitor.lastSeen);
    }
  }

  count(now: number): number {
    let visitors = 0;
    for (const [vid, seen] of this.lastSeen) {
      if (now - seen > RECENT_WINDOW_MS) this.lastSeen.delete(vid);
      else visitors += 1;
    }
    return visitors;
  }
}
