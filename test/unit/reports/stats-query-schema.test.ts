import { describe, expect, it } from "vitest";
import { statsQuerySchema } from "../../../src/schemas/stats-query-schema";

// Day numbers counted by hand (days since 1970-01-01; 2026-01-01 is day 20_454).
const D = {
  "2025-01-01": 20_089,
  "2025-12-30": 20_452,
  "2026-01-01": 20_454,
  "2026-01-03": 20_456,
  "2026-01-04": 20_457,
  "2026-01-05": 20_458,
  "2026-01-07": 20_460,
  "2026-01-08": 20_461,
  "2026-01-10": 20_463,
  "2026-01-31": 20_484,
  "2026-02-01": 20_485,
} as const;
const TODAY = D["2026-01-10"];

const parse = (query: Record<string, string>) => statsQuerySchema(TODAY).safeParse(query);

function accepted(query: Record<string, string>) {
  const result = parse(query);
  if (!result.success) return expect.fail(`rejected ${JSON.stringify(query)}: ${result.error.message}`);
  return result.data;
}

function rejectedPaths(query: Record<string, string>): string[] {
  const result = parse(query);
  if (result.success) return expect.fail(`accepted ${JSON.stringify(query)}`);
  return result.error.issues.map((issue) => issue.path.join("."));
}

describe("statsQuerySchema: range", () => {
  it("defaults to the last 7 days ending today, by day, with 10 breakdown rows", () => {
    expect(accepted({})).toEqual({
      range: { fromDay: D["2026-01-04"], toDay: TODAY, interval: "day" },
      limit: 10,
      filters: {},
      by: "channel",
      breakdowns: null,
    });
  });

  it("takes both ends as given, both included", () => {
    expect(accepted({ from: "2026-01-01", to: "2026-01-03" }).range).toEqual({
      fromDay: D["2026-01-01"],
      toDay: D["2026-01-03"],
      interval: "day",
    });
  });

  it("accepts a single day", () => {
    expect(accepted({ from: "2026-01-05", to: "2026-01-05" }).range).toEqual({
      fromDay: D["2026-01-05"],
      toDay: D["2026-01-05"],
      interval: "day",
    });
  });

  it("ends a range given only its start 7 days later", () => {
    expect(accepted({ from: "2026-01-01" }).range).toEqual({ fromDay: D["2026-01-01"], toDay: D["2026-01-07"], interval: "day" });
  });

  it("ends a range given only its start at today at the latest", () => {
    expect(accepted({ from: "2026-01-08" }).range).toEqual({ fromDay: D["2026-01-08"], toDay: TODAY, interval: "day" });
  });

  it("starts a range given only its end 7 days earlier", () => {
    expect(accepted({ to: "2026-01-05" }).range).toEqual({ fromDay: D["2025-12-30"], toDay: D["2026-01-05"], interval: "day" });
  });

  it("rejects from after to, on the from field", () => {
    expect(rejectedPaths({ from: "2026-01-05", to: "2026-01-04" })).toEqual(["from"]);
  });

  it("rejects a start after today when no end is given", () => {
    expect(parse({ from: "2026-02-01" }).success).toBe(false);
  });

  it("accepts 31 days with interval=hour", () => {
    expect(accepted({ from: "2026-01-01", to: "2026-01-31", interval: "hour" }).range).toEqual({
      fromDay: D["2026-01-01"],
      toDay: D["2026-01-31"],
      interval: "hour",
    });
  });

  it("rejects more than 31 days with interval=hour", () => {
    expect(rejectedPaths({ from: "2026-01-01", to: "2026-02-01", interval: "hour" })).toEqual(["to"]);
  });

  it("accepts more than 31 days by day", () => {
    expect(accepted({ from: "2026-01-01", to: "2026-02-01" }).range).toEqual({
      fromDay: D["2026-01-01"],
      toDay: D["2026-02-01"],
      interval: "day",
    });
  });

  it("accepts 366 days by day and rejects 367", () => {
    expect(accepted({ from: "2025-01-01", to: "2026-01-01" }).range.fromDay).toBe(D["2025-01-01"]);
    expect(rejectedPaths({ from: "2025-01-01", to: "2026-01-02" })).toEqual(["to"]);
  });

  it("rejects an interval other than hour or day", () => {
    expect(parse({ interval: "week" }).success).toBe(false);
  });
});

describe("statsQuerySchema: dates", () => {
  it.each(["2026-02-30", "2026-13-01", "2026-1-5", "05.01.2026", "2026/01/05", "yesterday", ""])("rejects the date %j", (text) => {
    expect(rejectedPaths({ from: text, to: "2026-01-10" })).toContain("from");
    expect(rejectedPaths({ from: "2026-01-01", to: text })).toContain("to");
  });
});

describe("statsQuerySchema: limit", () => {
  it("reads the limit from its query-string text", () => {
    expect(accepted({ limit: "25" }).limit).toBe(25);
  });

  it("accepts the bounds 1 and 100", () => {
    expect(accepted({ limit: "1" }).limit).toBe(1);
    expect(accepted({ limit: "100" }).limit).toBe(100);
  });

  it.each(["0", "101", "-5", "2.5", "ten"])("rejects the limit %j", (limit) => {
    expect(rejectedPaths({ limit })).toEqual(["limit"]);
  });
});

describe("statsQuerySchema: unknown parameters", () => {
  it("rejects a parameter it does not know", () => {
    expect(parse({ period: "7d" }).success).toBe(false);
  });
});
