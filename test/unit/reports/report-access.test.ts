import { describe, expect, it } from "vitest";
import { loadSiteDirectory } from "../../../src/config/site-directory";
import { ApiError } from "../../../src/http/api-error";
import { requireReportAccess } from "../../../src/http/bearer-token";

const TOKEN_A = "token-for-a-example";
// SHA-256 of "token-for-a-example", worked out with sha256sum.
const HASH_A = "118406174c61698e1dc9687c5d2a1cddea1315aa64e5b4f6837d18bd4e9d2208";

async function status(promise: Promise<void>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (error) {
    if (error instanceof ApiError) return error.status;
    throw error;
  }
}

describe("requireReportAccess", () => {
  it("refuses every report with 403 where neither an admin token nor any site token is configured", async () => {
    const none = loadSiteDirectory({ sites: [{ id: "a.example" }] });
    expect(await status(requireReportAccess("Bearer anything", undefined, none, "a.example"))).toBe(403);
  });

  it("admits the admin token to any site, a site token to its site, and nobody else", async () => {
    const directory = loadSiteDirectory({ sites: [{ id: "a.example", readTokenSha256: [HASH_A] }, { id: "b.example" }] });
    expect(await status(requireReportAccess("Bearer admin", "admin", directory, "b.example"))).toBe(200);
    expect(await status(requireReportAccess(`Bearer ${TOKEN_A}`, "admin", directory, "a.example"))).toBe(200);
    expect(await status(requireReportAccess(`Bearer ${TOKEN_A}`, "admin", directory, "b.example"))).toBe(404);
    expect(await status(requireReportAccess("Bearer nope", "admin", directory, "a.example"))).toBe(401);
    expect(await status(requireReportAccess(undefined, "admin", directory, "a.example"))).toBe(401);
    expect(await status(requireReportAccess(`Basic ${TOKEN_A}`, "admin", directory, "a.example"))).toBe(401);
  });
});
