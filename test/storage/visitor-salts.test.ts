import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { postEventAt, USER_AGENTS } from "../support/collector";
import { dumpTables, saltsOf } from "../support/storage-dump";

const IP = "198.51.100.23";
const UA = USER_AGENTS.linuxFirefox;
const DAY_MS = 86_400_000;
const dayNumber = (iso: string) => Math.floor(Date.parse(iso) / DAY_MS);

/** HMAC-SHA-256(salt, site \x1f ip \x1f ua), first 8 bytes as hex: the documented visitor id, computed here independently. */
async function expectedVisitorId(salt: ArrayBuffer, site: string, ip: string, userAgent: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", salt, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode([site, ip, userAgent].join("\u001f")));
  return hex(new Uint8Array(mac).slice(0, 8));
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
const pageview = (site: string, path = "/") => ({ n: "pageview", u: `https://${site}${path}`, d: site });
const store = (site: string) => env.SITE_STORE.getByName(site);

afterEach(() => {
  vi.useRealTimers();
});

describe("visitor ids: a daily-salted keyed hash, salts rotating at 00:00 UTC", () => {
  it("keys a visitor by HMAC of the day's random salt over site, IP and User-Agent", async () => {
    const site = "hash.test";
    await postEventAt("2031-05-01T08:00:00Z", pageview(site), { ip: IP, userAgent: UA });
    await postEventAt("2031-05-01T09:30:00Z", pageview(site, "/b"), { ip: IP, userAgent: UA });
    await postEventAt("2031-05-01T09:31:00Z", pageview(site), { ip: "198.51.100.24", userAgent: UA });
    const dump = await dumpTables(store(site));
    expect(saltsOf(dump)).toHaveLength(1);
    const salt = saltsOf(dump)[0]?.salt as ArrayBuffer;
    expect(salt.byteLength).toBe(32);
    const vids = (dump.visitors ?? []).map((row) => row.vid).sort();
    const expected = [await expectedVisitorId(salt, site, IP, UA), await expectedVisitorId(salt, site, "198.51.100.24", UA)].sort();
    expect(vids).toEqual(expected);
  });

  it("gives the same person a different id on the next day, and the previous day's salt stays usable", async () => {
    const site = "rotation.test";
    await postEventAt("2031-05-01T08:00:00Z", pageview(site), { ip: IP, userAgent: UA });
    await postEventAt("2031-05-02T08:00:00Z", pageview(site), { ip: IP, userAgent: UA });
    const dump = await dumpTables(store(site));
    const salts = saltsOf(dump);
    expect(salts.map((row) => row.day)).toEqual([dayNumber("2031-05-01T00:00:00Z"), dayNumber("2031-05-02T00:00:00Z")]);
    const [first, second] = salts.map((row) => row.salt as ArrayBuffer);
    if (!first || !second) throw new Error("two salts expected");
    expect(hex(new Uint8Array(first))).not.toBe(hex(new Uint8Array(second)));
    const vids = (dump.visitors ?? []).map((row) => row.vid).sort();
    expect(vids).toEqual([await expectedVisitorId(first, site, IP, UA), await expectedVisitorId(second, site, IP, UA)].sort());
  });

  it("continues a visit across midnight under the new day's id, keeping yesterday's row", async () => {
    const site = "midnight.test";
    await postEventAt("2031-05-01T23:55:00Z", { ...pageview(site), r: "https://duckduckgo.com/" }, { ip: IP, userAgent: UA });
    await postEventAt("2031-05-02T00:05:00Z", pageview(site, "/next"), { ip: IP, userAgent: UA });
    const dump = await dumpTables(store(site));
    const secondSalt = saltsOf(dump).find((row) => row.day === dayNumber("2031-05-02T00:00:00Z"))?.salt as ArrayBuffer;
    // The visit goes on under the new day's hash, keeping its source; yesterday's row stays whole
    // for yesterday's figures until it expires.
    const firstSalt = saltsOf(dump).find((row) => row.day === dayNumber("2031-05-01T00:00:00Z"))?.salt as ArrayBuffer;
    const rows = new Map((dump.visitors ?? []).map((row) => [row.vid, row]));
    expect([...rows.keys()].sort()).toEqual(
      [await expectedVisitorId(firstSalt, site, IP, UA), await expectedVisitorId(secondSalt, site, IP, UA)].sort(),
    );
    const today = rows.get(await expectedVisitorId(secondSalt, site, IP, UA));
    expect(today?.day).toBe(dayNumber("2031-05-02T00:00:00Z"));
    expect(JSON.parse(String(today?.state))).toMatchObject({ attribution: { source: "duckduckgo.com" }, pages: ["/next"] });
  });

  it("deletes salts and visitor rows older than 48 hours when a new day's salt is made", async () => {
    const site = "expiry.test";
    await postEventAt("2031-05-01T00:00:00Z", pageview(site), { ip: IP, userAgent: UA });
    await postEventAt("2031-05-02T12:00:00Z", pageview(site), { ip: "198.51.100.99", userAgent: UA });
    await postEventAt("2031-05-03T00:00:00Z", pageview(site), { ip: "198.51.100.98", userAgent: UA });
    const dump = await dumpTables(store(site));
    expect(saltsOf(dump).map((row) => row.day)).toEqual([dayNumber("2031-05-02T00:00:00Z"), dayNumber("2031-05-03T00:00:00Z")]);
    expect(dump.visitors?.map((row) => row.day).sort()).toEqual([dayNumber("2031-05-02T00:00:00Z"), dayNumber("2031-05-03T00:00:00Z")]);
    // Counters are aggregates and stay.
    expect((dump.hourly_counters ?? []).reduce((sum, row) => sum + Number(row.hits), 0)).toBe(3);
  });

  it("runs cleanup from an alarm after midnight; running it twice changes nothing and it reschedules itself", async () => {
    const site = "alarm.test";
    await postEventAt("2031-05-01T10:00:00Z", pageview(site), { ip: IP, userAgent: UA });
    await postEventAt("2031-05-02T10:00:00Z", pageview(site), { ip: IP, userAgent: UA });
    const scheduled = await runInDurableObject(store(site), (_instance: unknown, state: DurableObjectState) => state.storage.getAlarm());
    expect(scheduled).toBe(Date.parse("2031-05-02T00:01:00Z"));

    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2031-05-03T00:01:00Z"));
    expect(await runDurableObjectAlarm(store(site))).toBe(true);
    const afterFirst = await dumpTables(store(site));
    // The alarm rotated the salts: the one older than 48 h is gone (the new day's comes with its first hit).
    expect(saltsOf(afterFirst).map((row) => row.day)).toEqual([dayNumber("2031-05-02T00:00:00Z")]);
    expect(afterFirst.visitors?.map((row) => row.day)).toEqual([dayNumber("2031-05-02T00:00:00Z")]);

    // A repeated (at-least-once) delivery finds nothing more to do.
    await runInDurableObject(store(site), async (instance: { alarm(): Promise<void> }) => instance.alarm());
    expect(await dumpTables(store(site))).toEqual(afterFirst);
    const next = await runInDurableObject(store(site), (_instance: unknown, state: DurableObjectState) => state.storage.getAlarm());
    expect(next).toBe(Date.parse("2031-05-04T00:01:00Z"));

    // A missed day: the alarm two days later still removes everything past 48 hours.
    vi.setSystemTime(new Date("2031-05-05T03:00:00Z"));
    await runInDurableObject(store(site), async (instance: { alarm(): Promise<void> }) => instance.alarm());
    const late = await dumpTables(store(site));
    expect(saltsOf(late)).toEqual([]);
    expect(late.visitors).toEqual([]);
  });
});

describe("salts of a site in its own time zone rotate at its local midnight", () => {
  // In the future, as alarms set in the past fire at once.
  it("Asia/Kathmandu (+05:45): the alarm is set for 18:16 UTC, and each salt lives two local days", async () => {
    const site = "kathmandu.test";
    const localDay = (date: string) => Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
    const alarmAt = () => runInDurableObject(store(site), (_instance, state) => state.storage.getAlarm());
    const saltDays = async () =>
      saltsOf(await dumpTables(store(site)))
        .map((row) => row.day)
        .sort();

    // 12:00 UTC on the 29th is 17:45 local: the next local midnight is 18:15 UTC.
    await postEventAt("2031-11-29T12:00:00Z", pageview(site), { ip: IP, userAgent: UA });
    expect(await alarmAt()).toBe(Date.parse("2031-11-29T18:16:00Z"));
    expect(await saltDays()).toEqual([localDay("2031-11-29")]);

    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2031-11-29T18:16:00Z"));
    expect(await runDurableObjectAlarm(store(site))).toBe(true);
    expect(await saltDays()).toEqual([localDay("2031-11-29")]);
    expect(await alarmAt()).toBe(Date.parse("2031-11-30T18:16:00Z"));
    // A hit at 00:15 local on the 30th makes that day's salt.
    await postEventAt("2031-11-29T18:30:00Z", pageview(site), { ip: IP, userAgent: UA });
    expect(await saltDays()).toEqual([localDay("2031-11-29"), localDay("2031-11-30")]);

    // The 29th began at 18:15 UTC on the 28th; its salt goes at the local midnight two days later.
    vi.setSystemTime(new Date("2031-11-30T18:16:00Z"));
    expect(await runDurableObjectAlarm(store(site))).toBe(true);
    expect(await saltDays()).toEqual([localDay("2031-11-30")]);
  });
});
