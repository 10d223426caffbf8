import { toMinorUnits } from "../ingest/money";
import type { Increments, TrackedHit, VisitorDay } from "./visit-tracker";

/**
 * What a visitor-day's hits did, kept in its row so the added dimensions (browser, OS, UTM
 * medium/content/term, region, city, entry and exit page, properties) need no counter row of
 * their own per hit: each visitor-day's contribution to them is derived from these tallies
 * (domain/reports/dimension-contribution.ts), live for the open days and rolled up when a day
 * closes. This is what keeps a hit at the rows of its main counters.
 */

/** Per event (`name\u001fgoal\u001fclass\u001fcurrency`): hits, goal visitors, class visitors, revenue in minor units. */
export type EventTally = Record<string, [number, number, number, number]>;

/** The visits that entered on one page, and what their hits did. */
export interface VisitTally {
  visits: number;
  bounces: number;
  durationMs: number;
  events: EventTally;
}

/** Bounds on one visitor-day's tallies; past them a crawler's extra keys fold into OTHER_KEY. */
export const MAX_EVENT_KEYS = 50;
export const MAX_PAGES_TALLIED = 300;
export const MAX_PROPERTY_VALUES_REMEMBERED = 100;
const OTHER_PAGE = "(other)";

export const eventKey = (name: string, goal: string, conversionClass: string, currency: string) =>
  `${name}\u001f${goal}\u001f${conversionClass}\u001f${currency}`;
const OTHER_EVENT = eventKey("(other)", "", "", "");

export const propertyKey = (name: string, value: string) => `${name}\u001f${value}`;

/** The property name and value of a `propertyKey`. */
export function parsePropertyKey(key: string): { name: string; value: string } {
  const [name = "", value = ""] = key.split("\u001f");
  return { name, value };
}

/** Fresh copies of the tallies, so a visitor-day's next state never shares them with the prior one. */
export function copyTallies(day: VisitorDay): Pick<VisitorDay, "visitsByEntry" | "exits" | "propTallies"> {
  const copyEvents = (events: EventTally): EventTally =>
    Object.fromEntries(Object.entries(events).map(([key, sums]) => [key, [...sums] as [number, number, number, number]]));
  return {
    visitsByEntry: Object.fromEntries(
      Object.entries(day.visitsByEntry).map(([page, tally]) => [page, { ...tally, events: copyEvents(tally.events) }]),
    ),
    exits: { ...day.exits },
    propTallies: Object.fromEntries(Object.entries(day.propTallies).map(([key, events]) => [key, copyEvents(events)])),
  };
}

/** A key already tallied or still within `max`, else the catch-all. */
const slotFor = (tally: object, key: string, max: number, other: string) => (key in tally || Object.keys(tally).length < max ? key : other);

function addEvent(events: EventTally, key: string, sums: [number, number, number, number]): void {
  const slot = slotFor(events, key, MAX_EVENT_KEYS, OTHER_EVENT);
  const existing = events[slot] ?? [0, 0, 0, 0];
  events[slot] = [existing[0] + sums[0], existing[1] + sums[1], existing[2] + sums[2], existing[3] + sums[3]];
}

/**
 * Adds one hit to the visitor-day's tallies, after its increments are known. A visit's entry page
 * is its first hit's page; its exit page is its last pageview's page, known for sure only when the
 * visit ends, so the exit is counted as it stands and moved as the visit goes on (visits split at
 * midnight, so a visit's exit stays within its day).
 */
export function tallyHit(day: VisitorDay, hit: TrackedHit, increments: Increments): void {
  const { kind, goal, class: conversionClass, revenue } = hit.classification;
  if (kind !== "engagement" && increments.visits === 1) {
    day.entryPage = hit.page;
    day.exitPage = "";
  }
  const entry = day.entryPage || hit.page;
  const slot = slotFor(day.visitsByEntry, entry, MAX_PAGES_TALLIED, OTHER_PAGE);
  const visit = day.visitsByEntry[slot] ?? { visits: 0, bounces: 0, durationMs: 0, events: {} };
  day.visitsByEntry[slot] = visit;
  visit.visits += increments.visits;
  visit.bounces += increments.bounces;
  visit.durationMs += increments.visitDurationMs;
  const key = eventKey(hit.name, goal, conversionClass, revenue?.currency ?? "");
  const sums: [number, number, number, number] = [
    1,
    increments.goalVisitors,
    increments.classVisitors,
    revenue === null ? 0 : toMinorUnits(revenue),
  ];
  addEvent(visit.events, key, sums);
  for (const { name, value } of hit.props) {
    const property = propertyKey(name, value);
    if (slotFor(day.propTallies, property, MAX_PROPERTY_VALUES_REMEMBERED, "") === "") continue;
    const tally = day.propTallies[property] ?? {};
    day.propTallies[property] = tally;
    addEvent(tally, key, sums);
  }
  if (kind === "pageview" && day.exitPage !== hit.page) moveExit(day, hit.page);
}

function moveExit(day: VisitorDay, page: string): void {
  if (day.exitPage !== "") {
    const left = (day.exits[day.exitPage] ?? 1) - 1;
    if (left === 0) delete day.exits[day.exitPage];
    else day.exits[day.exitPage] = left;
  }
  const slot = slotFor(day.exits, page, MAX_PAGES_TALLIED, OTHER_PAGE);
  day.exits[slot] = (day.exits[slot] ?? 0) + 1;
  day.exitPage = slot;
}
