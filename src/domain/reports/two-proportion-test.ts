/**
 * Two-proportion z-test (pooled), two-sided: is conversion rate b different from rate a?
 * z = (p_b - p_a) / sqrt(p (1 - p) (1/n_a + 1/n_b)) with p the pooled rate; p-value from the
 * standard normal distribution. Significant at 95 % when p < 0.05.
 */
export interface ProportionTest {
  z: number;
  p_value: number;
  significant: boolean;
}

/**
 * The complementary error function by the published Chebyshev fit known as erfcc (Press et al.,
 * Numerical Recipes, 6.2; fractional error below 1.2e-7 everywhere): ample for p-values.
 */
function erfc(x: number): number {
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const y =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? y : 2 - y;
}

/** Two-sided p-value of a standard normal z. */
export const twoSidedPValue = (z: number): number => Math.min(1, erfc(Math.abs(z) / Math.SQRT2));

export function twoProportionTest(convertedA: number, visitorsA: number, convertedB: number, visitorsB: number): ProportionTest {
  if (visitorsA === 0 || visitorsB === 0) return { z: 0, p_value: 1, significant: false };
  const pooled = (convertedA + convertedB) / (visitorsA + visitorsB);
  const standardError = Math.sqrt(pooled * (1 - pooled) * (1 / visitorsA + 1 / visitorsB));
  // Identical all-or-nothing rates leave no variance: nothing to tell apart.
  if (standardError === 0) return { z: 0, p_value: 1, significant: false };
  const z = (convertedB / visitorsB - convertedA / visitorsA) / standardError;
  const pValue = twoSidedPValue(z);
  return { z, p_value: pValue, significant: pValue < 0.05 };
}
