import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Validator } from "@cfworker/json-schema";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { dayOf } from "../../src/domain/time/utc-time";
import { shardName } from "../../src/domain/visitors/shard-routing";
import { alertWebhookBodySchema } from "../../src/schemas/answer-schemas";
import { buildOpenApiDocument } from "../../src/schemas/openapi-document";
import { getStats, postEventAt, readJson } from "../support/collector";
import { saltsOf } from "../support/storage-dump";
import type { ReceivedPost, ReceiverMode } from "../support/webhook-receiver";

/**
 * The alert webhook against a real receiver: an HTTP server in Node outside workerd
 * (test/support/webhook-receiver.ts), which the sites' `alertWebhook` name (test/fixtures/
 * site-config.ts). The daily alarm is run as the runtime runs it, with the clock set just after
 * the site's midnight (UTC here).
 *
 * The designed stream: on four Mondays (the baseline), 10 visitors, 8 of whom sign up. On the
 * fifth Monday, 2031-06-30, 10 visitors and no signup: expected 10 × 32/40 = 8, P(X ≤ 0) = e^-8 =
 * 0.00034 < 0.001, so `signup` has `stopped`. The quiet variant has 7 signups that Monday:
 * P(X ≤ 7) = 0.45, no alert.
 */
const MONDAYS = ["2031-06-02", "2031-06-09", "2031-06-16", "2031-06-23"];
const TUESDAYS = ["2031-06-03", "2031-06-10", "2031-06-17", "2031-06-24"];
const CLOSED_MONDAY = "2031-06-30";
const CLOSED_TUESDAY = "2031-07-01";

const { controlPort } = inject("webhookReceiver");
const receiver = (path: string, method = "POST") => fetch(`http://127.0.0.1:${controlPort}${path}`, { method });
const setReceiver = async (mode: ReceiverMode) => expect((await receiver(`/mode/${mode}`)).status).toBe(204);
/** What the receiver got for one site (each posts to `/hooks/<site>`). */
async function postsFor(site: string): Promise<ReceivedPost[]> {
  const posts = await readJson<ReceivedPost[]>(await receiver("/posts", "GET"));
  return posts.filter((post) => post.path === `/hooks/${site}`);
}

/** One day of the stream: 10 visitors, `signups` of whom sign up; the others only view a page. */
async function day(site: string, date: string, signups: number): Promise<void> {
  for (let visitor = 0; visitor < 10; visitor++) {
    const sender = { ip: `198.51.${Number(date.slice(8, 10))}.${visitor + 1}` };
    const at = `${date}T10:${String(visitor).padStart(2, "0")}:00Z`;
    const hit = visitor < signups ? { n: "signup", u: `https://${site}/signup` } : { n: "pageview", u: `https://${site}/` };
    expect((await postEventAt(at, { ...hit, d: site }, sender)).status).toBe(202);
  }
}

/** Runs `work` with the clock at `iso`. */
async function at<T>(iso: string, work: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date(iso));
  try {
    return await work();
  } finally {
    vi.useRealTimers();
  }
}

const store = (site: string, shard = 0) => env.SITE_STORE.getByName(shardName(site, shard));
/** Runs the object's alarm as the runtime would at `iso`; true when one was scheduled and ran without throwing. */
const alarmAt = (iso: string, site: string, shard = 0) => at(iso, () => runDurableObjectAlarm(store(site, shard)));
/** What `GET /api/stats/:site/alerts?to=<date>` answers, asked at `iso`. */
const alertsAnswer = (site: string, date: string, iso: string) =>
  at(iso, async () => readJson<{ alerts: unknown[] }>(await getStats(`${site}/alerts`, `to=${date}`)));

const dayNumber = (date: string) => dayOf(Date.parse(`${date}T00:00:00Z`));

beforeAll(async () => {
  expect((await receiver("/reset")).status).toBe(204);
});

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  await receiver("/reset");
});

describe("the alert webhook", () => {
  it("posts the closed day's alert once, as GET /alerts lists it", { timeout: 60_000 }, async () => {
    const site = "webhook-stop.test";
    for (const date of MONDAYS) await day(site, date, 8);
    await day(site, CLOSED_MONDAY, 0);

    expect(await alarmAt("2031-07-01T00:01:00Z", site)).toBe(true);
    const posts = await postsFor(site);
    expect(posts).toHaveLength(1);
    const [post] = posts;
    expect(post?.contentType).toBe("application/json");
    const body = alertWebhookBodySchema.parse(JSON.parse(post?.body ?? ""));
    expect(Object.keys(body)).toEqual(["site", "date", "timezone", "alerts"]);
    expect(body).toMatchObject({ site, date: CLOSED_MONDAY, timezone: "UTC" });
    expect(body.alerts).toHaveLength(1);
    expect(body.alerts[0]).toMatchObject({
      goal: "signup",
      class: "micro",
      stage: "milestone",
      alert: "stopped",
      today: { converting_visitors: 0, visitors: 10 },
      baseline: { weeks: 4, converting_visitors: 32, visitors: 40 },
      expected: 8,
    });
    expect(body.alerts[0]?.p_value).toBeCloseTo(Math.exp(-8), 12);
    // As the OpenAPI document describes it (`webhooks`), not only as the zod schema does.
    const document = buildOpenApiDocument("test");
    const documented = document.webhooks.breakageAlerts?.post as { requestBody: { content: Record<string, { schema: object }> } };
    const validator = new Validator(
      {
        ...documented.requestBody.content["application/json"]?.schema,
        $id: "https://stepwise.test/openapi.json",
        components: document.components,
      },
      "2020-12",
      false,
    );
    expect(validator.validate(JSON.parse(post?.body ?? "")).errors).toEqual([]);
    expect(validator.validate({ site, date: CLOSED_MONDAY, timezone: "UTC", alerts: [] }).valid).toBe(false);
    // The same computation as the API's, for that closed day.
    expect(body.alerts).toEqual((await alertsAnswer(site, CLOSED_MONDAY, "2031-07-01T00:02:00Z")).alerts);
    // Nothing of a visitor: no address, no User-Agent, no page.
    expect(post?.body).not.toMatch(/198\.51\.|Mozilla|https?:\/\//);

    // A repeated alarm (alarms are at least once) posts nothing twice.
    expect(await alarmAt("2031-07-01T00:03:00Z", site)).toBe(true);
    expect(await postsFor(site)).toHaveLength(1);
  });

  it("posts nothing on a day whose goals dipped within noise", { timeout: 60_000 }, async () => {
    const site = "webhook-quiet.test";
    for (const date of MONDAYS) await day(site, date, 8);
    await day(site, CLOSED_MONDAY, 7);

    expect(await alarmAt("2031-07-01T00:01:00Z", site)).toBe(true);
    expect(await postsFor(site)).toEqual([]);
    expect((await alertsAnswer(site, CLOSED_MONDAY, "2031-07-01T00:02:00Z")).alerts).toEqual([]);
  });

  it("survives a receiver answering 500, then delivers both closed days the next night", { timeout: 90_000 }, async () => {
    const site = "webhook-retry.test";
    for (const [week, monday] of MONDAYS.entries()) {
      await day(site, monday, 8);
      await day(site, TUESDAYS[week] ?? "", 8);
    }
    await day(site, CLOSED_MONDAY, 0);
    const warn = vi.spyOn(console, "warn");

    await setReceiver("error");
    expect(await alarmAt("2031-07-01T00:01:00Z", site)).toBe(true);
    expect(await postsFor(site)).toHaveLength(1);
    // The alarm's own work was done regardless: salts older than yesterday gone, the next alarm, and the day owed.
    const state = await runInDurableObject(store(site), async (_instance, { storage }) => ({
      salts: saltsOf({
        salts: storage.sql.exec<Record<string, SqlStorageValue>>("SELECT * FROM salts").toArray(),
        quiet_days: storage.sql.exec<Record<string, SqlStorageValue>>("SELECT * FROM quiet_days").toArray(),
      }).map((row) => row.day),
      alarm: await storage.getAlarm(),
      owed: storage.sql.exec("SELECT day, delivered FROM alert_webhook_days").toArray(),
    }));
    expect(state.salts.length).toBeGreaterThan(0);
    expect(state.salts.every((day) => day >= dayNumber(CLOSED_TUESDAY) - 1)).toBe(true);
    expect(state.alarm).toBe(Date.parse("2031-07-02T00:01:00Z"));
    expect(state.owed).toEqual([{ day: dayNumber(CLOSED_MONDAY), delivered: 0 }]);
    // The log says what failed for which site and day; not where it was sent, nor what.
    const logged = warn.mock.calls.map((call) => String(call[0])).find((line) => line.includes("alert webhook failed"));
    expect(JSON.parse(logged ?? "{}")).toEqual({ message: "alert webhook failed", site, date: CLOSED_MONDAY, error: "status 500" });

    // Tuesday's signups stop too; the receiver is back.
    await setReceiver("ok");
    await day(site, CLOSED_TUESDAY, 0);
    expect(await alarmAt("2031-07-02T00:01:00Z", site)).toBe(true);
    const delivered = (await postsFor(site)).slice(1).map((post) => alertWebhookBodySchema.parse(JSON.parse(post.body)));
    expect(delivered.map((body) => [body.date, body.alerts.map((alert) => `${alert.goal} ${alert.alert}`)])).toEqual([
      [CLOSED_MONDAY, ["signup stopped"]],
      [CLOSED_TUESDAY, ["signup stopped"]],
    ]);
    // Nothing is owed any more, and the next night posts nothing again.
    expect(await alarmAt("2031-07-03T00:01:00Z", site)).toBe(true);
    expect(await postsFor(site)).toHaveLength(3);
  });

  it("on a sharded site, the first shard posts the merged figures once, after a receiver that was down and one that hung", {
    timeout: 90_000,
  }, async () => {
    const site = "webhook-sharded.test";
    const shards = [0, 1, 2];
    for (const date of MONDAYS) await day(site, date, 8);
    await day(site, CLOSED_MONDAY, 0);
    const nightly = async (iso: string) => {
      for (const shard of shards) expect(await alarmAt(iso, site, shard)).toBe(true);
    };
    const warn = vi.spyOn(console, "warn");
    const failures = () =>
      warn.mock.calls
        .map((call) => String(call[0]))
        .filter((line) => line.includes("alert webhook failed"))
        .map((line) => JSON.parse(line) as { date: string; error: string });

    // Down (nothing listening): nothing arrives, no alarm fails.
    await setReceiver("down");
    await nightly("2031-07-01T00:01:00Z");
    // Hanging: the post is given up after its timeout (5 s), and the alarm ends.
    await setReceiver("hang");
    await nightly("2031-07-02T00:01:00Z");
    expect(await postsFor(site)).toHaveLength(1);
    expect(failures()).toEqual([
      expect.objectContaining({ date: CLOSED_MONDAY, error: "network error" }),
      expect.objectContaining({ date: CLOSED_MONDAY, error: "timeout" }),
    ]);
    // Back: the owed Monday arrives; Tuesday and Wednesday had no traffic, so nothing to say.
    await setReceiver("ok");
    await nightly("2031-07-03T00:01:00Z");
    const posts = await postsFor(site);
    expect(posts).toHaveLength(2);
    const body = alertWebhookBodySchema.parse(JSON.parse(posts[1]?.body ?? ""));
    expect(body.date).toBe(CLOSED_MONDAY);
    // Every shard's visitors, as the API sums them.
    expect(body.alerts[0]).toMatchObject({ goal: "signup", today: { visitors: 10 }, baseline: { visitors: 40 } });
    expect(body.alerts).toEqual((await alertsAnswer(site, CLOSED_MONDAY, "2031-07-03T00:02:00Z")).alerts);
  });
});
