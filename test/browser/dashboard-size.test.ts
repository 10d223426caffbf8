import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { buildDashboard } from "../../scripts/build-dashboard.mjs";

describe("dashboard size", () => {
  it("builds to at most 60 KB gzipped, script and style sheet together, uPlot included", async () => {
    const { script, style } = await buildDashboard();
    const gzipped = gzipSync(script.text).length + gzipSync(style.text).length;
    console.log(
      `dashboard: ${script.name} ${script.text.length} bytes (${gzipSync(script.text).length} gzipped), ${style.name} ${style.text.length} bytes (${gzipSync(style.text).length} gzipped)`,
    );
    // uPlot alone is about 50 KB minified: a much smaller script has lost it.
    expect(script.text.length).toBeGreaterThan(50_000);
    expect(script.text).toContain("uPlot");
    expect(gzipped).toBeLessThanOrEqual(60 * 1_024);
  });
});
