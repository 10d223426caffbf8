import { z } from "zod";
import type { ReportRange } from "../domain/reports/report";
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

const filterValue = z.string().min(1, "a filter needs a value").max(2_000);
const filterShape = Object.fromEntries(FILTER_FIELDS.map((field) => [field, filterValue.optional()])) as Record<
  FilterField,
  z.ZodOptional<typeof filterValue>
>;

/**
 * The query of every stats endpoint: range, interval, breakdown size and filters; `by` only
 * where the endpoint has it (channels: channel, source or campaign).
 */
export function statsQuerySchema(today: number, options: { by?: boolean } = {}) {
  return z
    .strictObject({
      from: day.optional(),
      to: day.optional(),
      interval: z.enum(["hour", "day"]).default("day"),
      limit: z.coerce.number().int().min(1).max(REPORT_LIMITS.maxBreakdownRows).default(REPORT_LIMITS.defaultBreakdownRows),
      ...filterShape,
      ...(options.by ? { by: z.enum(SEGMENT_DIMENSIONS).default("channel") } : {}),
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
      for (const field of FILTER_FIELDS) {
        const value = query[field];
        if (value !== undefined) filters[field] = value;
      }
      const by = "by" in query && typeof query.by === "string" ? (query.by as SegmentDimension) : "channel";
      return { range, limit: query.limit, filters, by };
    });
}

export type StatsQuery = z.output<ReturnType<typeof statsQuerySchema>>;
