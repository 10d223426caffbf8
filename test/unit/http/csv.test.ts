import { describe, expect, it } from "vitest";
import { toCsv, wantsCsv } from "../../../src/http/csv";

describe("toCsv", () => {
  it("writes a header row of the flattened keys, then one CRLF line per row", () => {
    const csv = toCsv([
      { value: "/", visitors: 3, macro: { count: 1, revenue: { EUR: 12.5 } } },
      { value: "/pricing", visitors: 1, macro: { count: 0, revenue: {} } },
    ]);
    expect(csv).toBe("value,visitors,macro_count,macro_revenue_EUR\r\n/,3,1,12.5\r\n/pricing,1,0,\r\n");
  });

  it("quotes commas, quotes, line breaks and edge spaces as RFC 4180 says", () => {
    expect(toCsv([{ v: "a,b" }, { v: 'say "hi"' }, { v: "two\nlines" }, { v: " padded" }])).toBe(
      'v\r\n"a,b"\r\n"say ""hi"""\r\n"two\nlines"\r\n" padded"\r\n',
    );
  });

  it("defuses text a spreadsheet would run as a formula, and leaves numbers alone", () => {
    const csv = toCsv([{ v: '=HYPERLINK("http://x")' }, { v: "+1" }, { v: "-2" }, { v: "@SUM(A1)" }, { v: "\tx" }, { v: -3 }]);
    expect(csv.split("\r\n")).toEqual(["v", '"\'=HYPERLINK(""http://x"")"', "'+1", "'-2", "'@SUM(A1)", "'\tx", "-3", ""]);
  });

  it("writes null as empty and booleans as words", () => {
    expect(toCsv([{ a: null, b: true, c: false }])).toBe("a,b,c\r\n,true,false\r\n");
  });
});

describe("wantsCsv", () => {
  it("follows ?format first, then an Accept header that prefers CSV", () => {
    expect(wantsCsv("csv", "application/json")).toBe(true);
    expect(wantsCsv("json", "text/csv")).toBe(false);
    expect(wantsCsv(undefined, "text/csv")).toBe(true);
    expect(wantsCsv(undefined, "application/json, text/csv")).toBe(false);
    expect(wantsCsv(undefined, undefined)).toBe(false);
  });
});
