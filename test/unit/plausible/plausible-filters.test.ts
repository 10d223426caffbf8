import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileFilters } from "../../../src/domain/plausible/plausible-filters";
import { PlausibleQueryError } from "../../../src/domain/plausible/query-error";
import type { FilterTree } from "../../../src/schemas/plausible-query-schema";

const predicate = (filters: FilterTree[], dimension = "event:page") => {
  const compiled = compileFilters(filters).get(dimension);
  if (compiled === undefined) throw new Error(`no predicate on ${dimension}`);
  return compiled;
};
const refusal = (filters: FilterTree[]) => {
  try {
    compileFilters(filters);
  } catch (error) {
    if (error instanceof PlausibleQueryError) return error.message;
    throw error;
  }
  return null;
};

const value = fc.string({ maxLength: 12 });
const clauses = fc.array(fc.string({ maxLength: 6 }), { minLength: 1, maxLength: 4 });

describe("compileFilters", () => {
  it("is and is_not, contains and contains_not, not and its filter are complements", () => {
    fc.assert(
      fc.property(value, clauses, fc.boolean(), (shown, values, caseSensitive) => {
        const modifiers = { case_sensitive: caseSensitive };
        const is = predicate([["is", "event:page", values, modifiers]]).test(shown);
        expect(predicate([["is_not", "event:page", values, modifiers]]).test(shown)).toBe(!is);
        expect(predicate([["not", ["is", "event:page", values, modifiers]]]).test(shown)).toBe(!is);
        const contains = predicate([["contains", "event:page", values, modifiers]]).test(shown);
        expect(predicate([["contains_not", "event:page", values, modifiers]]).test(shown)).toBe(!contains);
      }),
    );
  });

  it("matches as the operators are defined: equal to, or containing, one of the clauses (ignoring case when asked)", () => {
    fc.assert(
      fc.property(value, clauses, (shown, values) => {
        expect(predicate([["is", "event:page", values]]).test(shown)).toBe(values.includes(shown));
        expect(predicate([["contains", "event:page", values]]).test(shown)).toBe(values.some((part) => shown.includes(part)));
        const folded = values.map((part) => part.toLowerCase());
        expect(predicate([["contains", "event:page", values, { case_sensitive: false }]]).test(shown)).toBe(
          folded.some((part) => shown.toLowerCase().includes(part)),
        );
      }),
    );
  });

  it("top-level filters and `and` on one dimension are a conjunction, `or` a disjunction", () => {
    fc.assert(
      fc.property(value, clauses, clauses, (shown, first, second) => {
        const a = first.includes(shown);
        const b = second.some((part) => shown.includes(part));
        const both: FilterTree[] = [
          ["is", "event:page", first],
          ["contains", "event:page", second],
        ];
        expect(predicate(both).test(shown)).toBe(a && b);
        expect(predicate([["and", both]]).test(shown)).toBe(a && b);
        expect(predicate([["or", both]]).test(shown)).toBe(a || b);
      }),
    );
  });

  it("keeps exact values for a case-sensitive `is`, so they need no lookup", () => {
    expect(predicate([["is", "event:page", ["/a", "/b"]]]).exactValues).toEqual(["/a", "/b"]);
    expect(
      predicate([
        ["is", "event:page", ["/a", "/b"]],
        ["is_not", "event:page", ["/b"]],
      ]).exactValues,
    ).toEqual(["/a"]);
    expect(predicate([["is", "event:page", ["/a"], { case_sensitive: false }]]).exactValues).toBeNull();
    expect(predicate([["contains", "event:page", ["/a"]]]).exactValues).toBeNull();
  });

  it("matches regular expressions and v1 wildcards", () => {
    const regex = predicate([["matches", "event:page", ["^/user/\\d+$"]]]);
    expect(regex.test("/user/42")).toBe(true);
    expect(regex.test("/user/42/edit")).toBe(false);
    const glob = predicate([["matches_wildcard", "event:page", ["/blog/**"]]]);
    expect(["/blog", "/blog/a", "/blog/a/b"].map(glob.test)).toEqual([true, true, true]);
    expect(glob.test("/blogs")).toBe(false);
  });

  it("refuses what it cannot compile into one predicate per dimension, with Plausible-style reasons", () => {
    expect(
      refusal([
        [
          "or",
          [
            ["is", "visit:country", ["DE"]],
            ["is", "visit:source", ["Google"]],
          ],
        ],
      ]),
    ).toMatch(/across different dimensions/);
    expect(refusal([["has_done", ["is", "event:page", ["/pricing"]]]])).toMatch(/Behavioural filters/);
    expect(refusal([["is", "segment", [1]]])).toMatch(/segments/);
    expect(refusal([["not", ["is", "event:goal", ["Signup"]]]])).toMatch(/only be filtered at the top level/);
    expect(refusal([["is_not", "event:goal", ["Signup"]]])).toMatch(/`is` and `contains` only/);
    expect(refusal([["is", "visit:country", ["Germany"]]])).toMatch(/2-letter country code/);
    expect(refusal([["matches", "event:page", ["(a+)+$"]]])).toMatch(/nested repetition/);
    expect(refusal([["matches", "event:page", ["(?=x)"]]])).toMatch(/look-around/);
    expect(refusal([["matches", "event:page", ["["]]])).toMatch(/not a valid regular expression/);
    expect(refusal([["is", "visit:city", [588409]]])).toMatch(/GeoName/);
  });

  it("never throws anything but a refusal on any well-formed tree", () => {
    const dimension = fc.constantFrom("event:page", "visit:source", "event:goal", "visit:country");
    const leaf = fc.tuple(
      fc.constantFrom("is", "is_not", "contains", "contains_not", "matches"),
      dimension,
      clauses,
    ) as fc.Arbitrary<FilterTree>;
    const tree = fc.letrec<{ node: FilterTree }>((tie) => ({
      node: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        leaf,
        fc.tuple(fc.constantFrom("and", "or"), fc.array(tie("node"), { minLength: 1, maxLength: 3 })) as fc.Arbitrary<FilterTree>,
        fc.tuple(fc.constant("not"), tie("node")) as fc.Arbitrary<FilterTree>,
      ),
    })).node;
    fc.assert(
      fc.property(fc.array(tree, { maxLength: 4 }), value, (filters, shown) => {
        try {
          for (const compiled of compileFilters(filters).values()) expect(typeof compiled.test(shown)).toBe("boolean");
        } catch (error) {
          expect(error).toBeInstanceOf(PlausibleQueryError);
        }
      }),
    );
  });
});
