/**
 * Rows kept as JSON arrays in a few table rows rather than one table row each: what a Durable
 * Object bills is rows written, and a day's roll-ups have thousands of entries. A packed body stays
 * under MAX_PACKED_CHARS (well under the 2 MB row limit and the 64 KB this project allows a row);
 * a longer list takes several parts. An entry is never split.
 */
export const MAX_PACKED_CHARS = 60_000;

export function packRows(entries: readonly unknown[], maxChars = MAX_PACKED_CHARS): string[] {
  const bodies: string[] = [];
  let current: string[] = [];
  let size = 2;
  for (const entry of entries) {
    const text = JSON.stringify(entry);
    if (current.length > 0 && size + text.length + 1 > maxChars) {
      bodies.push(`[${current.join(",")}]`);
      current = [];
      size = 2;
    }
    current.push(text);
    size += text.length + 1;
  }
  if (current.length > 0) bodies.push(`[${current.join(",")}]`);
  return bodies;
}
