/**
 * Money is kept in integer millionths of the currency unit so that sums of many amounts are exact
 * (floating point would drift over a million additions) and still cover currencies with three
 * decimals.
 */
export interface Money {
  /** Amount in units of the currency (e.g. 12.5 EUR). */
  amount: number;
  /** ISO 4217 code, upper case. */
  currency: string;
}

const MICROS_PER_UNIT = 1_000_000;

export const toMicros = (amount: number): number => Math.round(amount * MICROS_PER_UNIT);
export const fromMicros = (micros: number): number => micros / MICROS_PER_UNIT;

/** A map currency -> amount from per-currency sums in micros; currencies with no money are left out. */
export function revenueMap(microsByCurrency: ReadonlyMap<string, number>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [currency, micros] of [...microsByCurrency].sort(([a], [b]) => a.localeCompare(b))) {
    if (currency !== "" && micros !== 0) result[currency] = fromMicros(micros);
  }
  return result;
}
