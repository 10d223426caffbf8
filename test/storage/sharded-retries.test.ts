import { describe, expect, it } from "vitest";
import { getStats, postEventAt, readJson } from "../support/collector";

/**
 * Event ids are deduplicated within the shard of the visitor who sent them (docs/capacity.md,
 * "Sharding"). A genuine retry comes from the same visitor, so it reaches the same shard: on an
 * 8-shard site, every hit sent twice under load is counted once.
 */
const SITE = "news.example";
const CLIENTS = 200;
const HITS = 2_000;

describe("retries on a sharded site", () => {
  it("counts each of 2,000 hits once when every one is sent twice by the same client, concurrently", { timeout: 180_000 }, async () => {
    const send = (i: number) =>
      postEventAt(
        "2031-09-01T12:00:00Z",
        { n: "pageview", u: `https://${SITE}/articles/${i % 40}`, d: SITE, id: `retry-${String(i).padStart(6, "0")}` },
        // 200 clients, 10 hits each: within the rate limit of 120 a minute per client.
        { ip: `198.18.${(i % CLIENTS) >> 8}.${i % CLIENTS}`, userAgent: `Mozilla/5.0 (retry client ${i % CLIENTS}) Firefox/133.0` },
      );
    for (let first = 0; first < HITS; first += 250) {
      const wave = Array.from({ length: Math.min(250, HITS - first) }, (_, k) => first + k);
      // The original and its retry race each other, as a retry after a lost answer does.
      const statuses = await Promise.all(wave.flatMap((i) => [send(i), send(i)]).map((sent) => sent.then((r) => r.status)));
      expect(statuses.every((status) => status === 202)).toBe(true);
    }
    const report = await readJson<{ totals: { visitors: number; pageviews: number } }>(
      await getStats(SITE, "from=2031-09-01&to=2031-09-01"),
    );
    expect(report.totals).toEqual({ visitors: CLIENTS, pageviews: HITS, events: 0 });
  });
});
