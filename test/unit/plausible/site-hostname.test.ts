import { describe, expect, it } from "vitest";
import { siteHostname } from "../../../src/domain/plausible/plausible-dimensions";

describe("siteHostname (event:hostname)", () => {
  it("answers a site that counts exactly one hostname", () => {
    expect(siteHostname("shop.example", ["www.shop.example"], false)).toEqual({ value: "www.shop.example" });
  });

  it("refuses, saying which hostnames are counted, when a hit could be on more than one", () => {
    expect(siteHostname("shop.example", null, false)).toEqual({ refused: expect.stringMatching(/shop\.example and its subdomains/) });
    expect(siteHostname("shop.example", ["shop.example", "www.shop.example"], false)).toEqual({
      refused: expect.stringMatching(/shop\.example, www\.shop\.example\.$/),
    });
    expect(siteHostname("shop.example", ["*.shop.example"], false)).toEqual({ refused: expect.stringMatching(/\*\.shop\.example/) });
    expect(siteHostname("shop.example", ["www.shop.example"], true)).toEqual({ refused: expect.stringMatching(/localhost/) });
  });
});
