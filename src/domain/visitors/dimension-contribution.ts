import type { AddedDimension } from "../reports/dimensions";
import { type EventTally, parsePropertyKey } from "./visit-tallies";
import type { Attribution, VisitorDay } from "./visit-tracker";

/**
 * What one visitor-day adds to the added dimensions' counters (domain/reports/dimensions.ts),
 * derived from its row: its attribution and tallies (visit-tallies.ts). The store keeps the open
 * days' sums of these in memory and writes them as `dimension_days` rows when a day closes;
 * since a day's figures are the sum over its visitor-days, a late hit only has to replace its
 * visitor-day's contribution.
 *
 * Each value gets one "visitor" row (no event: the visitor, and the visits filed under the value)
 * and one row per event the visitor-day's hits made (hits, goal and class visitors, revenue).
 */
export const SUM_FIELDS = ["hits", "visitors", "goalVisitors", "classVisitors", "visits", "bounces", "durationMs", "revenueMinor"] as const;
/** Sums in SUM_FIELDS order. */
export type Sums = number[];
const eventSums = (hits: number, goalVisitors: number, classVisitors: number, revenueMinor: number): Sums => [
  hits,
  0,
  goalVisitors,
  classVisitors,
  0,
  0,
  0,
  revenueMinor,
];
const visitorSums = ([visits, bounces, durationMs]: readonly [number, number, number]): Sums => [
  0,
  1,
  0,
  0,
  visits,
  bounces,
  durationMs,
  0,
];

/** A counter row's key: dimension, value, label, and the event's name, goal, class and currency. */
export interface DimensionKey {
  dimension: AddedDimension;
  value: string;
  label: string;
  name: string;
  goal: string;
  class: string;
  currency: string;
}

const SEPARATOR = "\u001f";
export const keyId = (key: DimensionKey): string =>
  [key.dimension, key.value, key.label, key.name, key.goal, key.class, key.currency].join(SEPARATOR);
export function keyOf(id: string): DimensionKey {
  const [dimension = "", value = "", label = "", name = "", goal = "", conversionClass = "", currency = ""] = id.split(SEPARATOR);
  return { dimension: dimension as AddedDimension, value, label, name, goal, class: conversionClass, currency };
}

export const emptySums = (): Sums => SUM_FIELDS.map(() => 0);

export type Emit = (id: string, sums: Sums) => void;

const VISITOR_VALUES: readonly [AddedDimension, (a: Attribution) => string][] = [
  ["browser", (a) => a.browser],
  ["os", (a) => a.os],
  ["utm_medium", (a) => a.medium],
  ["utm_content", (a) => a.content],
  ["utm_term", (a) => a.term],
  ["region", (a) => a.region],
  ["city", (a) => a.city],
];

function emitEvents(dimension: AddedDimension, value: string, label: string, events: EventTally, emit: Emit): void {
  for (const [event, [hits, goalVisitors, classVisitors, revenue]] of Object.entries(events)) {
    const [name = "", goal = "", conversionClass = "", currency = ""] = event.split(SEPARATOR);
    emit(
      keyId({ dimension, value, label, name, goal, class: conversionClass, currency }),
      eventSums(hits, goalVisitors, classVisitors, revenue),
    );
  }
}

function emitVisitor(dimension: AddedDimension, value: string, label: string, visits: [number, number, number], emit: Emit): void {
  emit(keyId({ dimension, value, label, name: "", goal: "", class: "", currency: "" }), visitorSums(visits));
}

/** Calls `emit` for each counter row the visitor-day contributes to. */
export function emitContribution(visitor: VisitorDay, emit: Emit): void {
  const entries = Object.entries(visitor.visitsByEntry);
  if (entries.length === 0) return;
  const visits: [number, number, number] = [0, 0, 0];
  const events: EventTally = {};
  for (const [, tally] of entries) {
    visits[0] += tally.visits;
    visits[1] += tally.bounces;
    visits[2] += tally.durationMs;
    for (const [event, sums] of Object.entries(tally.events)) {
      const into = events[event] ?? [0, 0, 0, 0];
      events[event] = [into[0] + sums[0], into[1] + sums[1], into[2] + sums[2], into[3] + sums[3]];
    }
  }
  const { attribution } = visitor;
  for (const [dimension, read] of VISITOR_VALUES) {
    const label = dimension === "region" ? attribution.regionName : "";
    emitVisitor(dimension, read(attribution), label, visits, emit);
    emitEvents(dimension, read(attribution), label, events, emit);
  }
  for (const [page, tally] of entries) {
    emitVisitor("entry_page", page, "", [tally.visits, tally.bounces, tally.durationMs], emit);
    emitEvents("entry_page", page, "", tally.events, emit);
  }
  for (const [page, count] of Object.entries(visitor.exits)) emitVisitor("exit_page", page, "", [count, 0, 0], emit);
  for (const [property, tally] of Object.entries(visitor.propTallies)) {
    const { name, value } = parsePropertyKey(property);
    emitVisitor(`props.${name}`, value, "", [0, 0, 0], emit);
    emitEvents(`props.${name}`, value, "", tally, emit);
  }
}

/** Adds (sign 1) or takes away (sign -1) a visitor-day's contribution to running sums. */
export function applyContribution(sums: Map<string, Sums>, visitor: VisitorDay, sign: 1 | -1): void {
  emitContribution(visitor, (id, add) => {
    const into = sums.get(id) ?? emptySums();
    for (let i = 0; i < add.length; i++) into[i] = (into[i] ?? 0) + sign * (add[i] ?? 0);
    if (into.every((value) => value === 0)) sums.delete(id);
    else sums.set(id, into);
  });
}
