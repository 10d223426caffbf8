import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getStats, postEvent, readJson, USER_AGENTS } from "../support/collector";

/**
 * A store that fails (here: every statement of the site's real object throws) is answered with the
 * documented 503 and Retry-After on every path into it: recording a hit, counting a drop, reading a
 * report. Never a 500.
 */
async function breakStore(site: string): Promise<() => number> {
  let failures = 0;
  await runInDurableObject(env.SITE_STORE.getByName(site), (_instance, state) => {
    const sql = state.storage.sql;
    sql.exec = function (this: SqlStorage) {
      failures += 1;
      throw new Error("injected storage failure");
    } as SqlStorage["exec"];
  });
  return () => failures;
}

const hit = (site: string) => ({ n: "pageview", u: `https://${site}/`, d: site });

describe("a failing store", () => {
  it("answers 503 with Retry-After for a hit, a counted drop and every report endpoint", async () => {
    const site = "broken.test";
    expect((await postEvent(hit(site))).status).toBe(202);
    const failures = await breakStore(site);

    const recorded = await postEvent(hit(site), { ip: "198.51.100.9" });
    expect(recorded.status).toBe(503);
    expect(recorded.headers.get("retry-after")).toBe("1");
    expect(await readJson(recorded)).toMatchObject({ error: { code: "unavailable" } });

    // A bot's hit is counted as a drop: that write fails the same way (it was a 500 before).
    const drop = await postEvent(hit(site), { userAgent: USER_AGENTS.googlebot });
    expect(drop.status).toBe(503);
    expect(await readJson(drop)).toMatchObject({ error: { code: "unavailable" } });

    for (const path of ["", "/funnels", "/channels", "/variants", "/lift"]) {
      const response = await getStats(`${site}${path}`);
      expect(response.status, path).toBe(503);
      expect(response.headers.get("retry-after"), path).toBe("1");
    }
    expect(failures()).toBeGreaterThan(0);
  });
});
