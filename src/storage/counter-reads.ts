import type { MainDimension } from "../domain/reports/dimensions";
import type { BreakdownRows, FunnelStepRow, GoalRow, VariantGoalRow } from "../domain/reports/report";
import { goalRevenueKey } from "../domain/reports/report";
import { convertingColumnFor, type FilterField, mainFilters, visitorsColumnFor } from "../domain/reports/report-filter";
import { NO_VARIANT } from "../domain/visitors/visit-tracker";
import { BreakdownSums, isMicro, kindOf } from "./breakdown-sums";
import type { PackedTable } from "./counter-tables";
import { entryIndexOf, scanEntries } from "./packed-counters";
import { FILTER_COLUMN, type Scope } from "./report-queries";
import type { EntrySource } from "./report-scan";

/**
 * The counter reads of funnels, lift, variants and segment breakdowns over a whole range, summed
 * in JavaScript from the packed parts (packed-counters.ts scanEntries): through the view each
 * GROUP BY unpacked every entry in range with json_each, about a million for a 90-day range of a
 * million-hit site, once per query. Same sums, groups, order and cut as the GROUP BY queries of
 * report-queries.ts, which stay the reference (test/storage/report-sums.property.test.ts).
 */
const MAIN = entryIndexOf("hourly_counters");
const at = (column: string): number => MAIN[column] ?? -1;

/** Filters funnel and lift counters do not take (they carry visitor-level columns; the routes refuse the others). */
const NOT_VISITOR_LEVEL: readonly FilterField[] = ["page", "goal", "name"];

/** The scope's filters as [column, value] pairs for `table`. */
function equalFilters(scope: Scope, table: PackedTable): [string, string][] {
  return (Object.entries(mainFilters(scope.filters)) as [FilterField, string | undefined][]).flatMap(([field, value]) =>
    value === undefined || (table !== "hourly_counters" && NOT_VISITOR_LEVEL.includes(field))
      ? []
      : [[FILTER_COLUMN[field], value] as [string, string]],
  );
}

function* mainEntries(scope: CounterScope): Generator<readonly SqlStorageValue[]> {
  const equal = equalFilters(scope, "hourly_counters");
  const entries = scope.mainSource?.(equal) ?? scanEntries(scope.sql, "hourly_counters", scope.fromHour, scope.toHour, equal);
  for (const { entry } of entries) yield entry;
}

const text = (entry: readonly SqlStorageValue[], index: number) => String(entry[index] ?? "");
const count = (entry: readonly SqlStorageValue[], index: number) => Number(entry[index] ?? 0);

/** A scope and the storage it reads; `mainSource`, where the main counters' entries come from when not the packed hours. */
export type CounterScope = Scope & { sql: SqlStorage; mainSource?: EntrySource | undefined };

/** Top values of one dimension (report-queries.ts readBreakdown). */
export function sumBreakdown(scope: CounterScope, dimension: MainDimension | "variant", limit: number): BreakdownRows {
  const valueAt = at(dimension);
  const visitorsAt = at(visitorsColumnFor(mainFilters(scope.filters), dimension));
  const convertingAt = at(convertingColumnFor(scope.filters));
  const sums = new BreakdownSums(dimension === "page");
  for (const entry of mainEntries(scope)) {
    sums.add(
      text(entry, valueAt),
      kindOf(text(entry, at("name"))),
      text(entry, at("class")),
      text(entry, at("currency")),
      count(entry, at("hits")),
      count(entry, visitorsAt),
      count(entry, convertingAt),
      count(entry, at("revenue_minor")),
      count(entry, at("scroll_depth_sum")),
      count(entry, at("engaged_ms")),
    );
  }
  return sums.result(limit);
}

/** Per goal: conversions and converting visitors (report-queries.ts readGoals, without revenue). */
export function sumGoals(scope: CounterScope): GoalRow[] {
  const goals = new Map<string, GoalRow>();
  for (const entry of mainEntries(scope)) {
    const goal = text(entry, at("goal"));
    if (goal === "") continue;
    const conversionClass = text(entry, at("class"));
    const key = goalRevenueKey(conversionClass, goal);
    const row = goals.get(key) ?? { goal, class: conversionClass as GoalRow["class"], hits: 0, goalVisitors: 0 };
    row.hits += count(entry, at("hits"));
    row.goalVisitors += count(entry, at("goal_visitors"));
    goals.set(key, row);
  }
  return [...goals.values()];
}

/** Visitors in scope with the class-level converting visitors (report-queries.ts readTotals). */
export function sumTotals(scope: CounterScope): { visitors: number; microVisitors: number; macroVisitors: number } {
  const visitorsAt = at(visitorsColumnFor(mainFilters(scope.filters)));
  const totals = { visitors: 0, microVisitors: 0, macroVisitors: 0 };
  for (const entry of mainEntries(scope)) {
    totals.visitors += count(entry, visitorsAt);
    const conversionClass = text(entry, at("class"));
    if (isMicro(conversionClass)) totals.microVisitors += count(entry, at("class_visitors"));
    if (conversionClass === "macro") totals.macroVisitors += count(entry, at("class_visitors"));
  }
  return totals;
}

/** Per variant and goal: conversions and converting visitors (report-queries.ts readVariantGoals). */
export function sumVariantGoals(scope: CounterScope): VariantGoalRow[] {
  const rows = new Map<string, VariantGoalRow>();
  for (const entry of mainEntries(scope)) {
    const goal = text(entry, at("goal"));
    const variant = text(entry, at("variant"));
    if (goal === "" || variant === NO_VARIANT) continue;
    const conversionClass = text(entry, at("class"));
    const id = `${variant}\u001f${goal}\u001f${conversionClass}`;
    const row = rows.get(id) ?? { variant, goal, class: conversionClass as VariantGoalRow["class"], hits: 0, goalVisitors: 0 };
    row.hits += count(entry, at("hits"));
    row.goalVisitors += count(entry, at("goal_visitors"));
    rows.set(id, row);
  }
  return [...rows.values()];
}

/** Visitors per funnel step (report-queries.ts readFunnelSteps). */
export function sumFunnelSteps(scope: CounterScope): FunnelStepRow[] {
  const index = entryIndexOf("funnel_counters");
  const steps = new Map<string, FunnelStepRow>();
  for (const { entry } of scanEntries(scope.sql, "funnel_counters", scope.fromHour, scope.toHour, equalFilters(scope, "funnel_counters"))) {
    const funnel = text(entry, index.funnel ?? -1);
    const step = count(entry, index.step ?? -1);
    const id = `${funnel}\u001f${step}`;
    const row = steps.get(id) ?? { funnel, step, visitors: 0 };
    row.visitors += count(entry, index.visitors ?? -1);
    steps.set(id, row);
  }
  return [...steps.values()];
}

/** Per micro goal: visitors who completed it and converted macro the same day (report-queries.ts readLiftPairs). */
export function sumLiftPairs(scope: CounterScope): Map<string, number> {
  const index = entryIndexOf("lift_counters");
  const pairs = new Map<string, number>();
  for (const { entry } of scanEntries(scope.sql, "lift_counters", scope.fromHour, scope.toHour, equalFilters(scope, "lift_counters"))) {
    const goal = text(entry, index.goal ?? -1);
    pairs.set(goal, (pairs.get(goal) ?? 0) + count(entry, index.visitors ?? -1));
  }
  return pairs;
}
