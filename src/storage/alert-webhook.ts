import { siteDirectory } from "../config/sites";
import { ALERT_RETRY_DAYS, type CheckedDay, daysToPost } from "../domain/reports/alert-delivery";
import { checkDay } from "../domain/reports/breakage-alerts";
import { configuredGoalsOf, type ReportRange, type ReportRows } from "../domain/reports/report";
import { mergeReportRows } from "../domain/reports/shard-merge";
import type { CompiledSite } from "../domain/site/site";
import { localDayOf } from "../domain/time/site-time";
import { formatDay } from "../domain/time/utc-time";
import type { AlertWebhookBody } from "../schemas/answer-schemas";
import type { SiteStore } from "./site-store";
import { siteStore } from "./site-store-client";

/** A post that has not been answered within this is given up until the next alarm. */
export const ALERT_WEBHOOK_TIMEOUT_MS = 5_000;

/** Reads a range of the report rows of the object the alarm runs in (its own shard: no RPC to itself). */
export type OwnReportReader = (range: ReportRange) => Promise<ReportRows>;

/**
 * The alert webhook (docs/api.md, "Alert webhook"): after the daily maintenance, the site's first
 * shard (the object named by the site id; see `webhookSiteOf`) checks the day that just closed,
 * with the same computation as `GET /api/stats/:site/alerts` over every shard (domain/reports/
 * breakage-alerts.ts, `checkDay`), and posts its alerts as JSON when there is at least one. A
 * failed post is remembered and retried by the next alarms (domain/reports/alert-delivery.ts).
 * Never throws: the alarm's own work is done before this runs, and a receiver that fails, hangs
 * or is gone cannot make the alarm fail or retry.
 *
 * Delivery is at least once: an object reset between a post and its record posts that day again;
 * a receiver keys on `site` and `date`.
 */
export async function deliverAlerts(ctx: DurableObjectState, env: Env, now: number, readOwn: OwnReportReader): Promise<void> {
  let site: ReturnType<typeof webhookSiteOf> = null;
  try {
    site = webhookSiteOf(ctx.id, env.SITE_STORE);
    if (site === null) return;
    const days = new CheckedDays(ctx.storage.sql);
    const closedDay = localDayOf(now, site.timeZone) - 1;
    const readDay = dayReader(env, site, readOwn);
    for (const day of daysToPost(closedDay, days.load(closedDay))) {
      const alerts = (await checkDay(day, configuredGoalsOf(site), readDay)).filter((check) => check.alert !== null);
      const body: AlertWebhookBody = { site: site.id, date: formatDay(day), timezone: site.timeZone, alerts };
      // A day with nothing to report is done without a post: no post means no news.
      const delivered = alerts.length === 0 || (await post(site.alertWebhook, body));
      days.record(day, delivered);
    }
  } catch (error) {
    // A store that cannot be read (a shard unreachable): the days not recorded are tried again
    // tomorrow. Its message is the store's (as http/store-call.ts logs it); post() never throws.
    console.error(
      JSON.stringify({
        message: "alert webhook skipped",
        site: site?.id ?? null,
        error: error instanceof Error ? error.message : String(error),
      }),
    );
  }
}

/**
 * The configured site with a webhook whose first shard this object is, or null. Found by id, not
 * by `ctx.id.name`: the name is missing in alarms scheduled before the runtime passed it through
 * (2026-03-15), and in local development after the object was evicted (workerd#6850). Only the
 * object named by the site id itself matches, so the other shards never post.
 */
function webhookSiteOf(
  id: DurableObjectId,
  namespace: DurableObjectNamespace<SiteStore>,
): (CompiledSite & { alertWebhook: string }) | null {
  for (const site of siteDirectory().sitesWithAlertWebhook) {
    if (site.alertWebhook !== null && namespace.idFromName(site.id).equals(id)) return { ...site, alertWebhook: site.alertWebhook };
  }
  return null;
}

/** One whole local day of the site, every shard summed: this object's own rows, the others' over RPC. */
function dayReader(env: Env, site: CompiledSite, readOwn: OwnReportReader) {
  return async (day: number): Promise<ReportRows> => {
    const range: ReportRange = { fromDay: day, toDay: day, interval: "day" };
    const parts = await Promise.all(
      Array.from({ length: Math.max(1, site.shards) }, (_, shard) =>
        shard === 0 ? readOwn(range) : siteStore(env, site.id, shard).readReport(range, {}, 1, []),
      ),
    );
    return mergeReportRows(parts, 1);
  };
}

/**
 * Posts the body; true when the receiver answered 2xx within ALERT_WEBHOOK_TIMEOUT_MS. Redirects
 * are not followed (one could lead off https). The log line names the site, the day and what
 * went wrong, never the URL (it may carry a token) nor the body.
 */
async function post(url: string, body: AlertWebhookBody): Promise<boolean> {
  let failure: string;
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "stepwise-alerts" },
      body: JSON.stringify(body),
      redirect: "manual",
      signal: AbortSignal.timeout(ALERT_WEBHOOK_TIMEOUT_MS),
    });
    // The answer's body is not needed; dropping it frees the connection.
    await response.body?.cancel();
    if (response.ok) return true;
    failure = `status ${response.status}`;
  } catch (error) {
    // The kind only: a fetch error's message can quote the URL.
    failure = error instanceof Error && error.name === "TimeoutError" ? "timeout" : "network error";
  }
  console.warn(JSON.stringify({ message: "alert webhook failed", site: body.site, date: body.date, error: failure }));
  return false;
}

/**
 * The closed days the webhook has checked, in this module's own table: at most ALERT_RETRY_DAYS
 * rows (older ones are deleted as each day is recorded). Created on first use, only in the first
 * shard of a site with a webhook, so no other object carries it.
 */
class CheckedDays {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(
      `CREATE TABLE IF NOT EXISTS alert_webhook_days (
         day INTEGER PRIMARY KEY,
         delivered INTEGER NOT NULL
       ) WITHOUT ROWID`,
    );
  }

  load(closedDay: number): CheckedDay[] {
    return this.sql
      .exec<{ day: number; delivered: number }>("SELECT day, delivered FROM alert_webhook_days WHERE day <= ?", closedDay)
      .toArray()
      .map((row) => ({ day: row.day, delivered: row.delivered === 1 }));
  }

  record(day: number, delivered: boolean): void {
    this.sql.exec(
      "INSERT INTO alert_webhook_days (day, delivered) VALUES (?, ?) ON CONFLICT DO UPDATE SET delivered = excluded.delivered",
      day,
      delivered ? 1 : 0,
    );
    this.sql.exec("DELETE FROM alert_webhook_days WHERE day <= ?", day - ALERT_RETRY_DAYS);
  }
}
