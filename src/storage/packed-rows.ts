/**
 * Rows kept as JSON arrays in a few table rows rather than one table row each: what a Durable
 * Object bills is rows written, and a day's roll-ups have thousands of entries. A packed body stays
 * under MAX_PACKED_BYTES bytes of UTF-8 (well under the 2 MB row limit and the 64 KB this project allows a row);
 * a longer list takes several parts. An entry is never split.
 */
export const MAX_PACKED_BYTES = 60_000;

/**
 * The `dimension` of the one row that holds every dimension of a small day, each entry led by its
 * dimension (`day_dimension_parts`, `dimension_days`): a day of a few hits wrote a row per
 * dimension. Not the name of any dimension.
 */
export const ALL_DIMENSIONS = "*";

/**
 * The packed bodies to store per dimension: every dimension's entries in one ALL_DIMENSIONS row
 * when they fit one (each entry led by its dimension), else each dimension's own bodies.
 */
export function packByDimension(byDimension: readonly [string, readonly unknown[][]][]): [string, string[]][] {
  const together = packRows(byDimension.flatMap(([dimension, entries]) => entries.map((entry) => [dimension, ...entry])));
  return together.length === 1 ? [[ALL_DIMENSIONS, together]] : byDimension.map(([dimension, entries]) => [dimension, packRows(entries)]);
}

/** The entries of `dimension` in a stored body: all of a row of its own, or its own of an ALL_DIMENSIONS row. */
export function unpackDimension<Entry extends unknown[]>(stored: string, body: string, dimension: string): Entry[] {
  if (stored !== ALL_DIMENSIONS) return JSON.parse(body) as Entry[];
  return (JSON.parse(body) as [string, ...unknown[]][]).flatMap(([of, ...entry]) => (of === dimension ? [entry as Entry] : []));
}

// JSON text is printable ASCII but for non-ASCII characters in strings (control characters are escaped).
const NOT_PRINTABLE_ASCII = /[^ -~]/;
const encoder = new TextEncoder();
/** UTF-8 bytes of `text`: what a row stores, and what the 64 KB this project allows a row is counted in. */
export const bytesOf = (text: string) => (NOT_PRINTABLE_ASCII.test(text) ? encoder.encode(text).length : text.length);

/** Bodies of at most `maxBytes` UTF-8 bytes (one entry longer than that alone in its body). */
export function packRows(entries: readonly unknown[], maxBytes = MAX_PACKED_BYTES): string[] {
  const bodies: string[] = [];
  let current: string[] = [];
  let size = 2;
  for (const entry of entries) {
    const text = JSON.stringify(entry);
    const bytes = bytesOf(text);
    if (current.length > 0 && size + bytes + 1 > maxBytes) {
      bodies.push(`[${current.join(",")}]`);
      current = [];
      size = 2;
    }
    current.push(text);
    size += bytes + 1;
  }
  if (current.length > 0) bodies.push(`[${current.join(",")}]`);
  return bodies;
}

/** FNV-1a over UTF-16 code units, as an unsigned 32-bit integer: stable, as stored layouts (which bucket a key is in) depend on it. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
