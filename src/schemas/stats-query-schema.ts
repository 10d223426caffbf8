import { z } from "zod";
import { propertyDimension } from "../domain/ingest/value-caps";
import { ADDED_DIMENSIONS, type AddedDimension, type Dimension } from "../domain/reports/dimensions";
import type { ReportRange } from "../domain/reports/report";
import { siteDimensions } from "../domain/reports/report-exactness";
import { FILTER_FIELDS, type FilterField, type ReportFilters } from "../domain/reports/report-filter";
import { SEGMENT_DIMENSIONS, type SegmentDimension } from "../domain/reports/segment-reports";
import { parseDay } from "../domain/time/utc-time";

/** GET /api/stats/:site query. Dates are UTC calendar days, both ends included. */
export const REPORT_LIMITS = {
  defaultDays: 7,
  maxDays: 366,
  maxHourlyDays: 31,
  defaultBreakdownRows: 10,
  maxBreakdownRows: 100,
} as const;

const day = z.string().transform((text, ctx) => {
  const parsed = parseDay(text);
  if (parsed === null) {
    ctx.addIssue({ code: "custom", message: "must be a date as YYYY-MM-DD" });
    return z.NEVER;
  }
  return parsed;
});

const fromDay = day
  .optional()
  .meta({ format: "date", description: "first local date (the site's time zone), included; default: 6 days before `to`" });
const toDay = day.optional().meta({
  format: "date",
  description: "last local date, included; default: today, or 6 days after `from` (366 days at most, 31 by hour)",
});
const interval = z.enum(["hour", "day"]).default("day").meta({ description: "timeseries buckets" });
const limit = z.coerce
  .number()
  .int()
  .min(1)
  .max(REPORT_LIMITS.maxBreakdownRows)
  .default(REPORT_LIMITS.defaultBreakdownRows)
  .meta({ description: "rows per breakdown" });
const segmentBy = z
  .enum(SEGMENT_DIMENSIONS)
  .default("channel")
  .meta({ description: "the segment: `channel`, `source` or `campaign` (utm_campaign)" });

const filterValue = z.string().min(1, "a filter needs a value").max(2_000);
type FilterValue = z.ZodOptional<typeof filterValue>;

/** A filter for every main field, every added dimension and each of the site's allow-listed properties. */
function filterShape(properties: readonly string[]): Record<FilterField | AddedDimension, FilterValue> {
  const fields: (FilterField | AddedDimension)[] = [...FILTER_FIELDS, ...ADDED_DIMENSIONS, ...properties.map(propertyDimension)];
  return Object.fromEntries(fields.map((field) => [field, filterValue.optional()])) as Record<FilterField | AddedDimension, FilterValue>;
}

/** `breakdowns=page,browser,props.plan`: which breakdowns the report carries (default: every exact one). */
function breakdownList(dimensions: readonly Dimension[]) {
  const description = `comma-separated breakdowns of the report: ${dimensions.join(", ")}; default: the six main ones exact under the filters`;
  return z
    .string()
    .meta({ description })
    .transform((text, ctx) => {
      const names = text
        .split(",")
        .map((name) => name.trim())
        .filter((name) => name !== "");
      const unknown = names.filter((name) => !(dimensions as readonly string[]).includes(name));
      if (unknown.length > 0 || names.length === 0) {
        ctx.addIssue({
          code: "custom",
          message: `${unknown.length > 0 ? `unknown breakdown ${unknown.join(", ")}` : "name at least one breakdown"}; this site has ${dimensions.join(", ")}`,
        });
        return z.NEVER;
      }
      return [...new Set(names)] as Dimension[];
    });
}

/**
 * The query of every stats endpoint: range, interval, breakdown size and filters; `by` only
 * where the endpoint has it (channels: channel, source or campaign); `breakdowns` on the report.
 */
export function statsQuerySchema(today: number, options: { by?: boolean; properties?: readonly string[] } = {}) {
  const properties = options.properties ?? [];
  return z
    .strictObject({
      from: fromDay,
      to: toDay,
      interval,
      limit,
      breakdowns: breakdownList(siteDimensions(properties)).optional(),
      /** `csv` answers CSV (http/csv.ts); so does `Accept: text/csv`. */
      format: z.enum(["json", "csv"]).optional(),
      /** Which table of an answer the CSV holds (docs/api.md, "CSV"); the endpoint's main one by default. */
      table: z.string().max(200).optional(),
      ...filterShape(properties),
      ...(options.by ? { by: segmentBy } : {}),
    })
    .transform((query, ctx) => {
      const toDay = query.to ?? (query.from === undefined ? today : Math.min(today, query.from + REPORT_LIMITS.defaultDays - 1));
      const fromDay = query.from ?? toDay - (REPORT_LIMITS.defaultDays - 1);
      const days = toDay - fromDay + 1;
      const maxDays = query.interval === "hour" ? REPORT_LIMITS.maxHourlyDays : REPORT_LIMITS.maxDays;
      if (fromDay > toDay) ctx.addIssue({ code: "custom", path: ["from"], message: "from must not be after to" });
      else if (days > maxDays)
        ctx.addIssue({ code: "custom", path: ["to"], message: `at most ${maxDays} days with interval=${query.interval}` });
      const range: ReportRange = { fromDay, toDay, interval: query.interval };
      const filters: ReportFilters = {};
      const queried = query as Record<string, unknown>;
      for (const field of Object.keys(filterShape(properties))) {
        const value = queried[field];
        if (typeof value === "string") filters[field as keyof ReportFilters] = value;
      }
      const by = "by" in query && typeof query.by === "string" ? (query.by as SegmentDimension) : "channel";
      return { range, limit: query.limit, filters, by, breakdowns: query.breakdowns ?? null, format: query.format, table: query.table };
    });
}

export type StatsQuery = z.output<ReturnType<typeof statsQuerySchema>>;
