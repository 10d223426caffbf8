/**
 * The `seen_events` table: client event ids of recorded hits with their local day, kept two days
 * (deleted with the day's visitor rows, visitor-days.ts), so a retried hit is recorded once.
 */
export class SeenEvents {
  constructor(private readonly sql: SqlStorage) {}

  /** Whether the id is stored. */
  has(id: string): boolean {
    return this.sql.exec("SELECT 1 FROM seen_events WHERE id = ?", id).toArray().length > 0;
  }

  /** Stores an id (inside the caller's transaction); returns the rows written. */
  insert(id: string, day: number): number {
    return this.sql.exec("INSERT INTO seen_events (id, day) VALUES (?, ?) ON CONFLICT DO NOTHING", id, day).rowsWritten;
  }
}
