/** What a write was part of: a batch of hits, a checkpoint (or a read's fold), the daily maintenance, or anything else. */
export type Phase = "ingest" | "checkpoint" | "maintenance" | "other";
export const PHASES: readonly Phase[] = ["ingest", "checkpoint", "maintenance", "other"];

/** Rows written, by table and phase. */
export type RowsByTable = Record<string, Record<Phase, number>>;

const WRITE = /^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|DELETE\s+FROM|UPDATE(?:\s+OR\s+\w+)?)\s+"?(\w+)/i;

/**
 * Counts every row an object's SQL writes, from the cursors' own `rowsWritten` (what Durable
 * Object storage bills), by the table the statement writes and the phase it runs in. It wraps
 * `sql.exec` of the one SqlStorage the object uses (every module of SiteStore shares it), so no
 * write escapes it; the code under measurement is unchanged.
 *
 * A cursor's count is final once the statement has run: for statements without RETURNING that is
 * at `exec`, for `RETURNING` once its row was read, which the callers do before their next
 * statement. So each cursor is read when the next statement starts, or when counts are asked for.
 */
export class RowMeter {
  private phase: Phase = "other";
  private readonly counts: RowsByTable = {};
  private last: { cursor: SqlStorageCursor<Record<string, SqlStorageValue>>; table: string; phase: Phase } | null = null;
  private readonly tableOf = new Map<string, string | null>();

  constructor(sql: SqlStorage) {
    const exec = sql.exec.bind(sql);
    sql.exec = <T extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]): SqlStorageCursor<T> => {
      this.settle();
      const cursor = exec<T>(query, ...bindings);
      let table = this.tableOf.get(query);
      if (table === undefined) {
        table = WRITE.exec(query)?.[1] ?? null;
        this.tableOf.set(query, table);
      }
      if (table !== null) this.last = { cursor, table, phase: this.phase };
      return cursor;
    };
  }

  /** Runs `work` (synchronous) with its writes counted in `phase`; a phase inside it counts as itself. */
  during<T>(phase: Phase, work: () => T): T {
    this.settle();
    const outer = this.phase;
    this.phase = phase;
    try {
      return work();
    } finally {
      this.settle();
      this.phase = outer;
    }
  }

  /** Rows written so far, by table and phase. */
  byTable(): RowsByTable {
    this.settle();
    return structuredClone(this.counts);
  }

  private settle(): void {
    if (this.last === null) return;
    const { cursor, table, phase } = this.last;
    this.last = null;
    const rows = cursor.rowsWritten;
    if (rows === 0) return;
    const counts = this.counts[table] ?? { ingest: 0, checkpoint: 0, maintenance: 0, other: 0 };
    counts[phase] += rows;
    this.counts[table] = counts;
  }
}

/** Sums of rows by phase, and in all. */
export function totalsOf(byTable: RowsByTable): { all: number; byPhase: Record<Phase, number> } {
  const byPhase: Record<Phase, number> = { ingest: 0, checkpoint: 0, maintenance: 0, other: 0 };
  for (const counts of Object.values(byTable)) for (const phase of PHASES) byPhase[phase] += counts[phase];
  return { all: PHASES.reduce((sum, phase) => sum + byPhase[phase], 0), byPhase };
}
