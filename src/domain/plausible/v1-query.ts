import type { FilterTree, PlausibleMetric } from "../../schemas/plausible-query-schema";
import { PLAUSIBLE_METRICS } from "../../schemas/plausible-query-schema";
import { formatDay, parseDay } from "../time/utc-time";
import { monthStart } from "./plausible-dates";
import { refuse } from "./query-error";

/**
 * Plausible's Stats API v1 (GET /api/v1/stats/...) in terms of the v2 query the engine runs:
 * periods relative to `date`, the `;`/`|`/`*` filter syntax and comma-separated metrics. Pure.
 */

/** A v1 `period` (relative to `date`, default the site's today) as two local dates, both included. */
export function v1DateRange(period: string, date: string | undefined, today: number): [string, string] | "all" {
  if (period === "custom") {
    const [from, to, extra] = (date ?? "").split(",");
    if (from === undefined || to === undefined || extra !== undefined || parseDay(from) === null || parseDay(to) === null) {
      return refuse("Invalid date for period=custom: send `date=YYYY-MM-DD,YYYY-MM-DD`.");
    }
    return [from, to];
  }
  const day = date === undefined ? today : parseDay(date);
  if (day === null) return refuse(`Invalid date '${date}'. Send a date as YYYY-MM-DD.`);
  const monthsBack = (months: number) => {
    const start = new Date(monthStart(day) * 86_400_000);
    return Math.round(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() - months, 1) / 86_400_000);
  };
  const endOfMonth = monthStart(monthStart(day) + 31) - 1;
  switch (period) {
    case "day":
      return [formatDay(day), formatDay(day)];
    case "7d":
      return [formatDay(day - 6), formatDay(day)];
    case "30d":
      return [formatDay(day - 29), formatDay(day)];
    case "month":
      return [formatDay(monthStart(day)), formatDay(endOfMonth)];
    case "6mo":
      return [formatDay(monthsBack(5)), formatDay(endOfMonth)];
    case "12mo":
      return [formatDay(monthsBack(11)), formatDay(endOfMonth)];
    case "year": {
      const year = new Date(day * 86_400_000).getUTCFullYear();
      return [`${year}-01-01`, `${year}-12-31`];
    }
    case "all":
      return "all";
    default:
      return refuse(`Invalid period '${period}'. Send one of day, 7d, 30d, month, 6mo, 12mo, year, all or custom.`);
  }
}

/** Splits on `separator` where it is not escaped with a backslash, and unescapes the parts. */
function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const char = text[i] ?? "";
    if (char === "\\" && text[i + 1] === separator) {
      current += separator;
      i++;
    } else if (char === separator) {
      parts.push(current);
      current = "";
    } else current += char;
  }
  parts.push(current);
  return parts;
}

/**
 * v1 filters (`event:page==/blog/**;visit:country==DE|FR`): `;` is and, `|` is one of, `*` a
 * wildcard (`*` within a path segment, `**` across them), `!=` excludes (one value).
 */
export function parseV1Filters(text: string | undefined): FilterTree[] {
  if (text === undefined || text.trim() === "") return [];
  return text.split(";").map((expression): FilterTree => {
    const match = /^\s*([a-z_]+:[^=!~]+?)\s*(==|!=|~)(.*)$/s.exec(expression);
    if (match === null) return refuse(`Invalid filter expression '${expression}'. Write it as property==value or property!=value.`);
    const [, property = "", operator, rawValue = ""] = match;
    const values = splitUnescaped(rawValue, "|");
    if (operator === "~") return ["contains", property, values];
    if (operator === "!=" && values.length > 1) {
      return refuse(`Invalid filter '${expression}': exclude one value at a time (as Plausible's v1 API).`);
    }
    const wildcard = values.some((value) => value.includes("*"));
    if (wildcard) return [operator === "==" ? "matches_wildcard" : "matches_wildcard_not", property, values];
    return [operator === "==" ? "is" : "is_not", property, values];
  });
}

const V1_METRICS = new Set<string>(PLAUSIBLE_METRICS);

/** `metrics=visitors,pageviews` as a list (default `visitors`). */
export function parseV1Metrics(text: string | undefined): PlausibleMetric[] {
  const names = (text ?? "visitors")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  if (names.length === 0) return ["visitors"];
  for (const name of names)
    if (!V1_METRICS.has(name))
      refuse(
        `The metric \`${name}\` is not recognized. Find valid metrics from the documentation: https://plausible.io/docs/stats-api-v1#metrics`,
      );
  return [...new Set(names)] as PlausibleMetric[];
}

/** The key a v1 breakdown row names its property by: `event:page` is `page`, `event:props:method` is `method`. */
export function v1PropertyKey(property: string): string {
  if (property.startsWith("event:props:")) return property.slice("event:props:".length);
  return property.slice(property.indexOf(":") + 1);
}
