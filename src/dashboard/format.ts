/** How figures read on the dashboard: English number formats, percentages to one decimal. */

const integer = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });
const decimal = new Intl.NumberFormat("en", { maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat("en", { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });

export const formatCount = (value: number): string => (Math.abs(value) >= 100_000 ? compact.format(value) : integer.format(value));
export const formatDecimal = (value: number): string => decimal.format(value);
export const formatPercent = (value: number): string => percent.format(value);

export function formatMoney(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).format(amount);
  } catch {
    return `${decimal.format(amount)} ${currency}`;
  }
}

/** Revenue per currency, one a line (`€59.90` and `$12.00` below it), or an en dash when there is none. */
export function formatRevenue(revenue: Record<string, number>): string {
  const entries = Object.entries(revenue).filter(([, amount]) => amount > 0);
  return entries.length === 0 ? "–" : entries.map(([currency, amount]) => formatMoney(amount, currency)).join("\n");
}

/** `1 m 05 s`, `42 s`. */
export function formatDuration(seconds: number): string {
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes} m ${String(whole % 60).padStart(2, "0")} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} m`;
}

/** A change as `+12.5%` / `−3.0%`, or "new" when the previous period had none. */
export function formatChange(change: number | null): string {
  if (change === null) return "new";
  if (change === 0) return "±0%";
  return `${change > 0 ? "+" : "−"}${percent.format(Math.abs(change))}`;
}

/** Percentage points, for differences of rates: `+3.2 pp`. */
export const formatPoints = (difference: number): string =>
  `${difference >= 0 ? "+" : "−"}${decimal.format(Math.abs(difference * 100))} pp`;

// Made on first use: its region data is only needed once a country is shown.
let regionNames: Intl.DisplayNames | null | undefined;
function regionName(code: string): string | undefined {
  if (regionNames === undefined) {
    try {
      regionNames = new Intl.DisplayNames(["en"], { type: "region" });
    } catch {
      regionNames = null;
    }
  }
  return regionNames?.of(code);
}

/** `DE` → `Germany (DE)`; anything else as it is. */
export function countryName(code: string): string {
  if (!/^[A-Z]{2}$/.test(code)) return code;
  try {
    const name = regionName(code);
    return name && name !== code ? `${name} (${code})` : code;
  } catch {
    return code;
  }
}
