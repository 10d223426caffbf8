import { describe, expect, it } from "vitest";
import { minorUnitDigits, revenueMap, toMinorUnits } from "../../../src/domain/ingest/money";

describe("money in minor units", () => {
  it("knows each currency's minor unit from ISO 4217", () => {
    expect(minorUnitDigits("EUR")).toBe(2);
    expect(minorUnitDigits("USD")).toBe(2);
    expect(minorUnitDigits("JPY")).toBe(0);
    expect(minorUnitDigits("KRW")).toBe(0);
    expect(minorUnitDigits("BHD")).toBe(3);
    expect(minorUnitDigits("KWD")).toBe(3);
  });

  it("converts amounts to whole minor units, rounding what the currency cannot hold", () => {
    expect(toMinorUnits({ amount: 19.99, currency: "EUR" })).toBe(1_999);
    expect(toMinorUnits({ amount: 0.1, currency: "EUR" })).toBe(10);
    expect(toMinorUnits({ amount: 1_500, currency: "JPY" })).toBe(1_500);
    expect(toMinorUnits({ amount: 12.345, currency: "BHD" })).toBe(12_345);
    expect(toMinorUnits({ amount: 1e12, currency: "EUR" })).toBe(1e14);
  });

  it("reports sums in units, exactly up to 2^53 minor units, leaving out empty currencies", () => {
    const sums = new Map([
      ["USD", 1_999],
      ["EUR", 2 ** 53 - 1],
      ["JPY", 1_500],
      ["GBP", 0],
    ]);
    expect(revenueMap(sums)).toEqual({ EUR: (2 ** 53 - 1) / 100, JPY: 1_500, USD: 19.99 });
    expect(Object.keys(revenueMap(sums))).toEqual(["EUR", "JPY", "USD"]);
  });
});
