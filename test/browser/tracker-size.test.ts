import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { buildTracker } from "../../scripts/build-tracker.mjs";

describe("tracker size", () => {
  it("builds to at most 1,024 bytes gzipped", async () => {
    const code = await buildTracker();
    const gzipped = gzipSync(code).length;
    console.log(`t.js: ${code.length} bytes minified, ${gzipped} bytes gzipped`);
    expect(code.length).toBeGreaterThan(500);
    expect(gzipped).toBeLessThanOrEqual(1_024);
  });
});
