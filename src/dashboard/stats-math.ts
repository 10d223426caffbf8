/** Small maths the dashboard adds to the API's figures. Pure. */

/** Relative change from `previous` to `current` (0.25 is +25 %); null when there is nothing to compare with. */
export function relativeChange(current: number, previous: number): number | null {
  if (previous === 0) return current === 0 ? 0 : null;
  return (current - previous) / previous;
}

/**
 * The 95 % confidence interval of `rateB - rateA`, two independent proportions with the normal
 * approximation (Wald), the interval that matches the API's two-proportion z-test. Null when a
 * side has no visitors.
 */
export function differenceInterval(rateA: number, visitorsA: number, rateB: number, visitorsB: number): [number, number] | null {
  if (visitorsA <= 0 || visitorsB <= 0) return null;
  const standardError = Math.sqrt((rateA * (1 - rateA)) / visitorsA + (rateB * (1 - rateB)) / visitorsB);
  const difference = rateB - rateA;
  return [difference - 1.959964 * standardError, difference + 1.959964 * standardError];
}

/** The average of `values` weighted by `weights`, ignoring null values; null when none is left. */
export function weightedAverage(rows: readonly { value: number | null; weight: number }[]): number | null {
  let sum = 0;
  let weight = 0;
  for (const row of rows) {
    if (row.value === null || row.weight <= 0) continue;
    sum += row.value * row.weight;
    weight += row.weight;
  }
  return weight === 0 ? null : sum / weight;
}
