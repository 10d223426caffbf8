import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compilePathGlob } from "../../../src/domain/site/path-glob";

const matches = (glob: string, path: string) => compilePathGlob(glob).test(path);

/**
 * One path segment: anything but `/`, and no glob characters. No line terminators either: paths
 * come from the URL parser, which drops CR/LF and percent-encodes U+2028/U+2029.
 */
const segment = fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }).filter((text) => !/[/*?\n\r\u2028\u2029]/.test(text));

describe("compilePathGlob: literal paths", () => {
  it("matches the exact path", () => {
    expect(matches("/thank-you", "/thank-you")).toBe(true);
  });

  it("is anchored at both ends", () => {
    expect(matches("/thank-you", "/thank-you/again")).toBe(false);
    expect(matches("/thank-you", "/en/thank-you")).toBe(false);
    expect(matches("/thank-you", "/thank-yous")).toBe(false);
  });

  it.each([
    ["/a.b", "/a.b", "/aXb"],
    ["/(x)", "/(x)", "/x"],
    ["/a+b", "/a+b", "/aab"],
    ["/a|b", "/a|b", "/a"],
    ["/[ab]", "/[ab]", "/a"],
    ["/a{2}", "/a{2}", "/aa"],
    ["/^x$", "/^x$", "/x"],
    ["/c\\d", "/c\\d", "/c1"],
    ["/price$", "/price$", "/price"],
  ])("treats the regex metacharacters in %s literally", (glob, literal, notLiteral) => {
    expect(matches(glob, literal)).toBe(true);
    expect(matches(glob, notLiteral)).toBe(false);
  });

  it("matches a glob without * or ? only against itself (property)", () => {
    const literal = fc.string({ unit: "grapheme", maxLength: 30 }).filter((text) => !/[*?]/.test(text));
    fc.assert(
      fc.property(literal, literal, (glob, other) => {
        expect(matches(glob, glob)).toBe(true);
        expect(matches(glob, other)).toBe(glob === other);
      }),
    );
  });
});

describe("compilePathGlob: *", () => {
  it("matches one path segment", () => {
    expect(matches("/products/*", "/products/red-shoes")).toBe(true);
  });

  it("does not cross a slash", () => {
    expect(matches("/products/*", "/products/red-shoes/reviews")).toBe(false);
  });

  it("does not match the parent path without its slash", () => {
    expect(matches("/products/*", "/products")).toBe(false);
  });

  it("matches part of a segment", () => {
    expect(matches("/blog/2026-*", "/blog/2026-05-launch")).toBe(true);
    expect(matches("/blog/2026-*", "/blog/2025-05-launch")).toBe(false);
  });

  it("matches any single segment and no two segments (property)", () => {
    fc.assert(
      fc.property(segment, segment, (first, second) => {
        expect(matches("/products/*", `/products/${first}`)).toBe(true);
        expect(matches("/products/*", `/products/${first}/${second}`)).toBe(false);
      }),
    );
  });
});

describe("compilePathGlob: **", () => {
  it("matches several segments", () => {
    expect(matches("/docs/**", "/docs/guide/install/linux")).toBe(true);
  });

  it("matches a single segment", () => {
    expect(matches("/docs/**", "/docs/guide")).toBe(true);
  });

  it("does not match outside its prefix", () => {
    expect(matches("/docs/**", "/blog/guide")).toBe(false);
  });

  it("matches segments in the middle of a path", () => {
    expect(matches("/shop/**/checkout", "/shop/eu/de/checkout")).toBe(true);
    expect(matches("/shop/**/checkout", "/shop/eu/de/cart")).toBe(false);
  });

  it("matches any number of segments below the prefix (property)", () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), (segments) => {
        expect(matches("/docs/**", `/docs/${segments.join("/")}`)).toBe(true);
      }),
    );
  });
});

describe("compilePathGlob: ?", () => {
  it("matches exactly one character", () => {
    expect(matches("/p?ge", "/page")).toBe(true);
    expect(matches("/p?ge", "/pXge")).toBe(true);
    expect(matches("/p?ge", "/pge")).toBe(false);
    expect(matches("/p?ge", "/paage")).toBe(false);
  });

  it("does not match a slash", () => {
    expect(matches("/p?ge", "/p/ge")).toBe(false);
  });
});

describe("/** matches zero or more whole segments", () => {
  it("at the end: /services/** matches /services itself and anything below it, not /servicesx", () => {
    expect(matches("/services/**", "/services")).toBe(true);
    expect(matches("/services/**", "/services/a/b")).toBe(true);
    expect(matches("/services/**", "/servicesx")).toBe(false);
  });

  it("in the middle: /**/thanks matches /thanks and /a/b/thanks, not /athanks", () => {
    expect(matches("/**/thanks", "/thanks")).toBe(true);
    expect(matches("/**/thanks", "/a/b/thanks")).toBe(true);
    expect(matches("/**/thanks", "/athanks")).toBe(false);
  });
});
