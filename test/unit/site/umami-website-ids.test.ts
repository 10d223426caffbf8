import { describe, expect, it } from "vitest";
import { loadSiteDirectory, SiteConfigError } from "../../../src/config/site-directory";

/** `umamiWebsiteIds`: the Umami website ids (UUIDs) that name a site in Umami's payload. */
const ID = "4f3b8c2a-6d1e-4a5b-9c7d-2e8f1a3b5c6d";
const OTHER = "a1d2c3b4-e5f6-4789-8abc-def012345678";
const site = (id: string, umamiWebsiteIds?: unknown) => ({ id, ...(umamiWebsiteIds === undefined ? {} : { umamiWebsiteIds }) });

function configError(raw: unknown): string {
  try {
    loadSiteDirectory(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(SiteConfigError);
    return error instanceof Error ? error.message : String(error);
  }
  expect.fail("loadSiteDirectory accepted an invalid config");
}

describe("umamiWebsiteIds in stepwise.config.json", () => {
  it("resolves each listed id, in lower case, to its site; an unlisted one to none", () => {
    const directory = loadSiteDirectory({ sites: [site("a.example", [ID, OTHER.toUpperCase()]), site("b.example")] });
    expect(directory.byUmamiWebsiteId(ID)?.id).toBe("a.example");
    expect(directory.byUmamiWebsiteId(OTHER)?.id).toBe("a.example");
    expect(directory.get("a.example")?.umamiWebsiteIds).toEqual([ID, OTHER]);
    expect(directory.get("b.example")?.umamiWebsiteIds).toEqual([]);
    expect(directory.byUmamiWebsiteId("0d7c1f4e-2b3a-4c5d-8e9f-a0b1c2d3e4f5")).toBeUndefined();
  });

  it.each([
    ["a value that is no UUID", ["not-a-uuid"], "is a UUID"],
    ["a number", [42], "umamiWebsiteIds"],
    ["the same id twice", [ID, ID.toUpperCase()], "listed once"],
    ["more than 20 ids", Array.from({ length: 21 }, () => ID), "umamiWebsiteIds"],
  ])("refuses %s, naming the site", (_what, ids, message) => {
    const error = configError({ sites: [site("a.example", ids)] });
    expect(error).toContain('sites[0] "a.example" > umamiWebsiteIds');
    expect(error).toContain(message);
  });

  it("refuses an id listed by two sites: it could name only one", () => {
    expect(configError({ sites: [site("a.example", [ID]), site("b.example", [ID])] })).toContain(
      `Umami website id "${ID}" is already listed by site "a.example"`,
    );
  });
});
