import { describe, expect, it } from "vitest";
import { OTHER_NAME, UNKNOWN_NAME, userAgentNames } from "../../../src/domain/ingest/user-agent";

describe("userAgentNames", () => {
  it.each([
    [
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
      "Chrome",
      "Windows",
    ],
    [
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
      "Safari",
      "macOS",
    ],
    [
      "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
      "Safari",
      "iOS",
    ],
    ["Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox", "Linux"],
    [
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
      "Edge",
      "Windows",
    ],
    [
      "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
      "Samsung Internet",
      "Android",
    ],
    [
      "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
      "Chrome",
      "ChromeOS",
    ],
  ])("names %s as %s on %s, without a version", (userAgent, browser, os) => {
    expect(userAgentNames(userAgent)).toEqual({ browser, os });
  });

  it("calls an empty or unreadable User-Agent unknown", () => {
    expect(userAgentNames("")).toEqual({ browser: UNKNOWN_NAME, os: UNKNOWN_NAME });
    expect(userAgentNames("curl-like thing")).toEqual({ browser: UNKNOWN_NAME, os: UNKNOWN_NAME });
  });

  it("keeps only names of its fixed vocabulary, so a crafted User-Agent cannot add values", () => {
    // The parser copies some names from the string itself; those outside the vocabulary are Other.
    const crafted = Array.from({ length: 20 }, (_, i) => userAgentNames(`Mozilla/5.0 (X11; Linux x86_64) Browser${i}x/1.0`).browser);
    expect(new Set(crafted).size).toBeLessThanOrEqual(2);
    for (const name of crafted) expect([UNKNOWN_NAME, OTHER_NAME]).toContain(name);
  });
});
