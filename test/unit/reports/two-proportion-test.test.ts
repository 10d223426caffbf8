import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { twoProportionTest, twoSidedPValue } from "../../../src/domain/reports/two-proportion-test";

/*
 * Expected values worked out by hand with the pooled two-proportion z-test,
 *   p = (x_a + x_b) / (n_a + n_b),  SE = sqrt(p (1 - p) (1/n_a + 1/n_b)),  z = (x_b/n_b - x_a/n_a) / SE,
 * and the two-sided p-value erfc(|z| / sqrt 2), cross-checked with python3:
 *   math.erfc(abs(z) / math.sqrt(2))
 */

describe("twoSidedPValue", () => {
  it.each([
    // The familiar two-sided critical values of the standard normal.
    [1.959963984540054, 0.05],
    [2.5758293035489, 0.01],
    [1.6448536269514722, 0.1],
    // erfc(1/sqrt 2) = 0.31731050786291415; erfc(3/sqrt 2) = 0.0026997960632601913
    [1, 0.31731],
    [3, 0.0027],
  ])("gives the two-sided p-value of z = %f as %f", (z, p) => {
    expect(twoSidedPValue(z)).toBeCloseTo(p, 5);
  });

  it("gives 1 for z = 0", () => {
    expect(twoSidedPValue(0)).toBeCloseTo(1, 5);
    expect(twoSidedPValue(0)).toBeLessThanOrEqual(1);
  });

  it("gives the same p-value for z and -z", () => {
    expect(twoSidedPValue(-1.959963984540054)).toBeCloseTo(0.05, 5);
    expect(twoSidedPValue(-3)).toBeCloseTo(0.0027, 5);
  });

  it("tends to 0 for a very large |z|", () => {
    // erfc(10/sqrt 2) = 1.5e-23
    expect(twoSidedPValue(10)).toBeCloseTo(0, 5);
    expect(twoSidedPValue(-10)).toBeGreaterThanOrEqual(0);
  });

  it("stays within [0, 1] for any z", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (z) => {
        const p = twoSidedPValue(z);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe("twoProportionTest", () => {
  it("finds 13 % against 10 % of 1000 visitors each significant", () => {
    // p = 230/2000 = 0.115; SE = sqrt(0.115 * 0.885 * 0.002) = sqrt(0.00020355) = 0.0142671
    // z = (0.13 - 0.10) / 0.0142671 = 2.10274; p-value = erfc(2.10274 / sqrt 2) = 0.0354885
    const result = twoProportionTest(100, 1000, 130, 1000);
    expect(result.z).toBeCloseTo(2.10274, 4);
    expect(result.p_value).toBeCloseTo(0.0354885, 5);
    expect(result.significant).toBe(true);
  });

  it("does not find 5 of 10 against 2 of 10 significant", () => {
    // p = 7/20 = 0.35; SE = sqrt(0.35 * 0.65 * 0.2) = sqrt(0.0455) = 0.2133073
    // z = (0.5 - 0.2) / 0.2133073 = 1.40642; p-value = erfc(1.40642 / sqrt 2) = 0.1595989
    const result = twoProportionTest(2, 10, 5, 10);
    expect(result.z).toBeCloseTo(1.40642, 4);
    expect(result.p_value).toBeCloseTo(0.1595989, 5);
    expect(result.significant).toBe(false);
  });

  it("compares groups of different sizes", () => {
    // a = 10/100 = 0.1, b = 10/200 = 0.05; p = 20/300 = 0.0666667
    // SE = sqrt(0.0666667 * 0.9333333 * (0.01 + 0.005)) = sqrt(0.000933333) = 0.0305505
    // z = (0.05 - 0.1) / 0.0305505 = -1.63663; p-value = 0.1017069
    const result = twoProportionTest(10, 100, 10, 200);
    expect(result.z).toBeCloseTo(-1.63663, 4);
    expect(result.p_value).toBeCloseTo(0.1017069, 5);
    expect(result.significant).toBe(false);
  });

  it("gives a negative z when b converts less than a", () => {
    // Swapping the first case: z = -2.10274, same p-value.
    const result = twoProportionTest(130, 1000, 100, 1000);
    expect(result.z).toBeCloseTo(-2.10274, 4);
    expect(result.p_value).toBeCloseTo(0.0354885, 5);
    expect(result.significant).toBe(true);
  });

  it("finds a strongly lower rate significant", () => {
    // a = 60/200 = 0.3, b = 30/200 = 0.15; p = 90/400 = 0.225; SE = sqrt(0.225 * 0.775 * 0.01) = 0.0417582
    // z = -0.15 / 0.0417582 = -3.59211; p-value = 0.000328016
    const result = twoProportionTest(60, 200, 30, 200);
    expect(result.z).toBeCloseTo(-3.59211, 4);
    expect(result.p_value).toBeCloseTo(0.000328, 5);
    expect(result.significant).toBe(true);
  });

  it("gives z 0 and p 1 for equal rates", () => {
    // 20/200 = 30/300 = 0.1
    const result = twoProportionTest(20, 200, 30, 300);
    expect(result.z).toBeCloseTo(0, 4);
    expect(result.p_value).toBeCloseTo(1, 5);
    expect(result.significant).toBe(false);
  });

  it.each([
    [0, 0, 5, 100],
    [5, 100, 0, 0],
    [0, 0, 0, 0],
  ])("gives z 0 and p 1 when a group has no visitors (%i/%i vs %i/%i)", (convertedA, visitorsA, convertedB, visitorsB) => {
    expect(twoProportionTest(convertedA, visitorsA, convertedB, visitorsB)).toEqual({ z: 0, p_value: 1, significant: false });
  });

  it.each([
    [0, 50, 0, 50],
    [50, 50, 50, 50],
    [0, 10, 0, 300],
    [10, 10, 300, 300],
  ])(
    "gives z 0 and p 1 when nobody or everybody converted in both groups (%i/%i vs %i/%i)",
    (convertedA, visitorsA, convertedB, visitorsB) => {
      expect(twoProportionTest(convertedA, visitorsA, convertedB, visitorsB)).toEqual({ z: 0, p_value: 1, significant: false });
    },
  );

  const group = fc
    .integer({ min: 1, max: 100_000 })
    .chain((visitors) => fc.tuple(fc.integer({ min: 0, max: visitors }), fc.constant(visitors)));

  it("negates z and keeps p when a and b are swapped", () => {
    fc.assert(
      fc.property(group, group, ([convertedA, visitorsA], [convertedB, visitorsB]) => {
        const ab = twoProportionTest(convertedA, visitorsA, convertedB, visitorsB);
        const ba = twoProportionTest(convertedB, visitorsB, convertedA, visitorsA);
        expect(ba.z).toBeCloseTo(-ab.z, 9);
        expect(ba.p_value).toBeCloseTo(ab.p_value, 12);
        expect(ba.significant).toBe(ab.significant);
      }),
    );
  });

  it("gives z the sign of rate b minus rate a, a p-value within [0, 1], and significance exactly when p < 0.05", () => {
    fc.assert(
      fc.property(group, group, ([convertedA, visitorsA], [convertedB, visitorsB]) => {
        const result = twoProportionTest(convertedA, visitorsA, convertedB, visitorsB);
        const difference = convertedB * visitorsA - convertedA * visitorsB; // sign of x_b/n_b - x_a/n_a, in integers
        expect(Math.sign(result.z)).toBe(Math.sign(difference));
        expect(result.p_value).toBeGreaterThanOrEqual(0);
        expect(result.p_value).toBeLessThanOrEqual(1);
        expect(result.significant).toBe(result.p_value < 0.05);
      }),
    );
  });
});
