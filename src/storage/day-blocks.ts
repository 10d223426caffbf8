import { ALL_DIMENSIONS, packRows } from "./packed-rows";

/**
 * Blocks of closed days' aggregates, so that a long report reads a few packed blocks per
 * dimension instead of one entry set per day: a 90-day report of a site of thousands of pages
 * parsed ~290,000 page entries (90 days of ~3,200), most of them the same pages day after day.
 *
 * A block of level k holds the merged day aggregates (day-aggregates.ts entries: value, kind,
 * class, currency, then sums) of the 2^k days from `start_day`, a multiple of 2^k: aligned, as in
 * a binary (dyadic) decomposition, so any range of days is covered by at most about two blocks
 * per level plus single days, and a block never needs rewriting when later days close.
 *
 * - Built at the day close for blocks that end the day before yesterday: yesterday can still be
 *   reopened by a late hit (an authenticated sender may date a hit 24 hours back), which would
 *   drop every block holding it the same day it was built.
 * - Built only where they save reading: from at least BLOCK_MIN_PIECES pieces or BLOCK_MIN_ENTRIES
 *   entries, per dimension. A small site (a lone hit a day) writes none and reads its few days
 *   directly; a large site's page dimension gets every level.
 * - A block exists only while every day it spans is aggregated or has no counters: a counter
 *   written into one of its days (DayAggregates.reopen) drops it, and the close after rebuilds it.
 *
 * Every figure is a sum of the days' sums, so a report read through blocks equals the one read
 * day by day (test/storage/day-blocks.test.ts).
 */

/** Blocks of up to 2^9 = 512 days: a year-long range is a handful of blocks. */
const MAX_BLOCK_LEVEL = 9;
/** A block is worth its rows when a read would otherwise open at least this many pieces... */
const BLOCK_MIN_PIECES = 4;
/** ...or parse at least this many entries (of which the merged block holds fewer). */
const BLOCK_MIN_ENTRIES = 4_000;

/** A packed day-aggregate entry: value, kind, class, currency, then the sums (migrations.ts DAY_DIMENSION_COLUMNS). */
export type AggregateEntry = [string, string, string, string, ...number[]];
const KEY_COLUMNS = 4;

const blockSpan = (level: number) => 2 ** level;
const blockStart = (day: number, level: number) => day - (((day % blockSpan(level)) + blockSpan(level)) % blockSpan(level));

/**
 * Decoded pieces kept in memory, by entries held (about 150 bytes each: some 15 MB at most, next to
 * the packed counters' cache of about 24 MB in an object's 128 MB): a
 * dashboard reading the last 90 days again and again parses nothing twice. A block does not
 * change while it exists; a day's aggregates only when the day is reopened or aggregated again.
 */
const MAX_CACHED_ENTRIES = 100_000;

/** A piece of a range's cover: a block, or one day's own aggregates. */
type Piece = { level: number; start: number };

/** Entries merged by key (value, kind, class, currency), sums added. */
function mergeEntries(groups: Iterable<readonly AggregateEntry[]>): AggregateEntry[] {
  const merged = new Map<string, AggregateEntry>();
  for (const entries of groups) {
    for (const entry of entries) {
      const key = `${entry[0]}\u001f${entry[1]}\u001f${entry[2]}\u001f${entry[3]}`;
      const known = merged.get(key);
      if (known === undefined) merged.set(key, [...entry]);
      else for (let i = KEY_COLUMNS; i < entry.length; i++) known[i] = Number(known[i] ?? 0) + Number(entry[i] ?? 0);
    }
  }
  return [...merged.values()];
}

/** The `day_block_parts` table: written at day close and dropped on reopen by DayAggregates, read by its reports. */
export class DayBlocks {
  /**
   * The last day any stored block spans, once known (null: none): reopening a later day (every
   * batch reopens the days it writes) needs no query. Only ever too high after a failed
   * transaction, which costs a few deletes that find nothing.
   */
  private lastBlockedDay: number | null | undefined;
  /** Decoded pieces by `level:start:dimension`, least recently read first. */
  private readonly decoded = new Map<string, AggregateEntry[]>();
  private decodedEntries = 0;

  constructor(
    private readonly sql: SqlStorage,
    /** One day's own aggregate entries of a dimension (empty when the day has none). */
    private readonly dayEntries: (dimension: string, day: number) => AggregateEntry[],
  ) {}

  /**
   * The pieces covering `[fromDay, toDay]` for `dimension`: greedily the largest stored aligned
   * block starting at each point, else the day itself where it has aggregates of its own.
   */
  cover(dimension: string, fromDay: number, toDay: number): Piece[] {
    const daysWithEntries = new Set(
      this.sql
        .exec<{ day: number }>(
          // A small day's dimensions share a row (ALL_DIMENSIONS): it may hold this one.
          "SELECT DISTINCT day FROM day_dimension_parts WHERE dimension IN (?, ?) AND day BETWEEN ? AND ?",
          dimension,
          ALL_DIMENSIONS,
          fromDay,
          toDay,
        )
        .toArray()
        .map((row) => row.day),
    );
    const stored = new Set(
      this.sql
        .exec<{ level: number; start_day: number }>(
          "SELECT level, start_day FROM day_block_parts WHERE dimension = ? AND part = 0 AND start_day BETWEEN ? AND ?",
          dimension,
          fromDay,
          toDay,
        )
        .toArray()
        .map((row) => `${row.level}:${row.start_day}`),
    );
    const pieces: Piece[] = [];
    let day = fromDay;
    while (day <= toDay) {
      let level = MAX_BLOCK_LEVEL;
      while (level > 0 && !(blockStart(day, level) === day && day + blockSpan(level) - 1 <= toDay && stored.has(`${level}:${day}`)))
        level--;
      if (level > 0 || daysWithEntries.has(day)) pieces.push({ level, start: day });
      day += blockSpan(level);
    }
    return pieces;
  }

  /** The entries of one piece: a block's merged entries, or a day's own. Not to be modified. */
  entriesOf(dimension: string, piece: Piece): readonly AggregateEntry[] {
    const id = `${piece.level}:${piece.start}:${dimension}`;
    const known = this.decoded.get(id);
    if (known !== undefined) {
      this.decoded.delete(id);
      this.decoded.set(id, known);
      return known;
    }
    const entries = this.read(dimension, piece);
    this.decoded.set(id, entries);
    this.decodedEntries += entries.length;
    for (const [oldest, dropped] of this.decoded) {
      if (this.decodedEntries <= MAX_CACHED_ENTRIES || oldest === id) break;
      this.decoded.delete(oldest);
      this.decodedEntries -= dropped.length;
    }
    return entries;
  }

  private read(dimension: string, piece: Piece): AggregateEntry[] {
    if (piece.level === 0) return this.dayEntries(dimension, piece.start);
    const entries: AggregateEntry[] = [];
    for (const { body } of this.sql.exec<{ body: string }>(
      "SELECT body FROM day_block_parts WHERE level = ? AND start_day = ? AND dimension = ?",
      piece.level,
      piece.start,
      dimension,
    )) {
      for (const entry of JSON.parse(body) as AggregateEntry[]) entries.push(entry);
    }
    return entries;
  }

  /** Every entry of `dimension` over the range (not merged: the reader sums them). Not to be modified. */
  entries(dimension: string, fromDay: number, toDay: number): AggregateEntry[] {
    const entries: AggregateEntry[] = [];
    for (const piece of this.cover(dimension, fromDay, toDay)) for (const entry of this.entriesOf(dimension, piece)) entries.push(entry);
    return entries;
  }

  /**
   * After the close aggregated `closedDays` (in the caller's transaction): builds, lowest level
   * first, the blocks worth building that end on or before `lastDay` (the day before yesterday)
   * and hold one of `closedDays` or end on `lastDay` (after an upgrade from before the blocks, the
   * caller passes every aggregated day). Returns the rows written.
   */
  build(dimensions: readonly string[], closedDays: Iterable<number>, lastDay: number): number {
    const days = new Set([...closedDays, lastDay]);
    let rowsWritten = 0;
    for (const dimension of dimensions) {
      for (let level = 1; level <= MAX_BLOCK_LEVEL; level++) {
        const starts = new Set([...days].map((day) => blockStart(day, level)));
        for (const start of starts) {
          const end = start + blockSpan(level) - 1;
          if (end > lastDay || this.exists(dimension, level, start)) continue;
          const pieces = this.cover(dimension, start, end);
          const groups = pieces.map((piece) => this.entriesOf(dimension, piece));
          const read = groups.reduce((sum, group) => sum + group.length, 0);
          if (read === 0 || (pieces.length < BLOCK_MIN_PIECES && read < BLOCK_MIN_ENTRIES)) continue;
          packRows(mergeEntries(groups)).forEach((body, part) => {
            rowsWritten += this.sql.exec(
              "INSERT INTO day_block_parts (level, start_day, dimension, part, body) VALUES (?, ?, ?, ?, ?)",
              level,
              start,
              dimension,
              part,
              body,
            ).rowsWritten;
          });
          if (this.lastBlockedDay !== undefined && (this.lastBlockedDay === null || end > this.lastBlockedDay)) this.lastBlockedDay = end;
        }
      }
    }
    return rowsWritten;
  }

  private exists(dimension: string, level: number, start: number): boolean {
    return (
      this.sql
        .exec("SELECT 1 FROM day_block_parts WHERE level = ? AND start_day = ? AND dimension = ? AND part = 0", level, start, dimension)
        .toArray().length > 0
    );
  }

  /** Drops every block spanning `day` (counters of that day are being written); returns the rows written. */
  dropSpanning(day: number): number {
    if (this.lastBlockedDay === undefined) {
      const row = this.sql.exec<{ last: number | null }>("SELECT MAX(start_day + (1 << level) - 1) AS last FROM day_block_parts").one();
      this.lastBlockedDay = row.last;
    }
    if (this.lastBlockedDay === null || day > this.lastBlockedDay) return 0;
    let rowsWritten = 0;
    for (let level = 1; level <= MAX_BLOCK_LEVEL; level++) {
      rowsWritten += this.sql.exec(
        "DELETE FROM day_block_parts WHERE level = ? AND start_day = ?",
        level,
        blockStart(day, level),
      ).rowsWritten;
      this.forgetDecoded(level, blockStart(day, level));
    }
    return rowsWritten;
  }

  /** Forgets a piece's decoded entries, of every dimension: a day's aggregates are rewritten or dropped (level 0), or a block. */
  forgetDecoded(level: number, start: number): void {
    const prefix = `${level}:${start}:`;
    for (const [id, entries] of this.decoded) {
      if (!id.startsWith(prefix)) continue;
      this.decoded.delete(id);
      this.decodedEntries -= entries.length;
    }
  }
}
