import { describe, expect, it } from "vitest";
import { readGeolocation, UNKNOWN_GEOLOCATION } from "../../../src/domain/ingest/geolocation";

describe("readGeolocation", () => {
  it("gives the ISO 3166-2 code (country and subdivision), the region's name and the city", () => {
    expect(readGeolocation({ country: "US", regionCode: "CA", region: "California", city: "San Francisco" })).toEqual({
      country: "US",
      region: "US-CA",
      regionName: "California",
      city: "San Francisco",
    });
  });

  it("says (unknown) for what Cloudflare does not give", () => {
    expect(readGeolocation({ country: "LT" })).toEqual({ country: "LT", region: "(unknown)", regionName: "", city: "(unknown)" });
    expect(readGeolocation(undefined)).toEqual(UNKNOWN_GEOLOCATION);
  });

  it("treats XX (unknown) and T1 (Tor) as no country, with no region or city", () => {
    expect(readGeolocation({ country: "XX", regionCode: "CA", city: "Somewhere" })).toEqual(UNKNOWN_GEOLOCATION);
    expect(readGeolocation({ country: "T1", city: "Somewhere" })).toEqual(UNKNOWN_GEOLOCATION);
  });

  it("refuses a malformed subdivision code, and redacts a place name that holds personal data", () => {
    expect(readGeolocation({ country: "DE", regionCode: "B'Y; drop", region: "Bavaria" }).region).toBe("(unknown)");
    expect(readGeolocation({ country: "DE", city: "jane.doe@example.com" }).city).toBe("(redacted)");
  });
});
