/**
 * Reports as CSV (RFC 4180): a header row, then one line per row; nested objects become columns
 * joined by `_` (`macro.revenue.EUR` is `macro_revenue_EUR`). Text that a spreadsheet would run as
 * a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'`:
 * pages, campaigns and event names come from visitors' browsers, and a report is opened by a person.
 */
type Cell = string | number | boolean | null;

function flatten(value: unknown, prefix: string, into: Map<string, Cell>): void {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix === "" ? key : `${prefix}_${key}`, into);
    return;
  }
  if (Array.isArray(value)) into.set(prefix, value.map(String).join(" "));
  else if (value === undefined) into.set(prefix, null);
  else into.set(prefix, value as Cell);
}

const FORMULA_START = /^[=+\-@\t\r]/;

function cell(value: Cell | undefined): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The rows as CSV, with the union of their (flattened) keys as header, in first-seen order. */
export function toCsv(rows: readonly object[]): string {
  const flat = rows.map((row) => {
    const cells = new Map<string, Cell>();
    flatten(row, "", cells);
    return cells;
  });
  const header = [...new Set(flat.flatMap((cells) => [...cells.keys()]))];
  const lines = [header.map((name) => cell(name)).join(","), ...flat.map((cells) => header.map((name) => cell(cells.get(name))).join(","))];
  return `${lines.join("\r\n")}\r\n`;
}

/** Whether a request asks for CSV: `?format=csv`, or an Accept header preferring text/csv over JSON. */
export function wantsCsv(format: string | undefined, accept: string | undefined): boolean {
  if (format !== undefined) return format === "csv";
  const types = (accept ?? "").toLowerCase();
  return types.includes("text/csv") && !types.includes("application/json");
}
