/**
 * Hits one client (a salted hash of IP and site, kept in memory only) may send a site per
 * minute. A person browsing sends a few; more than two a second for a minute is a script.
 */
export const RATE_LIMIT_PER_MINUTE = 120;

/**
 * Hits a trusted server-side sender may forward to a site per minute: it speaks for many visitors,
 * so it has a limit of its own instead of the per-visitor one (docs/api.md, "Server-side senders").
 */
export const SENDER_RATE_LIMIT_PER_MINUTE = 6_000;

/**
 * Counts hits per client in the current minute and says when one goes over the limit. In memory
 * only: it starts over every minute (and when the object restarts), and stores nothing.
 */
export class ClientRateLimit {
  private minute = -1;
  private readonly hitsThisMinute = new Map<string, number>();

  /** Counts the client's hit arriving at `timestamp`; true once it is over `limitPerMinute` this minute. */
  overLimit(clientKey: string, timestamp: number, limitPerMinute = RATE_LIMIT_PER_MINUTE): boolean {
    const minute = Math.floor(timestamp / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.hitsThisMinute.clear();
    }
    const hits = (this.hitsThisMinute.get(clientKey) ?? 0) + 1;
    this.hitsThisMinute.set(clientKey, hits);
    return hits > limitPerMinute;
  }
}
