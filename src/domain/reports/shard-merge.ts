import type { BreakdownRows, DimensionRow, FunnelStepRow, GoalRow, ReportRows, RevenueRow, VariantGoalRow } from "./report";

/**
 * Reports of a sharded site are the sums of its shards' reports: every visitor-day lives in
 * exactly one shard, so every count (visitors included) adds up exactly. Top-N breakdowns are
 * merged from the shards' full lists and cut after summing.
 */
/**
 * Orders strings as SQLite's BINARY collation does (UTF-8 bytes, that is code points), so rows
 * cut in JavaScript rank as the same rows cut by ORDER BY ... value. JavaScript's `<` compares
 * UTF-16 units, which puts characters above U+FFFF (surrogate pairs) before U+E000 to U+FFFF.
 */
export function compareBinary(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xAstral = x >= 0xd800 && x <= 0xdfff;
    const yAstral = y >= 0xd800 && y <= 0xdfff;
    if (xAstral !== yAstral) return xAstral ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

function sumBy<T>(rows: readonly T[], key: (row: T) => string, add: (into: T, row: T) => void): T[] {
  const merged = new Map<string, T>();
  for (const row of rows) {
    const id = key(row);
    const existing = merged.get(id);
    if (existing) add(existing, row);
    else merged.set(id, { ...row });
  }
  return [...merged.values()];
}

const sumRevenue = (rows: readonly RevenueRow[]) =>
  sumBy(
    rows,
    (r) => `${r.key}\u001f${r.currency}`,
    (into, r) => (into.minor += r.minor),
  );

export function mergeBreakdowns(parts: readonly BreakdownRows[], limit: number): BreakdownRows {
  const rows = sumBy(
    parts.flatMap((part) => part.rows),
    (row) => row.value,
    (into: DimensionRow, row) => {
      into.visitors += row.visitors;
      into.pageviews += row.pageviews;
      into.microHits += row.microHits;
      into.microVisitors += row.microVisitors;
      into.macroHits += row.macroHits;
      into.macroVisitors += row.macroVisitors;
      if (row.visits !== undefined) {
        into.visits = (into.visits ?? 0) + row.visits;
        into.bounces = (into.bounces ?? 0) + (row.bounces ?? 0);
        into.visitDurationMs = (into.visitDurationMs ?? 0) + (row.visitDurationMs ?? 0);
      }
      if (row.label) into.label = row.label;
    },
  )
    .sort((a, b) => b.visitors - a.visitors || b.pageviews - a.pageviews || compareBinary(a.value, b.value))
    .slice(0, limit);
  const engagement = sumBy(
    parts.flatMap((part) => part.engagement),
    (row) => row.page,
    (into, row) => {
      into.reports += row.reports;
      into.scrollDepthSum += row.scrollDepthSum;
      into.engagedMs += row.engagedMs;
    },
  );
  return { rows, revenue: sumRevenue(parts.flatMap((part) => part.revenue)), engagement };
}

export const sumGoals = (rows: readonly GoalRow[]) =>
  sumBy(
    rows,
    (r) => `${r.class}\u001f${r.goal}`,
    (into, r) => {
      into.hits += r.hits;
      into.goalVisitors += r.goalVisitors;
    },
  );

export function mergeReportRows(parts: readonly ReportRows[], limit: number): ReportRows {
  const [first] = parts;
  if (first === undefined) throw new Error("a site has at least one shard");
  if (parts.length === 1) return first;
  return {
    buckets: sumBy(
      parts.flatMap((p) => p.buckets),
      (b) => String(b.hour),
      (into, b) => {
        into.visitors += b.visitors;
        into.hourVisitors += b.hourVisitors;
        into.pageviews += b.pageviews;
        into.events += b.events;
        into.micro += b.micro;
        into.macro += b.macro;
      },
    ).sort((a, b) => a.hour - b.hour),
    classes: sumBy(
      parts.flatMap((p) => p.classes),
      (c) => c.class,
      (into, c) => {
        into.hits += c.hits;
        into.classVisitors += c.classVisitors;
      },
    ),
    goals: sumGoals(parts.flatMap((p) => p.goals)),
    goalRevenue: sumRevenue(parts.flatMap((p) => p.goalRevenue)),
    breakdowns: Object.fromEntries(
      (Object.keys(first.breakdowns) as (keyof ReportRows["breakdowns"])[]).map((dimension) => [
        dimension,
        mergeBreakdowns(
          parts.flatMap((p) => p.breakdowns[dimension] ?? []),
          limit,
        ),
      ]),
    ) as ReportRows["breakdowns"],
    engagement: parts.reduce(
      (sum, p) => ({
        visits: sum.visits + p.engagement.visits,
        bounces: sum.bounces + p.engagement.bounces,
        visitDurationMs: sum.visitDurationMs + p.engagement.visitDurationMs,
        pageviews: sum.pageviews + p.engagement.pageviews,
      }),
      { visits: 0, bounces: 0, visitDurationMs: 0, pageviews: 0 },
    ),
    dropped: sumBy(
      parts.flatMap((p) => p.dropped),
      (d) => d.reason,
      (into, d) => (into.hits += d.hits),
    ),
    otherHits: Object.fromEntries(
      Object.keys(first.otherHits).map((dimension) => [dimension, parts.reduce((sum, p) => sum + (p.otherHits[dimension] ?? 0), 0)]),
    ),
  };
}

export const sumFunnelSteps = (rows: readonly FunnelStepRow[]) =>
  sumBy(
    rows,
    (r) => `${r.funnel}\u001f${r.step}`,
    (into, r) => (into.visitors += r.visitors),
  );

export const sumVariantGoals = (rows: readonly VariantGoalRow[]) =>
  sumBy(
    rows,
    (r) => `${r.variant}\u001f${r.class}\u001f${r.goal}`,
    (into, r) => {
      into.hits += r.hits;
      into.goalVisitors += r.goalVisitors;
    },
  );

/** Sums rows that have a `visitors` count by the given key fields. */
export function sumVisitorsBy<T extends { visitors: number }>(rows: readonly T[], ...keys: (keyof T)[]): T[] {
  return sumBy(
    rows,
    (r) => keys.map((k) => String(r[k])).join("\u001f"),
    (into, r) => (into.visitors += r.visitors),
  );
}
