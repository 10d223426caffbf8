/**
 * Money is kept as an integer count of the currency's minor unit (cents for EUR, yen for JPY,
 * fils for BHD), so sums are exact: JavaScript numbers and SQLite's TOTAL() hold every integer up to
 * 2^53, which is 90 trillion euros in cents. Amounts with more decimals than the currency has are
 * rounded to its minor unit.
 */
export interface Money {
  /** Amount in units of the currency (e.g. 12.5 EUR). */
  amount: number;
  /** ISO 4217 code, upper case. */
  currency: string;
}

const digitsByCurrency = new Map<string, number>();

/** Decimals of the currency's minor unit from ICU (EUR 2, JPY 0, BHD 3); 2 when unknown. */
export function minorUnitDigits(currency: string): number {
  let digits = digitsByCurrency.get(currency);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    digitsByCurrency.set(currency, digits);
  }
  return digits;
}

/** The amount in minor units, rounded to a whole one. */
export const toMinorUnits = (money: Money): number => Math.round(money.amount * 10 ** minorUnitDigits(money.currency));

/** A map currency -> amount from per-currency sums in minor units; currencies with no money are left out. */
export function revenueMap(minorByCurrency: ReadonlyMap<string, number>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [currency, minor] of [...minorByCurrency].sort(([a], [b]) => a.localeCompare(b))) {
    if (currency !== "" && minor !== 0) result[currency] = minor / 10 ** minorUnitDigits(currency);
  }
  return result;
}
